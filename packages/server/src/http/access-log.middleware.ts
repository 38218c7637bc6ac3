import type { Middleware } from 'koa';

import type { Logger } from '../logging/logger';

/**
 * Logs one line per request once the response is decided: method, path (never the query
 * string, which may hold customer ids), status and duration.
 */
export function accessLog(logger: Logger): Middleware {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();

    try {
      await next();
    } finally {
      const durationMs = Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10;
      logger.info(
        { method: ctx.method, path: ctx.path, status: ctx.status, durationMs },
        'request completed',
      );
    }
  };
}
