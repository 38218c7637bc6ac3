import type { components } from '../generated/contract';

/** The contract's machine-readable error codes (`ErrorCode`). */
type ErrorCode = components['schemas']['ErrorCode'];

/** Base of every problem `type` URI; the slug after it names the kind of problem. */
export const PROBLEM_TYPE_BASE = 'https://tessera.dev/problems/';

interface ProblemKind {
  status: number;
  title: string;
  slug: string;
}

/**
 * Every Bango-style `responseCode` an error response can carry, with its HTTP status, its
 * title and the slug of its default `type` URI. The first code listed for a status is the one
 * {@link responseCodeForStatus} picks.
 */
export const PROBLEM_KINDS = {
  BAD_REQUEST: { status: 400, title: 'Bad Request', slug: 'bad-request' },
  UNAUTHORIZED: { status: 401, title: 'Unauthorized', slug: 'unauthorized' },
  FORBIDDEN: { status: 403, title: 'Forbidden', slug: 'forbidden' },
  NOT_FOUND: { status: 404, title: 'Not Found', slug: 'not-found' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method Not Allowed', slug: 'method-not-allowed' },
  CONFLICT: { status: 409, title: 'Conflict', slug: 'conflict' },
  // A per-customer live-entitlement limit of the route is reached.
  LIMIT_REACHED: { status: 409, title: 'Limit Reached', slug: 'limit-reached' },
  PRECONDITION_FAILED: { status: 412, title: 'Precondition Failed', slug: 'precondition-failed' },
  PRECONDITION_REQUIRED: {
    status: 428,
    title: 'Precondition Required',
    slug: 'precondition-required',
  },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload Too Large', slug: 'payload-too-large' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    title: 'Unsupported Media Type',
    slug: 'unsupported-media-type',
  },
  UNPROCESSABLE_ENTITY: {
    status: 422,
    title: 'Unprocessable Entity',
    slug: 'unprocessable-entity',
  },
  // Bango: "the operation cannot be done for this service". The request is valid, but the
  // route's configuration rules it out: nothing to retry, hence not a 409 or a 5xx.
  NOT_AVAILABLE: { status: 422, title: 'Not Available', slug: 'not-available' },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    title: 'Idempotency Key Reused',
    slug: 'idempotency-key-reused',
  },
  TOO_MANY_REQUESTS: { status: 429, title: 'Too Many Requests', slug: 'too-many-requests' },
  INTERNAL_ERROR: { status: 500, title: 'Internal Server Error', slug: 'internal-error' },
  SERVICE_UNAVAILABLE: {
    status: 503,
    title: 'Service Unavailable',
    slug: 'service-unavailable',
  },
  MERCHANT_ERROR: { status: 502, title: 'Merchant Error', slug: 'merchant-error' },
  MERCHANT_UNAVAILABLE: {
    status: 503,
    title: 'Merchant Unavailable',
    slug: 'merchant-unavailable',
  },
} as const satisfies Record<ErrorCode, ProblemKind>;

/** A machine-readable error code, one of the keys of {@link PROBLEM_KINDS}. */
export type ResponseCode = keyof typeof PROBLEM_KINDS;

/** One invalid input field, for validation failures. */
export interface FieldError {
  /** JSON pointer or dotted path of the field, e.g. `extensionData.plan`. */
  field: string;
  message: string;
}

/** The RFC 9457 `application/problem+json` body every error response carries. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  responseCode: ResponseCode;
  requestId: string;
  /** The entitlement concerned, when one was recorded (e.g. a create left `FAILED`). */
  entitlementId?: string;
  errors?: FieldError[];
}

/** Optional parts of a {@link ProblemError}. */
export interface ProblemOptions {
  /** A more specific `type` slug or absolute URI than the response code's default. */
  type?: string;
  errors?: FieldError[];
  /** Response headers the problem needs, e.g. `Allow` or `Retry-After`. */
  headers?: Record<string, string>;
  /** The entitlement concerned, when one was recorded; rendered in the body. */
  entitlementId?: string;
  cause?: unknown;
}

/**
 * Base of every error that becomes an HTTP error response. Throw a subclass (see
 * `http-problems.ts`) or this class with a response code; the problem middleware renders it.
 * `detail` is shown to the client, so it must never hold secrets or internals.
 */
export class ProblemError extends Error {
  readonly responseCode: ResponseCode;
  readonly status: number;
  readonly title: string;
  readonly type: string;
  readonly errors: FieldError[] | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly entitlementId: string | undefined;

  constructor(responseCode: ResponseCode, detail: string, options: ProblemOptions = {}) {
    super(detail, { cause: options.cause });
    this.name = new.target.name;

    const kind = PROBLEM_KINDS[responseCode];
    this.responseCode = responseCode;
    this.status = kind.status;
    this.title = kind.title;
    this.type = problemTypeUri(options.type ?? kind.slug);
    this.errors = options.errors;
    this.headers = options.headers ?? {};
    this.entitlementId = options.entitlementId;
  }

  /** The response body for this problem, as seen by the request it answers. */
  toDocument(instance: string, requestId: string): ProblemDocument {
    const document: ProblemDocument = {
      type: this.type,
      title: this.title,
      status: this.status,
      detail: this.message,
      instance,
      responseCode: this.responseCode,
      requestId,
    };

    if (this.errors !== undefined) {
      document.errors = this.errors;
    }
    if (this.entitlementId !== undefined) {
      document.entitlementId = this.entitlementId;
    }
    return document;
  }
}

/** The response code for an HTTP error status; unknown statuses fall back to 400 or 500. */
export function responseCodeForStatus(status: number): ResponseCode {
  const codes = Object.keys(PROBLEM_KINDS) as ResponseCode[];
  const match = codes.find((code) => PROBLEM_KINDS[code].status === status);

  return match ?? (status < 500 ? 'BAD_REQUEST' : 'INTERNAL_ERROR');
}

function problemTypeUri(slugOrUri: string): string {
  return /^[a-z][a-z0-9+.-]*:/i.test(slugOrUri) ? slugOrUri : PROBLEM_TYPE_BASE + slugOrUri;
}
