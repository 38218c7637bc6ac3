import { ErrorCode, type FieldError, type Problem } from '@tessera/merchant-client';

/** Base of every problem `type` URI the demo merchant sends; a slug names the kind. */
export const PROBLEM_TYPE_BASE = 'https://tessera.dev/problems/';

interface ProblemKind {
  responseCode: ErrorCode;
  title: string;
  slug: string;
}

/** The statuses the demo merchant answers with a problem, and how each is described. */
const KINDS = {
  400: { responseCode: ErrorCode.BAD_REQUEST, title: 'Bad Request', slug: 'bad-request' },
  401: { responseCode: ErrorCode.UNAUTHORIZED, title: 'Unauthorized', slug: 'unauthorized' },
  404: { responseCode: ErrorCode.NOT_FOUND, title: 'Not Found', slug: 'not-found' },
  405: {
    responseCode: ErrorCode.METHOD_NOT_ALLOWED,
    title: 'Method Not Allowed',
    slug: 'method-not-allowed',
  },
  409: { responseCode: ErrorCode.CONFLICT, title: 'Conflict', slug: 'conflict' },
  413: {
    responseCode: ErrorCode.PAYLOAD_TOO_LARGE,
    title: 'Payload Too Large',
    slug: 'payload-too-large',
  },
  415: {
    responseCode: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    title: 'Unsupported Media Type',
    slug: 'unsupported-media-type',
  },
  500: {
    responseCode: ErrorCode.INTERNAL_ERROR,
    title: 'Internal Server Error',
    slug: 'internal-error',
  },
  503: {
    responseCode: ErrorCode.SERVICE_UNAVAILABLE,
    title: 'Service Unavailable',
    slug: 'service-unavailable',
  },
} as const satisfies Record<number, ProblemKind>;

/** An HTTP status the demo merchant sends as a problem. */
export type ProblemStatus = keyof typeof KINDS;

/** Optional parts of a {@link ProblemError}. */
export interface ProblemOptions {
  /** A more specific `type` slug than the status's default, e.g. `customer-not-eligible`. */
  slug?: string;
  /** Per-field failures of a validation error. */
  errors?: FieldError[];
  /** Response headers the problem needs, e.g. `WWW-Authenticate`. */
  headers?: Record<string, string>;
}

/**
 * An error that becomes an `application/problem+json` answer in the contract's `Problem` shape.
 * `detail` is shown to the caller, so it never holds secrets.
 */
export class ProblemError extends Error {
  readonly status: ProblemStatus;
  readonly headers: Readonly<Record<string, string>>;
  private readonly options: ProblemOptions;

  constructor(status: ProblemStatus, detail: string, options: ProblemOptions = {}) {
    super(detail);
    this.name = 'ProblemError';
    this.status = status;
    this.headers = options.headers ?? {};
    this.options = options;
  }

  /** The response body, for the request at `instance`. */
  toProblem(instance: string): Problem {
    const kind: ProblemKind = KINDS[this.status];
    return {
      type: PROBLEM_TYPE_BASE + (this.options.slug ?? kind.slug),
      title: kind.title,
      status: this.status,
      detail: this.message,
      instance,
      responseCode: kind.responseCode,
      ...(this.options.errors === undefined ? {} : { errors: this.options.errors }),
    };
  }
}

/** The problem status for an HTTP status from elsewhere (a body parser, the router). */
export function problemStatusFor(status: number): ProblemStatus {
  if (status in KINDS) {
    return status as ProblemStatus;
  }
  return status < 500 ? 400 : 500;
}
