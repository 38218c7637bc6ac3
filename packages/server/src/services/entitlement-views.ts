import type {
  ActionParameters,
  Entitlement,
  EntitlementEvent,
  MerchantEntitlement,
} from '../domain/principals';
import type { EntitlementEventRecord } from '../entities';
import type { StoredActivationAction } from '../entities/entitlement.entity';
import type { components } from '../generated/contract';
import type { ActivationAction } from '../merchants/merchant-gateway';
import type { EntitlementView } from '../repositories/entitlement.repository';

export type AdminEntitlement = components['schemas']['AdminEntitlement'];

/** How contract instants are written: ISO 8601 UTC with milliseconds. */
export function iso(instant: Date): string;
export function iso(instant: Date | null): string | null;
export function iso(instant: Date | null): string | null {
  return instant === null ? null : instant.toISOString();
}

/** The entitlement as its reseller sees it. */
export function toEntitlement(view: EntitlementView): Entitlement {
  return {
    entitlementId: view.id,
    status: view.status,
    customerIdentifier: view.customerIdentifier,
    sharedCustomerId: view.sharedCustomerId,
    merchantAccountKey: view.merchant.merchantAccountKey,
    productKey: view.productKey,
    offerKey: view.offerKey,
    merchantEntitlementId: view.merchantEntitlementId,
    entitlementDisplayName: view.displayName,
    notificationUrl: view.notificationUrl,
    extensionData: view.extensionData,
    merchantExtensionData: view.merchantExtensionData,
    activationCode: view.activationCode,
    ...dates(view),
    dateExpiry: iso(view.dateExpiry),
    version: view.version,
    reasonCategory: view.reasonCategory,
    reasonCode: view.reasonCode,
    reasonDescription: view.reasonDescription,
  };
}

/**
 * The entitlement as its merchant sees it: the reseller's customer id only where the route
 * shares it, and never the reseller's own extension data or notification URL.
 */
export function toMerchantEntitlement(view: EntitlementView): MerchantEntitlement {
  return {
    entitlementId: view.id,
    merchantEntitlementId: view.merchantEntitlementId,
    status: view.status,
    sharedCustomerId: view.sharedCustomerId,
    customerIdentifier: view.route.shareCustomerIdentifier ? view.customerIdentifier : null,
    resellerKey: view.reseller.resellerKey,
    merchantAccountKey: view.merchant.merchantAccountKey,
    productKey: view.productKey,
    offerKey: view.offerKey,
    merchantExtensionData: view.merchantExtensionData,
    routeExtensionData: view.route.routeExtensionData,
    activationCode: view.activationCode,
    ...dates(view),
    version: view.version,
    reasonCategory: view.reasonCategory,
    reasonCode: view.reasonCode,
    reasonDescription: view.reasonDescription,
  };
}

/** The entitlement as an operator sees it. */
export function toAdminEntitlement(view: EntitlementView): AdminEntitlement {
  return { ...toEntitlement(view), resellerKey: view.reseller.resellerKey };
}

/** An event of the history or the feed. */
export function toEvent(record: EntitlementEventRecord): EntitlementEvent {
  return {
    eventId: record.id,
    sequence: record.sequence,
    entitlementId: record.entitlementId,
    version: record.version,
    reason: record.reason,
    actor: record.actor,
    statusBefore: record.statusBefore,
    statusAfter: record.statusAfter,
    requestId: record.requestId,
    occurredAt: iso(record.occurredAt),
    entitlement: record.snapshot,
  };
}

/** What to store of the merchant's activation action. */
export function storeAction(action: ActivationAction): StoredActivationAction {
  return withoutUndefined({
    action: action.action,
    url: action.url,
    urlExpiry: action.urlExpiry === undefined ? undefined : iso(action.urlExpiry),
    activationCode: action.activationCode,
  });
}

/** The contract's `parameters` for a stored action. */
export function toParameters(action: StoredActivationAction): ActionParameters {
  return withoutUndefined({ ...action });
}

function dates(view: EntitlementView) {
  return {
    dateCreated: iso(view.dateCreated),
    dateActivated: iso(view.dateActivated),
    dateSuspended: iso(view.dateSuspended),
    dateResumed: iso(view.dateResumed),
    dateEnded: iso(view.dateEnded),
    dateLastUpdated: iso(view.dateLastUpdated),
  };
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}
