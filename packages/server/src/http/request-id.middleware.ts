import { randomUUID } from 'node:crypto';

import type { Middleware } from 'koa';

import { runInRequestContext } from '../logging/request-context';

/** Header that carries the request id in both directions. */
export const REQUEST_ID_HEADER = 'X-Request-Id';

// Ids from callers end up in logs and headers, so only short, printable, space-free ones are
// kept; anything else is replaced rather than rejected.
const SANE_REQUEST_ID = /^[A-Za-z0-9._:+/=-]{1,128}$/;

/**
 * Gives every request an id (the caller's `X-Request-Id` when sane, else a new UUID), echoes
 * it on the response and binds it to every log line written while handling the request.
 */
export function requestId(): Middleware {
  return async (ctx, next) => {
    const incoming = ctx.get(REQUEST_ID_HEADER);
    const id = SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();

    ctx.set(REQUEST_ID_HEADER, id);
    await runInRequestContext({ requestId: id }, next);
  };
}
