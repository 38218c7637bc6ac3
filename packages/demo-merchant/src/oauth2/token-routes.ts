import { createHash, timingSafeEqual } from 'node:crypto';

import { Router } from '@koa/router';
import type { Context } from 'koa';

import { formBody, isForm } from '../http/middleware';
import type { TokenIssuer } from './token-issuer';

/** A token endpoint error (RFC 6749, section 5.2). */
type TokenError = 'invalid_request' | 'invalid_client' | 'unsupported_grant_type';

/** An OAuth2 client's id and secret. */
export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/**
 * `POST /oauth2/token`: the OAuth2 client credentials grant, so that Tessera's OAuth2 client
 * can be tried against the demo merchant. The client authenticates with HTTP Basic or with
 * `client_id` and `client_secret` form fields.
 */
export function tokenRoutes(client: ClientCredentials, issuer: TokenIssuer): Router {
  const router = new Router();

  router.post('/oauth2/token', formBody(), (ctx) => {
    // Tokens are credentials: no cache may keep them (RFC 6749, section 5.1).
    ctx.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    if (!isForm(ctx)) {
      return tokenError(
        ctx,
        400,
        'invalid_request',
        'Send an application/x-www-form-urlencoded body.',
      );
    }

    const form = ctx.request.body as Record<string, unknown>;
    const presented = presentedClient(ctx, form);
    if (presented === undefined || !sameClient(presented, client)) {
      ctx.set('WWW-Authenticate', 'Basic realm="demo-merchant-oauth2"');
      return tokenError(ctx, 401, 'invalid_client', 'Unknown client or wrong secret.');
    }
    if (form.grant_type !== 'client_credentials') {
      const detail = 'Only grant_type=client_credentials is supported.';
      return tokenError(ctx, 400, 'unsupported_grant_type', detail);
    }

    ctx.body = issuer.issue();
  });

  return router;
}

function tokenError(ctx: Context, status: number, error: TokenError, description: string): void {
  ctx.status = status;
  ctx.body = { error, error_description: description };
}

// RFC 6749 section 2.3.1: Basic credentials are form-encoded before base64.
function presentedClient(
  ctx: Context,
  form: Record<string, unknown>,
): ClientCredentials | undefined {
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(ctx.get('Authorization'));
  if (basic?.[1] !== undefined) {
    const [id = '', ...secret] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
    return { clientId: formDecode(id), clientSecret: formDecode(secret.join(':')) };
  }

  const { client_id: clientId, client_secret: clientSecret } = form;
  if (typeof clientId === 'string' && typeof clientSecret === 'string') {
    return { clientId, clientSecret };
  }
  return undefined;
}

function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

// Digests of equal length let timingSafeEqual compare without leaking the secret's length.
function sameClient(presented: ClientCredentials, wanted: ClientCredentials): boolean {
  const digest = ({ clientId, clientSecret }: ClientCredentials) =>
    createHash('sha256').update(`${clientId}\n${clientSecret}`, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(wanted));
}
