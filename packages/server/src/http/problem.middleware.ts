import type { Context, Middleware } from 'koa';

import {
  BadRequestProblem,
  InternalErrorProblem,
  PayloadTooLargeProblem,
} from '../errors/http-problems';
import { ProblemError, responseCodeForStatus } from '../errors/problem';
import type { Logger } from '../logging/logger';
import { currentRequestId } from '../logging/request-context';
import { REQUEST_ID_HEADER } from './request-id.middleware';

/** Media type of every error response (RFC 9457). */
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/** An error from Koa, the router or the body parser (`http-errors` style). */
interface HttpLikeError {
  status: number;
  message: string;
  expose?: boolean;
  type?: string;
  limit?: number;
  headers?: Record<string, string>;
}

/**
 * Turns every error thrown further down the chain into an `application/problem+json` response.
 * Clients never see a stack trace or an internal message: unexpected errors are logged with
 * their stack and answered with a generic 500.
 */
export function problemHandler(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const problem = toProblem(error);
      logProblem(logger, problem, error);

      // A streamed response that fails midway cannot be rewritten; the socket just closes.
      if (!ctx.headerSent) {
        respond(ctx, problem);
      }
    }
  };
}

/** Classifies any thrown value as the problem the client should see. */
export function toProblem(error: unknown): ProblemError {
  if (error instanceof ProblemError) {
    return error;
  }

  if (isHttpLikeError(error)) {
    return fromHttpError(error);
  }
  return new InternalErrorProblem(undefined, { cause: error });
}

function fromHttpError(error: HttpLikeError): ProblemError {
  const options = { cause: error, headers: error.headers };

  if (error.status === 413) {
    const limit = typeof error.limit === 'number' ? ` of ${error.limit} bytes` : '';
    return new PayloadTooLargeProblem(`The request body exceeds the limit${limit}.`, options);
  }

  // co-body marks JSON.parse failures with status 400 but no http-errors `type`.
  if (
    error.status === 400 &&
    (error instanceof SyntaxError || error.type === 'entity.parse.failed')
  ) {
    return new BadRequestProblem(`The request body is not valid JSON: ${error.message}`, options);
  }

  const code = responseCodeForStatus(error.status);
  const exposable = error.expose === true && error.status < 500;
  const detail = exposable ? error.message : 'The request could not be handled.';
  return new ProblemError(code, detail, options);
}

function isHttpLikeError(error: unknown): error is HttpLikeError {
  if (!(error instanceof Error)) {
    return false;
  }

  const status = (error as Partial<HttpLikeError>).status;
  return typeof status === 'number' && status >= 400 && status <= 599;
}

function logProblem(logger: Logger, problem: ProblemError, error: unknown): void {
  const fields = { responseCode: problem.responseCode, status: problem.status };

  if (!(error instanceof ProblemError) && problem.status >= 500) {
    logger.error({ ...fields, err: error }, 'request failed with an unexpected error');
  } else if (problem.status >= 500) {
    logger.warn({ ...fields, detail: problem.message }, 'request failed');
  } else {
    logger.debug({ ...fields, detail: problem.message }, 'request rejected');
  }
}

function respond(ctx: Context, problem: ProblemError): void {
  const requestId = currentRequestId() ?? '';

  // Headers meant for a success (ETag, Location, ...) must not leak onto the error response.
  for (const name of ctx.res.getHeaderNames()) {
    ctx.res.removeHeader(name);
  }

  ctx.set(REQUEST_ID_HEADER, requestId);
  ctx.set({ ...problem.headers });
  ctx.status = problem.status;
  ctx.body = problem.toDocument(ctx.path, requestId);
  ctx.type = PROBLEM_MEDIA_TYPE;
}
