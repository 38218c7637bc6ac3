import { type ProblemOptions, ProblemError } from './problem';

/** Thrown when the request is malformed or fails validation (400). */
export class BadRequestProblem extends ProblemError {
  constructor(detail = 'The request is invalid.', options?: ProblemOptions) {
    super('BAD_REQUEST', detail, options);
  }
}

/** Thrown when credentials are missing or wrong (401). */
export class UnauthorizedProblem extends ProblemError {
  constructor(detail = 'Valid credentials are required.', options?: ProblemOptions) {
    super('UNAUTHORIZED', detail, options);
  }
}

/** Thrown when the caller is known but may not do this (403). */
export class ForbiddenProblem extends ProblemError {
  constructor(detail = 'You may not perform this operation.', options?: ProblemOptions) {
    super('FORBIDDEN', detail, options);
  }
}

/** Thrown when the resource does not exist or the caller may not see it (404). */
export class NotFoundProblem extends ProblemError {
  constructor(detail = 'The resource does not exist.', options?: ProblemOptions) {
    super('NOT_FOUND', detail, options);
  }
}

/** Thrown when the path exists but not for this method (405); pass `Allow`. */
export class MethodNotAllowedProblem extends ProblemError {
  constructor(detail = 'This method is not allowed here.', options?: ProblemOptions) {
    super('METHOD_NOT_ALLOWED', detail, options);
  }
}

/** Thrown when the change clashes with the resource's current state (409). */
export class ConflictProblem extends ProblemError {
  constructor(
    detail = 'The request conflicts with the current state of the resource.',
    options?: ProblemOptions,
  ) {
    super('CONFLICT', detail, options);
  }
}

/** Thrown when the operation is not offered for this service or route (409). */
export class NotAvailableProblem extends ProblemError {
  constructor(
    detail = 'The operation is not available for this service.',
    options?: ProblemOptions,
  ) {
    super('NOT_AVAILABLE', detail, options);
  }
}

/** Thrown when an `If-Match` precondition is stale (412). */
export class PreconditionFailedProblem extends ProblemError {
  constructor(detail = 'The resource has changed since it was read.', options?: ProblemOptions) {
    super('PRECONDITION_FAILED', detail, options);
  }
}

/** Thrown when the request body exceeds the size limit (413). */
export class PayloadTooLargeProblem extends ProblemError {
  constructor(detail = 'The request body is too large.', options?: ProblemOptions) {
    super('PAYLOAD_TOO_LARGE', detail, options);
  }
}

/** Thrown when the request body is not in a supported format (415). */
export class UnsupportedMediaTypeProblem extends ProblemError {
  constructor(detail = 'The request body must be JSON.', options?: ProblemOptions) {
    super('UNSUPPORTED_MEDIA_TYPE', detail, options);
  }
}

/** Thrown when well-formed input breaks a business rule (422). */
export class UnprocessableEntityProblem extends ProblemError {
  constructor(detail = 'The request cannot be processed.', options?: ProblemOptions) {
    super('UNPROCESSABLE_ENTITY', detail, options);
  }
}

/** Thrown when the caller exceeded a rate limit (429); pass `Retry-After`. */
export class TooManyRequestsProblem extends ProblemError {
  constructor(detail = 'Too many requests; retry later.', options?: ProblemOptions) {
    super('TOO_MANY_REQUESTS', detail, options);
  }
}

/** Thrown when something unexpected failed (500); never pass internals in `detail`. */
export class InternalErrorProblem extends ProblemError {
  constructor(detail = 'An unexpected error occurred.', options?: ProblemOptions) {
    super('INTERNAL_ERROR', detail, options);
  }
}

/** Thrown when an upstream such as a merchant answered badly (502). */
export class MerchantErrorProblem extends ProblemError {
  constructor(detail = 'An upstream service failed.', options?: ProblemOptions) {
    super('MERCHANT_ERROR', detail, options);
  }
}

/** Thrown when the server cannot serve now, e.g. the database is down (503). */
export class ServiceUnavailableProblem extends ProblemError {
  constructor(detail = 'The service is temporarily unavailable.', options?: ProblemOptions) {
    super('SERVICE_UNAVAILABLE', detail, options);
  }
}
