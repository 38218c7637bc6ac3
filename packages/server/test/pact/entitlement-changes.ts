import type { Entitlement, EntitlementEvent } from '../../src/domain/principals';
import { type Actor, type EntitlementStatus, TRANSITIONS } from '../../src/domain/state-machine';
import type { components } from '../../src/generated/contract';
import { SANDBOX } from '../../src/services/seed.service';
import { EntitlementDriver } from './entitlement-driver';
import type { SeededTessera } from './fresh-tessera';

export type NotificationReason = components['schemas']['NotificationReason'];

/** Every reason Tessera notifies, from the contract's state machine. */
export const NOTIFIED_REASONS: readonly NotificationReason[] = [
  ...new Set(TRANSITIONS.filter((t) => t.notify).map((t) => t.reason as NotificationReason)),
];

/** One change as the state machine records it (the message pact's `an entitlement changed`). */
export interface ChangeSpec {
  reason: NotificationReason;
  statusBefore: EntitlementStatus;
  statusAfter: EntitlementStatus;
  actor: Actor;
  /** The product after the change (a `PRODUCT_UPDATE` starts on the route's other product). */
  productKey: string;
}

/** The change the sandbox inbox state makes for each reason. */
export const CANONICAL_CHANGES: Record<NotificationReason, ChangeSpec> = {
  ACTIVATION_SUCCESS: spec('ACTIVATION_SUCCESS', 'PENDING', 'ACTIVE', 'MERCHANT', 'MUSIC_PREMIUM'),
  CUSTOMER_NOT_ELIGIBLE: spec('CUSTOMER_NOT_ELIGIBLE', 'PENDING', 'FAILED', 'MERCHANT'),
  METADATA_UPDATE: spec('METADATA_UPDATE', 'ACTIVE', 'ACTIVE', 'RESELLER'),
  PRODUCT_UPDATE: spec('PRODUCT_UPDATE', 'ACTIVE', 'ACTIVE', 'RESELLER', 'MUSIC_PREMIUM'),
  SUSPENSION_SUCCESS: spec('SUSPENSION_SUCCESS', 'ACTIVE', 'SUSPENDED', 'RESELLER'),
  RESUMPTION_SUCCESS: spec('RESUMPTION_SUCCESS', 'SUSPENDED', 'ACTIVE', 'RESELLER'),
  TERMINATION_PENDING: spec('TERMINATION_PENDING', 'ACTIVE', 'ACTIVE-ENDING', 'RESELLER'),
  TERMINATION_SUCCESS: spec('TERMINATION_SUCCESS', 'ACTIVE-ENDING', 'CANCELLED', 'SCHEDULER'),
};

type Step = (driver: EntitlementDriver, entitlement: Entitlement, productKey: string) => unknown;

/** How each change is made, by reason and actor. */
const STEPS: Partial<Record<`${NotificationReason} by ${Actor}`, Step>> = {
  'ACTIVATION_SUCCESS by MERCHANT': (d, e) => d.activate(e, {}),
  'CUSTOMER_NOT_ELIGIBLE by MERCHANT': (d, e) => d.markNotEligible(e),
  'METADATA_UPDATE by RESELLER': (d, e) =>
    d.resellerUpdate(e, { extensionData: { bundle: 'MOBILE_PLUS' } }),
  'METADATA_UPDATE by MERCHANT': (d, e) =>
    d.merchantUpdate(e, { merchantExtensionData: { plan: 'family' } }),
  'PRODUCT_UPDATE by RESELLER': (d, e, productKey) => d.resellerUpdate(e, { productKey }),
  'PRODUCT_UPDATE by MERCHANT': (d, e, productKey) => d.merchantUpdate(e, { productKey }),
  'SUSPENSION_SUCCESS by RESELLER': (d, e) => d.suspend(e),
  'SUSPENSION_SUCCESS by MERCHANT': (d, e) => d.merchantSuspend(e),
  'RESUMPTION_SUCCESS by RESELLER': (d, e) => d.resume(e),
  'RESUMPTION_SUCCESS by MERCHANT': (d, e) => d.merchantResume(e),
  'TERMINATION_PENDING by RESELLER': (d, e) => d.cancel(e),
  'TERMINATION_PENDING by MERCHANT': (d, e) => d.merchantCancel(e),
  'TERMINATION_SUCCESS by SCHEDULER': (d, e) => d.endPeriod(e),
  'TERMINATION_SUCCESS by RESELLER': (d, e) => d.revoke(e),
};

/**
 * Makes `change` on a new entitlement of the sandbox reseller, brought to `statusBefore`
 * first, and returns the event the server recorded for it, which must say what `change` says.
 */
export async function makeChange(
  tessera: SeededTessera,
  change: ChangeSpec,
): Promise<EntitlementEvent> {
  const step = STEPS[`${change.reason} by ${change.actor}`];
  if (step === undefined) {
    throw new Error(`No way to make the change ${describeChange(change)} is known`);
  }
  const driver = new EntitlementDriver(tessera);
  const startProduct =
    change.reason === 'PRODUCT_UPDATE' ? otherProduct(change.productKey) : change.productKey;
  const before = await driver.entitlementIn({
    status: change.statusBefore,
    productKey: startProduct,
  });
  await step(driver, before, change.productKey);

  const { entitlements } = tessera.server.services;
  const history = await entitlements.listHistory(tessera.reseller, before.entitlementId);
  const event = history.at(-1);
  if (
    event?.reason !== change.reason ||
    event.statusBefore !== change.statusBefore ||
    event.statusAfter !== change.statusAfter ||
    event.actor !== change.actor
  ) {
    const recorded = event === undefined ? 'no event' : describeChange(event);
    throw new Error(
      `Expected the change ${describeChange(change)}, but the server recorded ${recorded}`,
    );
  }
  return event;
}

function otherProduct(productKey: string): string {
  return productKey === SANDBOX.syncProductKey ? SANDBOX.signUpProductKey : SANDBOX.syncProductKey;
}

function describeChange(change: {
  reason: string;
  statusBefore: string | null;
  statusAfter: string;
  actor: string;
}): string {
  return `${change.reason} (${change.statusBefore} → ${change.statusAfter} by ${change.actor})`;
}

function spec(
  reason: NotificationReason,
  statusBefore: EntitlementStatus,
  statusAfter: EntitlementStatus,
  actor: Actor,
  productKey: string = SANDBOX.syncProductKey,
): ChangeSpec {
  return { reason, statusBefore, statusAfter, actor, productKey };
}
