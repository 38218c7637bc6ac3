import { bodyParser } from '@koa/bodyparser';
import { ProblemToJSON } from '@tessera/merchant-client';
import type { Context, Middleware } from 'koa';
import type { Logger } from 'pino';

import { ProblemError, problemStatusFor } from './problem';

/** Largest request body accepted: callbacks and forms are small. */
const BODY_LIMIT = '100kb';

const JSON_TYPES = ['application/json', '+json'];
const FORM_TYPE = 'application/x-www-form-urlencoded';

/** Logs one line per request: method, path, status and duration. */
export function accessLog(logger: Logger): Middleware {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const line = { method: ctx.method, path: ctx.path, status: ctx.status, ms };
      logger.info(line, `${ctx.method} ${ctx.path} ${ctx.status}`);
    }
  };
}

/**
 * Turns every error into an `application/problem+json` answer in the contract's `Problem`
 * shape. A status left without a body (an unknown path, a method the route lacks) gets one too.
 */
export function problemHandler(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status >= 400 && ctx.body == null) {
        throw new ProblemError(problemStatusFor(ctx.status), `${ctx.method} ${ctx.path}`);
      }
    } catch (error) {
      renderProblem(ctx, toProblemError(error, logger));
    }
  };
}

// Writes `problem` as the response, in the contract's `Problem` shape.
function renderProblem(ctx: Context, problem: ProblemError): void {
  ctx.status = problem.status;
  ctx.set(problem.headers);
  ctx.type = 'application/problem+json';
  ctx.body = ProblemToJSON(problem.toProblem(ctx.path));
}

function toProblemError(error: unknown, logger: Logger): ProblemError {
  if (error instanceof ProblemError) {
    return error;
  }

  // Body parsers throw http-errors with a 4xx status: malformed JSON (400), too large (413).
  const { status } = error as { status?: unknown };
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const detail =
      status === 413
        ? `Request bodies are limited to ${BODY_LIMIT}.`
        : 'The request body is malformed.';
    return new ProblemError(problemStatusFor(status), detail);
  }

  logger.error({ err: error }, 'request failed');
  return new ProblemError(500, 'The demo merchant failed to handle the request.');
}

/** Parses JSON bodies into `ctx.request.body` (`{}` without a body); other media types get 415. */
export function jsonBody(): Middleware {
  const parse = bodyParser({ enableTypes: ['json'], jsonLimit: BODY_LIMIT });

  return async (ctx, next) => {
    // `is` answers null when there is no body at all, which the schemas then reject.
    if (ctx.is(JSON_TYPES) === false) {
      throw new ProblemError(415, `Request bodies must be JSON, not ${ctx.get('Content-Type')}.`);
    }
    await parse(ctx, next);
  };
}

/** Parses HTML form and OAuth2 token request bodies into `ctx.request.body`. */
export function formBody(): Middleware {
  return bodyParser({ enableTypes: ['form'], formLimit: BODY_LIMIT });
}

/** Whether the request carries a form-encoded body. */
export function isForm(ctx: Context): boolean {
  return typeof ctx.is(FORM_TYPE) === 'string';
}
