import {
  EntitlementStatus,
  ReasonCategoryFromJSON,
  ReasonCodeFromJSON,
  type CallbackStateChangeRequest,
  type CallbackTerminationRequest,
  type MerchantClient,
} from '@tessera/merchant-client';

import { markActive, type Subscription } from './subscription-store';

/**
 * The demo merchant's calls to Tessera's merchant API, through `@tessera/merchant-client`. Each
 * sends an `Idempotency-Key` derived from what it confirms, so a retry can never act twice.
 */
export class TesseraCalls {
  private readonly activations = new Map<string, Promise<void>>();

  constructor(
    private readonly client: MerchantClient,
    private readonly now: () => Date,
  ) {}

  /**
   * Activates a `PENDING` subscription at Tessera, then locally. Concurrent asks (a double
   * click on the sign-up page) share one call; a subscription no longer pending is left alone.
   */
  activate(subscription: Subscription): Promise<void> {
    if (subscription.status !== EntitlementStatus.PENDING) {
      return Promise.resolve();
    }

    const key = `activate-${subscription.merchantEntitlementId}-${subscription.pendingId}`;
    const running = this.activations.get(key) ?? this.startActivation(subscription, key);
    return running;
  }

  /** Confirms a suspend the demo merchant answered with 202. */
  async suspend(subscription: Subscription, request: CallbackStateChangeRequest): Promise<void> {
    await this.client.entitlements.suspendEntitlement({
      entitlementId: subscription.entitlementId,
      idempotencyKey: `suspend-${request.requestId}`,
      stateChangeRequest: { reasonDescription: request.reasonDescription },
    });
  }

  /** Confirms a resume the demo merchant answered with 202. */
  async resume(subscription: Subscription, request: CallbackStateChangeRequest): Promise<void> {
    await this.client.entitlements.resumeEntitlement({
      entitlementId: subscription.entitlementId,
      idempotencyKey: `resume-${request.requestId}`,
      stateChangeRequest: { reasonDescription: request.reasonDescription },
    });
  }

  /**
   * Confirms a terminate the demo merchant answered with 202, with the same `immediate`,
   * reason and (for a cancel) the `terminationDate` it answered. A date that has passed by now
   * is left out, which the merchant API reads as "now".
   */
  async terminate(
    subscription: Subscription,
    request: CallbackTerminationRequest,
    terminationDate: Date,
  ): Promise<void> {
    await this.client.entitlements.terminateEntitlement({
      entitlementId: subscription.entitlementId,
      idempotencyKey: `terminate-${request.requestId}`,
      merchantTerminationRequest: {
        immediate: request.immediate,
        terminationDate: this.stillAhead(request.immediate ? undefined : terminationDate),
        // The callback and merchant API slices each generate their own copy of these enums.
        reasonCategory: ReasonCategoryFromJSON(request.reasonCategory),
        reasonCode: ReasonCodeFromJSON(request.reasonCode),
        reasonDescription: request.reasonDescription,
      },
    });
  }

  private stillAhead(date: Date | undefined): Date | undefined {
    return date !== undefined && date.getTime() > this.now().getTime() ? date : undefined;
  }

  private startActivation(subscription: Subscription, key: string): Promise<void> {
    const call = this.client.entitlements.activateEntitlement({
      entitlementId: subscription.entitlementId,
      idempotencyKey: key,
      activateEntitlementRequest: { merchantEntitlementId: subscription.merchantEntitlementId },
    });

    const work = call
      .then(() => markActive(subscription, this.now()))
      .finally(() => this.activations.delete(key));
    this.activations.set(key, work);
    return work;
  }
}
