import {
  callbacks,
  CallbackTerminationResultToJSON,
  EntitlementStatus,
  type CallbackStateChangeRequest,
  type CallbackTerminationRequest,
} from '@tessera/merchant-client';

import { markEnded, type Answer, type Subscription } from '../subscription-store';
import {
  answer,
  liveSubscription,
  steer,
  type CallbackDeps,
  type CallbackInput,
} from './callback-context';

/**
 * `POST /entitlements/{id}/suspend` and `.../resume`: done at once (200), or queued (202) and
 * confirmed through the merchant API after the confirmation delay.
 */
export async function handleStateChange(
  deps: CallbackDeps,
  operation: 'suspend' | 'resume',
  input: CallbackInput<CallbackStateChangeRequest>,
): Promise<Answer> {
  const subscription = liveSubscription(deps, input);
  const magic = await steer(deps, operation, subscription.productKey, input);
  const status = operation === 'suspend' ? EntitlementStatus.SUSPENDED : EntitlementStatus.ACTIVE;
  const body = callbacks.CallbackAckToJSON({
    merchantEntitlementId: subscription.merchantEntitlementId,
  });

  if (magic !== 'REQUEST_RETURNS_ACCEPTED') {
    subscription.status = status;
    return answer(200, body);
  }

  confirmLater(deps, `${operation} ${subscription.merchantEntitlementId}`, async () => {
    await deps.tessera[operation](subscription, input.body);
    subscription.status = status;
  });
  return answer(202, body);
}

/**
 * `POST /entitlements/{id}/terminate`: a revoke ends now; a cancel ends at the end of the
 * current billing period (`TERMINATE_REQUEST_ENDS_NOW`: now). Queued (202) like a suspend.
 */
export async function handleTerminate(
  deps: CallbackDeps,
  input: CallbackInput<CallbackTerminationRequest>,
): Promise<Answer> {
  const subscription = liveSubscription(deps, input);
  const magic = await steer(deps, 'terminate', subscription.productKey, input);
  const { immediate } = input.body;
  const now = deps.now();
  const endsNow = immediate || magic === 'TERMINATE_REQUEST_ENDS_NOW';
  const terminationDate = endsNow ? now : endOfPeriod(deps, subscription, now);
  const body = CallbackTerminationResultToJSON({ terminationDate });

  if (magic !== 'REQUEST_RETURNS_ACCEPTED') {
    markEnded(subscription, immediate, terminationDate, now);
    return answer(200, body);
  }

  confirmLater(deps, `terminate ${subscription.merchantEntitlementId}`, async () => {
    await deps.tessera.terminate(subscription, input.body, terminationDate);
    markEnded(subscription, immediate, terminationDate, deps.now());
  });
  return answer(202, body);
}

function confirmLater(deps: CallbackDeps, label: string, task: () => Promise<void>): void {
  deps.scheduler.later(deps.timing.confirmationDelayMs, label, task);
}

/**
 * When a cancel takes effect: the end of the billing period running since activation. Without
 * access to keep (never activated, suspended) it is now; a repeated cancel keeps its date.
 */
function endOfPeriod(deps: CallbackDeps, subscription: Subscription, now: Date): Date {
  const { status, dateActivated, dateEnded } = subscription;
  if (status === EntitlementStatus.ACTIVE_ENDING && dateEnded !== undefined) {
    return dateEnded;
  }
  if (status !== EntitlementStatus.ACTIVE || dateActivated === undefined) {
    return now;
  }

  const period = deps.timing.billingPeriodMs;
  const periodsStarted = Math.floor((now.getTime() - dateActivated.getTime()) / period) + 1;
  return new Date(dateActivated.getTime() + periodsStarted * period);
}
