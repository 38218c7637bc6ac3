import { verifyCallbackAuthorization, type CallbackCredentials } from '@tessera/merchant-client';
import type { Middleware } from 'koa';

import { ProblemError } from '../http/problem';
import type { TokenIssuer } from '../oauth2/token-issuer';

const REALM = 'realm="tessera-callbacks"';

/**
 * Lets a callback through when it carries the configured HTTP Basic credential (checked with
 * the merchant client's verifier) or, when OAuth2 is on, a bearer token issued here that has
 * not expired. Anything else gets a 401 problem.
 */
export function callbackAuth(credentials: CallbackCredentials, tokens?: TokenIssuer): Middleware {
  return async (ctx, next) => {
    const authorization = ctx.get('Authorization');
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];

    if (bearer !== undefined && tokens?.isValid(bearer) === true) {
      return next();
    }
    if (bearer === undefined && verifyCallbackAuthorization(authorization, credentials)) {
      return next();
    }
    throw new ProblemError(401, 'Present the callback credential or a valid bearer token.', {
      headers: { 'WWW-Authenticate': challenge(bearer !== undefined, tokens !== undefined) },
    });
  };
}

// A rejected bearer token is flagged `invalid_token` (RFC 6750) so a client knows to fetch a
// new one rather than give up.
function challenge(sentBearer: boolean, oauth2: boolean): string {
  const basic = `Basic ${REALM}`;
  if (!oauth2) {
    return basic;
  }
  return sentBearer
    ? `Bearer ${REALM}, error="invalid_token", ${basic}`
    : `Bearer ${REALM}, ${basic}`;
}
