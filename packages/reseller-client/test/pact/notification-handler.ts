/**
 * A reseller's notification handling, as small as a real one could be, in two parts:
 *
 * - {@link receiveNotification} is the HTTP edge: it checks the Standard Webhooks signature with
 *   `verifyNotification` and hands over the typed notification;
 * - {@link applyNotification} is what the reseller does with a verified notification: it
 *   decides what happens to the customer's access.
 *
 * The message pact exercises `applyNotification`: Pact generates the body, so no message it
 * produces can carry a valid signature, and the signature check is covered by the client's own
 * tests (`test/notifications.test.ts`) and by signing the Pact message with a test secret.
 */
import {
  EntitlementStatus,
  NotificationReason,
  verifyNotification,
  type EntitlementNotification,
  type NotificationHeaders,
} from '../../src';

/** What the reseller's own systems should do about the customer's access. */
export type AccessDecision =
  'GRANT' | 'KEEP_UNTIL_END_DATE' | 'WITHDRAW' | 'PAUSE' | 'REFUND_SIGN_UP' | 'UPDATE_RECORD';

/** The outcome of one notification, keyed for deduplication by `eventId`. */
export interface AppliedNotification {
  eventId: string;
  entitlementId: string;
  version: number;
  decision: AccessDecision;
  status: EntitlementStatus;
  productKey: string;
  /** When access ends, for a cancellation that takes effect later. */
  endsAt?: Date;
}

const decisions: Record<NotificationReason, AccessDecision> = {
  [NotificationReason.ACTIVATION_SUCCESS]: 'GRANT',
  [NotificationReason.TERMINATION_PENDING]: 'KEEP_UNTIL_END_DATE',
  [NotificationReason.TERMINATION_SUCCESS]: 'WITHDRAW',
  [NotificationReason.PRODUCT_UPDATE]: 'UPDATE_RECORD',
  [NotificationReason.SUSPENSION_SUCCESS]: 'PAUSE',
  [NotificationReason.RESUMPTION_SUCCESS]: 'GRANT',
  [NotificationReason.METADATA_UPDATE]: 'UPDATE_RECORD',
  [NotificationReason.CUSTOMER_NOT_ELIGIBLE]: 'REFUND_SIGN_UP',
};

/**
 * Decides what a verified notification means for the customer's access.
 *
 * @throws Error when the notification is inconsistent (another entitlement inside, an unknown
 *   reason, a termination whose end date is missing)
 */
export function applyNotification(notification: EntitlementNotification): AppliedNotification {
  const { entitlement, reason } = notification;
  const decision = decisions[reason];
  if (decision === undefined) {
    throw new Error(`Unknown notification reason ${String(reason)}`);
  }
  if (entitlement.entitlementId !== notification.entitlementId) {
    throw new Error('The notification carries another entitlement than it names');
  }
  const ending = reason === NotificationReason.TERMINATION_PENDING;
  if (ending && !(entitlement.dateEnded instanceof Date)) {
    throw new Error('A pending termination must say when access ends');
  }

  return {
    eventId: notification.eventId,
    entitlementId: notification.entitlementId,
    version: notification.version,
    decision,
    status: entitlement.status,
    productKey: entitlement.productKey,
    ...(ending && entitlement.dateEnded ? { endsAt: entitlement.dateEnded } : {}),
  };
}

/** The HTTP edge: verifies the signature of a raw notification, then applies it. */
export function receiveNotification(
  rawBody: string,
  headers: NotificationHeaders,
  secrets: string | readonly string[],
): AppliedNotification {
  return applyNotification(verifyNotification(rawBody, headers, secrets));
}
