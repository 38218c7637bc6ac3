/**
 * Whether `error`, thrown by `fetch` or while reading a response body, means the exchange
 * failed in transit: the attempt's timeout fired (`TimeoutError`, or `AbortError` from a
 * body read) or the connection failed (undici's `TypeError: fetch failed`, or `terminated`
 * when the socket dies mid-body).
 */
export function isTransportFailure(error: unknown): boolean {
  // A TypeError with its own `code` (`ERR_INVALID_URL`, `ERR_INVALID_ARG_VALUE`, ...) is a bad
  // argument, not a transport failure; undici's carry their system error as the `cause`.
  const ownCode = (error as { code?: unknown } | null)?.code;
  return isTimeout(error) || (error instanceof TypeError && ownCode === undefined);
}

/** Whether `error` is the attempt's timeout firing. */
export function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

/**
 * A short, secret-free description of a transport failure, e.g. `timed out after 2000 ms` or
 * `network error (ECONNREFUSED)`. Never includes the URL.
 */
export function describeFetchFailure(error: unknown, timeoutMs: number): string {
  if (isTimeout(error)) {
    return `timed out after ${timeoutMs} ms`;
  }
  const code = errorCode(error);
  return code === undefined ? 'network error' : `network error (${code})`;
}

/** The system error code (`ECONNREFUSED`, `UND_ERR_SOCKET`, ...) along the `cause` chain. */
function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(code)) {
      return code;
    }
    current = current.cause;
  }
  return undefined;
}
