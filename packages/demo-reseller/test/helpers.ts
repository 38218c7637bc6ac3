import { createHmac, randomBytes, randomUUID } from 'node:crypto';

/** A fresh Standard Webhooks secret. */
export function newSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/** What a test notification may override. */
export interface NotificationFields {
  eventId?: string;
  reason?: string;
  version?: number;
  sequence?: number;
  entitlementId?: string;
  status?: string;
}

/** A notification body in the contract's shape. */
export function notificationBody(fields: NotificationFields = {}): string {
  const entitlementId = fields.entitlementId ?? randomUUID();
  const version = fields.version ?? 2;
  const now = new Date().toISOString();
  return JSON.stringify({
    eventId: fields.eventId ?? randomUUID(),
    reason: fields.reason ?? 'ACTIVATION_SUCCESS',
    version,
    sequence: fields.sequence ?? 2,
    timestamp: now,
    entitlementId,
    entitlement: {
      entitlementId,
      status: fields.status ?? 'ACTIVE',
      customerIdentifier: '447700900123',
      sharedCustomerId: 'sc_1',
      merchantAccountKey: 'DEMO_MUSIC',
      productKey: 'MUSIC_PREMIUM',
      offerKey: null,
      merchantEntitlementId: 'dm_1',
      entitlementDisplayName: null,
      notificationUrl: null,
      extensionData: {},
      merchantExtensionData: {},
      activationCode: null,
      dateCreated: now,
      dateActivated: now,
      dateSuspended: null,
      dateResumed: null,
      dateEnded: null,
      dateExpiry: null,
      dateLastUpdated: now,
      version,
      reasonCategory: null,
      reasonCode: null,
      reasonDescription: null,
    },
  });
}

/** The Standard Webhooks headers for `body`, signed independently of the code under test. */
export function signedHeaders(secret: string, body: string, id = randomUUID()) {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const timestamp = Math.floor(Date.now() / 1000);
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': `v1,${mac}`,
  };
}

/** POSTs `body` to `url`, signed with `secret`. */
export function deliver(url: string, secret: string, body: string): Promise<Response> {
  return fetch(url, { method: 'POST', headers: signedHeaders(secret, body), body });
}
