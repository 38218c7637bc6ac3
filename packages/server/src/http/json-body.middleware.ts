import { bodyParser } from '@koa/bodyparser';
import type { Context, Middleware } from 'koa';

import { UnsupportedMediaTypeProblem } from '../errors/http-problems';

/** Media types accepted as JSON request bodies: `application/json` and any `+json` type. */
export const JSON_MEDIA_TYPES = ['application/json', '+json'];

/**
 * Parses JSON request bodies into `ctx.request.body` (`{}` when there is none), at most
 * `limitBytes` long. Non-JSON bodies get a 415 problem; malformed JSON and oversized bodies
 * surface as errors that the problem middleware turns into 400 and 413.
 */
export function jsonBody(limitBytes: number): Middleware {
  const parse = bodyParser({
    enableTypes: ['json'],
    jsonLimit: limitBytes,
    // The parser's own list misses types such as application/merge-patch+json.
    detectJSON: isJson,
  });

  return async (ctx, next) => {
    // `is` answers null when there is no body at all, which is fine for any method. An empty
    // body (`Content-Length: 0`, as fetch and curl send a body-less POST) is no body either,
    // although `is` would judge its missing Content-Type.
    if (ctx.request.length !== 0 && ctx.is(JSON_MEDIA_TYPES) === false) {
      const type = ctx.get('Content-Type');
      throw new UnsupportedMediaTypeProblem(
        type === ''
          ? 'Request bodies must be JSON; the Content-Type header is missing.'
          : `Request bodies must be JSON, not ${type}.`,
      );
    }

    await parse(ctx, next);
  };
}

function isJson(ctx: Context): boolean {
  return typeof ctx.is(JSON_MEDIA_TYPES) === 'string';
}
