import { ActionParametersActionEnum, type ActionParameters } from '@tessera/merchant-client';

import type { Behaviour, CallbackOperation, MagicValue } from '../behaviour';
import { ProblemError } from '../http/problem';
import type { Scheduler } from '../scheduler';
import {
  ENDED_STATUSES,
  type Answer,
  type Subscription,
  type SubscriptionStore,
} from '../subscription-store';
import type { TesseraCalls } from '../tessera-calls';

/** The delays and periods the demo merchant works with. */
export interface Timing {
  /** After a 201 create, how long until it activates by itself. */
  activationDelayMs: number;
  /** After a 202 (queued) suspend, resume or terminate, how long until it confirms. */
  confirmationDelayMs: number;
  /** How long `REQUEST_TIMES_OUT` keeps the caller waiting. */
  timeoutDelayMs: number;
  /** How long a sign-up URL works. */
  signupUrlTtlMs: number;
  /** Length of a billing period; a cancel ends access at the end of the current one. */
  billingPeriodMs: number;
}

/** What every callback handler works with. */
export interface CallbackDeps {
  store: SubscriptionStore;
  behaviour: Behaviour;
  tessera: TesseraCalls;
  scheduler: Scheduler;
  timing: Timing;
  now: () => Date;
}

/** One callback request, once authenticated and validated. */
export interface CallbackInput<Body> {
  body: Body;
  /** The path's `{merchantEntitlementId}`; empty for create. */
  merchantEntitlementId: string;
  /** The request's `X-Magic-Number` values. */
  magic: string[];
  /** Base URL of the links the demo merchant hands out (its sign-up page). */
  publicBaseUrl: string;
  /** Aborts when the caller hangs up. */
  signal: AbortSignal;
}

/** Builds an {@link Answer}. */
export const answer = (status: 200 | 201 | 202, body: object): Answer => ({ status, body });

/**
 * Picks the magic value steering `operation` and acts on those meant for any operation: a 503,
 * a 409 refusal, or a wait longer than Tessera's timeout. Nothing has changed at that point.
 */
export async function steer(
  deps: CallbackDeps,
  operation: CallbackOperation,
  productKey: string,
  input: CallbackInput<unknown>,
): Promise<MagicValue | undefined> {
  const magic = deps.behaviour.pick(operation, productKey, input.magic);

  if (magic === 'REQUEST_RETURNS_FAILURE') {
    throw new ProblemError(503, `The demo merchant is unavailable for ${operation} (as asked).`);
  }
  if (magic === 'REQUEST_RETURNS_REFUSAL') {
    const detail = `The customer is not eligible for ${deps.behaviour.productName(productKey)}.`;
    throw new ProblemError(409, detail, { slug: 'customer-not-eligible' });
  }
  if (magic === 'REQUEST_TIMES_OUT') {
    await deps.scheduler.wait(deps.timing.timeoutDelayMs, input.signal);
    throw new ProblemError(503, `The demo merchant answered ${operation} too late (as asked).`);
  }
  return magic;
}

/**
 * The subscription the callback is about: 404 when unknown, 400 when the body names another
 * entitlement, 409 when it has ended and nothing can change any more.
 */
export function liveSubscription(
  deps: CallbackDeps,
  input: CallbackInput<{ entitlementId?: string }>,
): Subscription {
  const subscription = deps.store.get(input.merchantEntitlementId);
  if (subscription === undefined) {
    throw new ProblemError(404, `No subscription ${input.merchantEntitlementId}.`);
  }

  const entitlementId = input.body.entitlementId;
  if (entitlementId !== undefined && entitlementId !== subscription.entitlementId) {
    const id = subscription.merchantEntitlementId;
    throw new ProblemError(400, `Subscription ${id} belongs to another entitlement.`);
  }
  if (ENDED_STATUSES.includes(subscription.status)) {
    const id = subscription.merchantEntitlementId;
    throw new ProblemError(409, `Subscription ${id} has ended (${subscription.status}).`);
  }
  return subscription;
}

/** `NAVIGATE_TO_URL` parameters with a new sign-up link for the subscription. */
export function signupParameters(
  deps: CallbackDeps,
  subscription: Subscription,
  publicBaseUrl: string,
): ActionParameters {
  const urlExpiry = new Date(deps.now().getTime() + deps.timing.signupUrlTtlMs);
  const token = deps.store.issueSignupToken(subscription, urlExpiry);

  subscription.activatesWithCode = false;
  return {
    action: ActionParametersActionEnum.NAVIGATE_TO_URL,
    url: `${publicBaseUrl}/signup/${token}`,
    urlExpiry,
  };
}

/** `ENTER_ACTIVATION_CODE` parameters with the subscription's activation code. */
export function codeParameters(deps: CallbackDeps, subscription: Subscription): ActionParameters {
  subscription.activatesWithCode = true;
  return {
    action: ActionParametersActionEnum.ENTER_ACTIVATION_CODE,
    activationCode: deps.store.activationCodeFor(subscription),
  };
}
