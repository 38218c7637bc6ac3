import { Router } from '@koa/router';
import { EntitlementStatus } from '@tessera/merchant-client';
import type { Context } from 'koa';
import type { Logger } from 'pino';

import type { Behaviour } from '../behaviour';
import { formBody } from '../http/middleware';
import { ENDED_STATUSES, type Subscription, type SubscriptionStore } from '../subscription-store';
import type { TesseraCalls } from '../tessera-calls';
import { activatedPage, activationCodePage, messagePage, signupPage } from './signup-pages';

/** What the sign-up pages work with. */
export interface SignupDeps {
  store: SubscriptionStore;
  behaviour: Behaviour;
  tessera: TesseraCalls;
  now: () => Date;
  logger: Logger;
}

// Sign-up URLs carry a bearer-like token: keep them out of caches and other sites' logs, and
// let the pages load nothing but their own inline styles.
const PAGE_HEADERS = {
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; " +
    "frame-ancestors 'none'",
};

/**
 * The user-facing pages: `GET/POST /signup/{token}` (the activation URL handed to Tessera) and
 * `GET/POST /signup` (enter an activation code). Submitting activates the entitlement through
 * Tessera's merchant API; submitting again changes nothing.
 */
export function signupRoutes(deps: SignupDeps): Router {
  const router = new Router({ prefix: '/signup' });

  router.get('/', (ctx) => html(ctx, 200, activationCodePage()));
  router.post('/', formBody(), (ctx) => submitCode(ctx, deps));
  router.get('/:token', (ctx) => showSignup(ctx, deps, ctx.params.token ?? ''));
  router.post('/:token', formBody(), (ctx) => submitSignup(ctx, deps, ctx.params.token ?? ''));
  return router;
}

async function submitCode(ctx: Context, deps: SignupDeps): Promise<void> {
  const code = (ctx.request.body as Record<string, unknown>).code;
  const subscription = typeof code === 'string' ? deps.store.findByActivationCode(code) : undefined;

  if (subscription === undefined) {
    const problem = 'That code is not known. Check it and try again.';
    return html(ctx, 404, activationCodePage(problem));
  }
  await activateAndShow(ctx, deps, subscription);
}

function showSignup(ctx: Context, deps: SignupDeps, token: string): void {
  const subscription = linkedSubscription(ctx, deps, token);
  if (subscription === undefined) {
    return;
  }
  if (subscription.status !== EntitlementStatus.PENDING) {
    return showSettled(ctx, deps, subscription);
  }

  // Relative, so the form still works behind a proxy that mounts the demo under a path.
  const action = `./${encodeURIComponent(token)}`;
  html(ctx, 200, signupPage(deps.behaviour.productName(subscription.productKey), action));
}

async function submitSignup(ctx: Context, deps: SignupDeps, token: string): Promise<void> {
  const subscription = linkedSubscription(ctx, deps, token);
  if (subscription !== undefined) {
    await activateAndShow(ctx, deps, subscription);
  }
}

/** The token's subscription; for an unknown (404) or expired (410) token, renders the page. */
function linkedSubscription(
  ctx: Context,
  deps: SignupDeps,
  token: string,
): Subscription | undefined {
  const link = deps.store.signup(token);
  if (link === undefined) {
    html(ctx, 404, messagePage('Link not found', 'This sign-up link does not exist.'));
    return undefined;
  }
  if (link.expiresAt.getTime() <= deps.now().getTime()) {
    const text = 'This sign-up link has expired. Ask your provider for a new one.';
    html(ctx, 410, messagePage('Link expired', text));
    return undefined;
  }
  return link.subscription;
}

async function activateAndShow(
  ctx: Context,
  deps: SignupDeps,
  subscription: Subscription,
): Promise<void> {
  if (subscription.status !== EntitlementStatus.PENDING) {
    return showSettled(ctx, deps, subscription);
  }

  try {
    await deps.tessera.activate(subscription);
    html(ctx, 200, activatedPage(deps.behaviour.productName(subscription.productKey)));
  } catch (error) {
    deps.logger.error(
      { err: error, subscription: subscription.merchantEntitlementId },
      'activation failed',
    );
    const text = 'We could not start your subscription just now. Please try again in a minute.';
    html(ctx, 502, messagePage('Something went wrong', text));
  }
}

// A second submit, or a link opened after the fact: say how things stand, change nothing.
function showSettled(ctx: Context, deps: SignupDeps, subscription: Subscription): void {
  if (ENDED_STATUSES.includes(subscription.status)) {
    html(ctx, 410, messagePage('Subscription ended', 'This subscription has ended.'));
    return;
  }
  html(ctx, 200, activatedPage(deps.behaviour.productName(subscription.productKey)));
}

function html(ctx: Context, status: number, page: string): void {
  ctx.status = status;
  ctx.set(PAGE_HEADERS);
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = page;
}
