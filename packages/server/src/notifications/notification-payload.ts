import type { components } from '../generated/contract';
import {
  activeSigningSecrets,
  type SignatureHeaders,
  type SigningSecrets,
  signNotification,
} from './signing';

type EntitlementEvent = components['schemas']['EntitlementEvent'];
type EntitlementNotification = components['schemas']['EntitlementNotification'];
type NotificationReason = components['schemas']['NotificationReason'];

/** Identifies Tessera's requests in receivers' logs. */
export const NOTIFICATION_USER_AGENT = 'Tessera-Notifications/1';

const NOTIFICATION_REASONS: ReadonlySet<string> = new Set<NotificationReason>([
  'ACTIVATION_SUCCESS',
  'TERMINATION_PENDING',
  'TERMINATION_SUCCESS',
  'PRODUCT_UPDATE',
  'SUSPENSION_SUCCESS',
  'RESUMPTION_SUCCESS',
  'METADATA_UPDATE',
  'CUSTOMER_NOT_ELIGIBLE',
]);

/**
 * Whether events with this reason are pushed. Creates (`ENTITLEMENT_CREATED`/`_FAILED`) are
 * answered synchronously, so they are in the feed only (contract: `EventReason`).
 */
export function isNotificationReason(reason: string): reason is NotificationReason {
  return NOTIFICATION_REASONS.has(reason);
}

/** The contract's notification body for one event. */
export function notificationOf(event: EntitlementEvent): EntitlementNotification {
  if (!isNotificationReason(event.reason)) {
    throw new Error(`Events with reason ${event.reason} are not notified`);
  }
  return {
    eventId: event.eventId,
    reason: event.reason,
    version: event.version,
    sequence: event.sequence,
    timestamp: event.occurredAt,
    entitlementId: event.entitlementId,
    entitlement: event.entitlement,
  };
}

/** The request headers of one attempt, before the receiver's own auth is added. */
export type NotificationHeaders = SignatureHeaders & {
  'content-type': string;
  'user-agent': string;
};

/** The headers of one attempt at sending `body` (the stored, serialised notification). */
export function notificationHeaders(
  eventId: string,
  body: string,
  secrets: readonly string[],
  signedAt: Date,
): NotificationHeaders {
  return {
    'content-type': 'application/json',
    'user-agent': NOTIFICATION_USER_AGENT,
    ...signNotification(eventId, body, secrets, signedAt),
  };
}

/** What is POSTed for one notification: the headers and the exact body bytes signed. */
export interface BuiltNotification {
  headers: NotificationHeaders;
  body: string;
}

/**
 * Builds the notification of `event` as Tessera sends it: the JSON body and the Standard
 * Webhooks headers signed with the reseller's active secrets (the current one, and the previous
 * one while a rotation's overlap lasts). The receiver's auth header is not included; the
 * dispatcher adds it per attempt. The one place the wire format is defined, so the Pact message
 * provider verifies exactly this.
 *
 * @param signedAt - the attempt's time (`webhook-timestamp`); now by default
 */
export function buildNotification(
  event: EntitlementEvent,
  reseller: SigningSecrets,
  signedAt: Date = new Date(),
): BuiltNotification {
  const body = JSON.stringify(notificationOf(event));
  const secrets = activeSigningSecrets(reseller, signedAt);
  return { headers: notificationHeaders(event.eventId, body, secrets, signedAt), body };
}
