import type { Context, Middleware } from 'koa';

import type { Principal } from '../domain/principals';
import { UnauthorizedProblem } from '../errors/http-problems';
import type { AuthService } from '../services/auth.service';
import type { TesseraState } from './state';

/** Which API a router serves, and so which credentials it accepts. */
export type ApiAudience = 'reseller' | 'merchant' | 'admin';

const BASIC_CHALLENGE = 'Basic realm="tessera", charset="UTF-8"';
const BEARER_CHALLENGE = 'Bearer realm="tessera-admin"';

const API_NAMES: Record<Principal['kind'], string> = {
  reseller: 'the reseller API (/v1)',
  merchant: 'the merchant API (/merchant/v1)',
};

/**
 * Authenticates the caller for `audience` and stores it in `ctx.state.caller`: HTTP Basic with
 * a reseller credential on `/v1` or a merchant credential on `/merchant/v1`, the `ADMIN_TOKEN`
 * bearer token on `/admin/v1`. Anything else is a 401 with a `WWW-Authenticate` challenge.
 * The caller's address is the socket's, or `X-Forwarded-For`'s when `TRUST_PROXY` is set
 * (Koa's `app.proxy`).
 */
export function authenticate(auth: AuthService, audience: ApiAudience): Middleware<TesseraState> {
  return async (ctx, next) => {
    ctx.state.caller =
      audience === 'admin'
        ? authenticateAdmin(ctx, auth)
        : await authenticateBasic(ctx, auth, audience);
    await next();
  };
}

async function authenticateBasic(
  ctx: Context,
  auth: AuthService,
  audience: Principal['kind'],
): Promise<Principal> {
  const credentials = basicCredentials(ctx.get('Authorization'));
  if (credentials === undefined) {
    throw challenge('HTTP Basic credentials are required.', BASIC_CHALLENGE);
  }

  let principal: Principal;
  try {
    principal = await auth.authenticateBasic(credentials.username, credentials.password, ctx.ip);
  } catch (error) {
    throw error instanceof UnauthorizedProblem ? challenge(error.message, BASIC_CHALLENGE) : error;
  }

  if (principal.kind !== audience) {
    throw challenge(
      `These are ${principal.kind} credentials; they work only on ${API_NAMES[principal.kind]}.`,
      BASIC_CHALLENGE,
    );
  }
  return principal;
}

function authenticateAdmin(ctx: Context, auth: AuthService): TesseraState['caller'] {
  if (!auth.adminEnabled) {
    throw challenge('The admin API is disabled: the server has no ADMIN_TOKEN.', BEARER_CHALLENGE);
  }

  const [scheme, token] = ctx.get('Authorization').split(' ', 2);
  if (scheme?.toLowerCase() !== 'bearer' || !token || !auth.isAdminToken(token)) {
    throw challenge('A valid admin bearer token is required.', BEARER_CHALLENGE);
  }
  return { kind: 'admin', credentialId: 'admin' };
}

/** `Basic base64(username:password)` decoded, or undefined when malformed. */
export function basicCredentials(
  header: string,
): { username: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (match === null) {
    return undefined;
  }

  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) {
    return undefined;
  }
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function challenge(detail: string, scheme: string): UnauthorizedProblem {
  return new UnauthorizedProblem(detail, { headers: { 'WWW-Authenticate': scheme } });
}
