/** A response body read up to a limit. */
export interface LimitedBody {
  text: string;
  /** Whether the body was longer than the limit (then `text` is its start only). */
  truncated: boolean;
}

/**
 * Reads at most `maxBytes` of `response`'s body as UTF-8 and cancels the rest, so that a
 * merchant cannot make the server buffer an unbounded answer. Rejects like the body stream
 * (e.g. when the request's timeout signal fires while reading).
 */
export async function readLimitedBody(response: Response, maxBytes: number): Promise<LimitedBody> {
  if (response.body === null) {
    return { text: '', truncated: false };
  }

  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;

  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        break;
      }
      if (size + value.byteLength > maxBytes) {
        chunks.push(value.subarray(0, maxBytes - size));
        truncated = true;
        await reader.cancel().catch(() => undefined);
        break;
      }
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    reader.releaseLock();
  }

  return { text: Buffer.concat(chunks).toString('utf8'), truncated };
}
