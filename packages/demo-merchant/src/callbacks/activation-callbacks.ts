import {
  CallbackActivationInfoToJSON,
  CallbackEntitlementResultToJSON,
  EntitlementStatus,
  type CallbackEntitlementRequest,
  type CallbackEntitlementResult,
  type CallbackUpdateRequest,
} from '@tessera/merchant-client';

import type { MagicValue } from '../behaviour';
import { ProblemError } from '../http/problem';
import { markActive, markPending, type Answer, type Subscription } from '../subscription-store';
import {
  answer,
  codeParameters,
  liveSubscription,
  signupParameters,
  steer,
  type CallbackDeps,
  type CallbackInput,
} from './callback-context';

/**
 * `POST /entitlements`: creates the subscription and answers 200 (active now), 201 (it
 * activates by itself later), or 202 with a sign-up URL or an activation code. A create for an
 * entitlement it already holds is Tessera retrying, and gets the first answer again.
 */
export async function handleCreate(
  deps: CallbackDeps,
  input: CallbackInput<CallbackEntitlementRequest>,
): Promise<Answer> {
  const request = input.body;
  const earlier = deps.store.findByEntitlementId(request.entitlementId)?.createAnswer;
  if (earlier !== undefined) {
    return earlier;
  }

  const magic = await steer(deps, 'create', request.productKey, input);
  const subscription = deps.store.create({
    entitlementId: request.entitlementId,
    productKey: request.productKey,
    sharedCustomerId: request.sharedCustomerId,
    dateCreated: deps.now(),
  });

  subscription.createAnswer = createOutcome(deps, subscription, magic, input.publicBaseUrl);
  return subscription.createAnswer;
}

function createOutcome(
  deps: CallbackDeps,
  subscription: Subscription,
  magic: MagicValue | undefined,
  publicBaseUrl: string,
): Answer {
  const { merchantEntitlementId } = subscription;
  const result = (status: 200 | 201 | 202, extra: Partial<CallbackEntitlementResult> = {}) =>
    answer(status, CallbackEntitlementResultToJSON({ merchantEntitlementId, ...extra }));

  switch (magic) {
    case 'CREATE_REQUEST_RETURNS_CREATED':
    case 'REQUEST_RETURNS_ACCEPTED':
      activateLater(deps, subscription);
      return result(201);
    case 'CREATE_REQUEST_RETURNS_ACTIVATION_REQUIRED':
      return result(202, { parameters: signupParameters(deps, subscription, publicBaseUrl) });
    case 'CREATE_REQUEST_RETURNS_ACTIVATION_CODE':
      return result(202, { parameters: codeParameters(deps, subscription) });
    default:
      markActive(subscription, deps.now());
      return result(200);
  }
}

// Tessera records the entitlement only once this create's answer arrives, hence the delay.
function activateLater(deps: CallbackDeps, subscription: Subscription): void {
  const label = `activate ${subscription.merchantEntitlementId}`;
  deps.scheduler.later(deps.timing.activationDelayMs, label, () =>
    deps.tessera.activate(subscription),
  );
}

/**
 * `GET /entitlements/{id}/activationInfo`: a fresh sign-up URL (with a new token) or the
 * activation code, whichever the user was last given unless the magic value says otherwise.
 */
export async function handleActivationInfo(
  deps: CallbackDeps,
  input: CallbackInput<object>,
): Promise<Answer> {
  const subscription = liveSubscription(deps, input);
  const magic = await steer(deps, 'activationInfo', subscription.productKey, input);
  if (subscription.status !== EntitlementStatus.PENDING) {
    const detail =
      `Subscription ${subscription.merchantEntitlementId} is ${subscription.status}, ` +
      'not waiting for activation.';
    throw new ProblemError(409, detail);
  }

  const useCode =
    magic === 'ACTIVATION_INFO_RETURNS_ACTIVATION_CODE' ||
    (magic === undefined && subscription.activatesWithCode);
  const parameters = useCode
    ? codeParameters(deps, subscription)
    : signupParameters(deps, subscription, input.publicBaseUrl);
  return answer(200, CallbackActivationInfoToJSON({ parameters }));
}

/**
 * `PATCH /entitlements/{id}`: moves the subscription to the new product, at once (200) or
 * after the user signs up again (202 with a sign-up URL; `PENDING` until then).
 */
export async function handleUpdate(
  deps: CallbackDeps,
  input: CallbackInput<CallbackUpdateRequest>,
): Promise<Answer> {
  const subscription = liveSubscription(deps, input);
  const magic = await steer(deps, 'update', input.body.productKey, input);
  const { merchantEntitlementId } = subscription;
  subscription.productKey = input.body.productKey;

  if (magic !== 'UPDATE_REQUEST_RETURNS_ACTIVATION_REQUIRED') {
    return answer(200, CallbackEntitlementResultToJSON({ merchantEntitlementId }));
  }

  markPending(subscription);
  const parameters = signupParameters(deps, subscription, input.publicBaseUrl);
  return answer(202, CallbackEntitlementResultToJSON({ merchantEntitlementId, parameters }));
}
