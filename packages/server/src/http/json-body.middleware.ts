import { bodyParser } from '@koa/bodyparser';
import type { Context, Middleware } from 'koa';

import { BadRequestProblem, UnsupportedMediaTypeProblem } from '../errors/http-problems';

/** Media types accepted as JSON request bodies: `application/json` and any `+json` type. */
export const JSON_MEDIA_TYPES = ['application/json', '+json'];

/** Content codings a request body may come in besides `identity`: what co-body decodes. */
const CONTENT_CODINGS = ['gzip', 'deflate', 'br'];

// Codes of zlib and brotli errors about their input, as opposed to the server's own (memory).
const UNDECODABLE_CODES = /^(Z_DATA_ERROR|Z_BUF_ERROR|Z_NEED_DICT|ERR__ERROR_FORMAT_)/;

/**
 * Parses JSON request bodies into `ctx.request.body` (`{}` when there is none), at most
 * `limitBytes` long once decoded. Non-JSON bodies and unknown content codings get a 415
 * problem, bodies that do not decode a 400; malformed JSON and oversized bodies surface as
 * errors that the problem middleware turns into 400 and 413.
 */
export function jsonBody(limitBytes: number): Middleware {
  const parse = bodyParser({
    enableTypes: ['json'],
    jsonLimit: limitBytes,
    // Any JSON value parses, so that the request validation can say that `null` or "x" is not
    // what the operation takes, instead of the parser calling valid JSON invalid.
    jsonStrict: false,
    // The parser's own list misses types such as application/merge-patch+json.
    detectJSON: isJson,
    onError: (error, ctx) => {
      throw undecodable(error, ctx) ?? error;
    },
  });

  return async (ctx, next) => {
    // `is` answers null when there is no body at all, which is fine for any method.
    if (ctx.is(JSON_MEDIA_TYPES) !== null) {
      refuseUnreadable(ctx);
    }

    await parse(ctx, () => {
      // Not strict, the parser answers "" for an empty body: that is no body, `{}` as ever.
      if ((ctx.request as { rawBody?: string }).rawBody === '') {
        ctx.request.body = {};
      }
      return next();
    });
  };
}

/** Refuses a body that is not JSON, or in a content coding the parser cannot decode (415). */
function refuseUnreadable(ctx: Context): void {
  // An empty body (`Content-Length: 0`, as fetch and curl send a body-less POST) is no body,
  // although `is` would judge its missing Content-Type.
  if (ctx.request.length !== 0 && ctx.is(JSON_MEDIA_TYPES) === false) {
    const type = ctx.get('Content-Type');
    throw new UnsupportedMediaTypeProblem(
      type === ''
        ? 'Request bodies must be JSON; the Content-Type header is missing.'
        : `Request bodies must be JSON, not ${type}.`,
    );
  }

  // The coding of a JSON body counts even when it is empty: the parser decodes that too.
  const coding = ctx.get('Content-Encoding');
  if (isJson(ctx) && coding !== '' && coding !== 'identity' && !CONTENT_CODINGS.includes(coding)) {
    // RFC 9110 (15.5.16): a 415 for a content coding lists the accepted ones in Accept-Encoding.
    throw new UnsupportedMediaTypeProblem(
      `Request bodies cannot be in the Content-Encoding ${coding}: send them unencoded ` +
        '(identity) or as gzip, deflate or br.',
      { headers: { 'Accept-Encoding': CONTENT_CODINGS.join(', ') } },
    );
  }
}

/** The problem of a body its Content-Encoding does not decode; undefined for other errors. */
function undecodable(error: Error, ctx: Context): BadRequestProblem | undefined {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !UNDECODABLE_CODES.test(code)) {
    return undefined;
  }

  const coding = ctx.get('Content-Encoding');
  return new BadRequestProblem(
    `The request body is not valid ${coding} data, as its Content-Encoding says it is.`,
    { cause: error },
  );
}

function isJson(ctx: Context): boolean {
  return typeof ctx.is(JSON_MEDIA_TYPES) === 'string';
}
