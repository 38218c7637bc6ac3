import { Webhook } from 'standardwebhooks';

import { EntitlementNotificationFromJSON, type EntitlementNotification } from './generated';

/** The request headers of a notification; any casing of the names, as Node or fetch give them. */
export type NotificationHeaders = Headers | Record<string, string | string[] | undefined>;

/** Thrown when a notification's Standard Webhooks signature or timestamp does not verify. */
export class NotificationVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotificationVerificationError';
  }
}

const signatureHeaders = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

/** Picks the three Standard Webhooks headers, lower-cased, from whatever header shape is given. */
function pickSignatureHeaders(headers: NotificationHeaders): Record<string, string> {
  const picked: Record<string, string> = {};
  const lookup =
    headers instanceof Headers
      ? (name: string) => headers.get(name) ?? undefined
      : (name: string) => {
          const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
          const value = key === undefined ? undefined : headers[key];
          return Array.isArray(value) ? value[0] : value;
        };
  for (const name of signatureHeaders) {
    const value = lookup(name);
    if (value === undefined) {
      throw new NotificationVerificationError(`Missing ${name} header`);
    }
    picked[name] = value;
  }
  return picked;
}

/**
 * Verifies a notification Tessera sent you and returns it typed.
 *
 * Checks the Standard Webhooks signature (HMAC-SHA256 over `webhook-id`, `webhook-timestamp`
 * and the raw body) against your `whsec_` secret, and that the timestamp is within five minutes
 * of now. Pass the **raw** request body, byte for byte as received: a re-serialised object will
 * not verify. During a secret rotation pass both secrets; any one verifying is enough.
 *
 * @param rawBody - the request body exactly as received
 * @param headers - the request headers (`webhook-id`, `webhook-timestamp`, `webhook-signature`)
 * @param secrets - your signing secret, or the current and previous ones during a rotation
 * @returns the notification, with dates as `Date` objects
 * @throws NotificationVerificationError when no secret verifies the signature or it is stale
 *
 * @example
 * const notification = verifyNotification(rawBody, req.headers, process.env.TESSERA_WHSEC!);
 * if (await alreadyProcessed(notification.eventId)) return; // delivery is at least once
 */
export function verifyNotification(
  rawBody: string | Uint8Array,
  headers: NotificationHeaders,
  secrets: string | readonly string[],
): EntitlementNotification {
  const picked = pickSignatureHeaders(headers);
  const candidates = typeof secrets === 'string' ? [secrets] : secrets;
  let lastError: unknown = new Error('no secret given');

  for (const secret of candidates) {
    try {
      const payload = new Webhook(secret).verify(rawBody, picked);
      return EntitlementNotificationFromJSON(payload);
    } catch (error) {
      lastError = error;
    }
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  throw new NotificationVerificationError(`Notification did not verify: ${reason}`);
}
