/** One invalid field of a request, as Tessera reports it in a problem's `errors`. */
export interface FieldProblem {
  /** Where the field is: a JSON pointer into the body, or `query.NAME` / `header.NAME`. */
  field: string;
  /** What is wrong with it. */
  message: string;
}

/**
 * An RFC 9457 problem details object as Tessera sends it (`application/problem+json`).
 * Further members may be present.
 */
export interface ProblemDetails {
  /** Stable URI identifying the kind of problem. */
  type: string;
  /** Short summary of the kind of problem. */
  title: string;
  /** The HTTP status code. */
  status: number;
  /** What went wrong in this occurrence, for people. */
  detail?: string;
  /** The request path. */
  instance?: string;
  /** Machine-readable cause, e.g. `NOT_FOUND`, `CONFLICT`, `IDEMPOTENCY_KEY_REUSED`. */
  responseCode: string;
  /** The request id, also sent as `X-Request-Id`; quote it to the operator. */
  requestId?: string;
  /** The entitlement concerned, where one was recorded (e.g. a create left `FAILED`). */
  entitlementId?: string;
  /** One entry per invalid field of a validation error. */
  errors?: FieldProblem[];
  [member: string]: unknown;
}

/**
 * Thrown by every client call that Tessera answers with a non-2xx status. Carries the parsed
 * problem details, so callers switch on {@link TesseraApiError.responseCode} instead of parsing
 * a raw `Response`.
 */
export class TesseraApiError extends Error {
  /** The HTTP status code. */
  readonly status: number;
  /** The parsed problem details (synthesised from the status when the body was not one). */
  readonly problem: ProblemDetails;
  /** The response headers, e.g. `Retry-After` or `ETag`. */
  readonly headers: Headers;

  constructor(problem: ProblemDetails, headers: Headers) {
    super(`${problem.status} ${problem.responseCode}: ${problem.detail ?? problem.title}`);
    this.name = 'TesseraApiError';
    this.status = problem.status;
    this.problem = problem;
    this.headers = headers;
  }

  /** Machine-readable cause, e.g. `NOT_FOUND` or `PRECONDITION_FAILED`. */
  get responseCode(): string {
    return this.problem.responseCode;
  }

  /** The request id to quote when asking an operator about this failure. */
  get requestId(): string | undefined {
    return this.problem.requestId ?? this.headers.get('x-request-id') ?? undefined;
  }

  /** The per-field failures of a validation error (empty otherwise). */
  get fieldErrors(): FieldProblem[] {
    return this.problem.errors ?? [];
  }
}

/** `responseCode` for a status when the body carries none (e.g. a proxy's error page). */
const codeByStatus: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  412: 'PRECONDITION_FAILED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE_ENTITY',
  429: 'TOO_MANY_REQUESTS',
  502: 'MERCHANT_ERROR',
  503: 'SERVICE_UNAVAILABLE',
};

function isProblem(value: unknown): value is ProblemDetails {
  const candidate = value as Partial<ProblemDetails> | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.title === 'string';
}

/**
 * Reads a non-2xx response into a {@link TesseraApiError}. A body that is not problem details
 * (an HTML error page from a proxy, say) still yields an error with the status and its text.
 */
export async function toApiError(response: Response): Promise<TesseraApiError> {
  const text = await response.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }

  const fallback: ProblemDetails = {
    type: 'about:blank',
    title: response.statusText || `HTTP ${response.status}`,
    status: response.status,
    responseCode: codeByStatus[response.status] ?? 'INTERNAL_ERROR',
    ...(text ? { detail: text.slice(0, 500) } : {}),
  };
  const problem = isProblem(body) ? { ...fallback, detail: undefined, ...body } : fallback;
  return new TesseraApiError(problem, response.headers);
}
