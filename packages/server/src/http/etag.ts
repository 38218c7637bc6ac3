import type { Context } from 'koa';

import { BadRequestProblem } from '../errors/http-problems';

/** Sets the `ETag` of an entitlement response: its version, quoted. */
export function setVersionETag(ctx: Context, version: number): void {
  ctx.set('ETag', `"${version}"`);
}

/**
 * The version an `If-Match` header asks for, as `expectedVersion` for the services: `"3"` and
 * (leniently, as clients often echo weak tags) `W/"3"` give 3; no header or `*` give undefined
 * (no condition). Anything else is a 400, since a condition we cannot read must not be ignored.
 */
export function expectedVersionOf(ctx: Context): number | undefined {
  const header = ctx.get('If-Match').trim();
  if (header === '' || header === '*') {
    return undefined;
  }

  const match = /^(?:W\/)?"(\d{1,9})"$/.exec(header);
  if (match === null) {
    throw new BadRequestProblem('If-Match must be one entity tag such as "3", or *.', {
      errors: [{ field: 'header.If-Match', message: 'must be one quoted version, e.g. "3"' }],
    });
  }
  return Number(match[1]);
}
