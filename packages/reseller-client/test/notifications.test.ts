import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';

import { EntitlementStatus, NotificationReason } from '../src/generated';
import { NotificationVerificationError, verifyNotification } from '../src';

const secretBytes = randomBytes(24);
const secret = `whsec_${secretBytes.toString('base64')}`;

const body = JSON.stringify({
  eventId: '0b8f1c9e-6a3d-4f2b-9c7e-5d4a3b2c1d0e',
  reason: 'ACTIVATION_SUCCESS',
  version: 2,
  sequence: 7,
  timestamp: '2026-12-03T10:05:00.000Z',
  entitlementId: '7d3f2c4e-1b2a-4c5d-9e8f-0a1b2c3d4e5f',
  entitlement: {
    entitlementId: '7d3f2c4e-1b2a-4c5d-9e8f-0a1b2c3d4e5f',
    status: 'ACTIVE',
    customerIdentifier: '447700900123',
    sharedCustomerId: 'sc_1',
    merchantAccountKey: 'DEMO_MUSIC',
    productKey: 'MUSIC_PREMIUM',
    offerKey: null,
    merchantEntitlementId: 'sub_1',
    entitlementDisplayName: null,
    notificationUrl: null,
    extensionData: {},
    merchantExtensionData: {},
    activationCode: null,
    dateCreated: '2026-12-03T10:00:00.000Z',
    dateActivated: '2026-12-03T10:05:00.000Z',
    dateSuspended: null,
    dateResumed: null,
    dateEnded: null,
    dateExpiry: null,
    dateLastUpdated: '2026-12-03T10:05:00.000Z',
    version: 2,
    reasonCategory: null,
    reasonCode: null,
    reasonDescription: null,
  },
});

/** Signs as the Standard Webhooks spec says, independently of the library under test. */
function sign(key: Buffer, id: string, timestamp: number, payload: string): string {
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.${payload}`).digest('base64');
  return `v1,${mac}`;
}

function headersFor(signature: string, timestamp = Math.floor(Date.now() / 1000)) {
  return {
    'webhook-id': '0b8f1c9e-6a3d-4f2b-9c7e-5d4a3b2c1d0e',
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signature,
  };
}

describe('verifyNotification', () => {
  const now = Math.floor(Date.now() / 1000);
  const goodSignature = sign(secretBytes, '0b8f1c9e-6a3d-4f2b-9c7e-5d4a3b2c1d0e', now, body);

  it('returns the typed notification for a good signature', () => {
    const notification = verifyNotification(body, headersFor(goodSignature, now), secret);

    assert.equal(notification.reason, NotificationReason.ACTIVATION_SUCCESS);
    assert.equal(notification.sequence, 7);
    assert.equal(notification.entitlement.status, EntitlementStatus.ACTIVE);
    assert.ok(notification.timestamp instanceof Date);
  });

  it('accepts fetch Headers and capitalised Node header names', () => {
    const fetchHeaders = new Headers(headersFor(goodSignature, now));
    const nodeHeaders = {
      'Webhook-Id': fetchHeaders.get('webhook-id') ?? '',
      'Webhook-Timestamp': String(now),
      'Webhook-Signature': [goodSignature],
    };

    assert.equal(verifyNotification(body, fetchHeaders, secret).version, 2);
    assert.equal(verifyNotification(Buffer.from(body), nodeHeaders, secret).version, 2);
  });

  it('refuses a tampered body', () => {
    const tampered = body.replace('"version":2', '"version":3');

    assert.throws(
      () => verifyNotification(tampered, headersFor(goodSignature, now), secret),
      NotificationVerificationError,
    );
  });

  it('refuses another secret, and a missing signature header', () => {
    const other = `whsec_${randomBytes(24).toString('base64')}`;
    const { 'webhook-signature': _omitted, ...unsigned } = headersFor(goodSignature, now);

    assert.throws(
      () => verifyNotification(body, headersFor(goodSignature, now), other),
      NotificationVerificationError,
    );
    assert.throws(() => verifyNotification(body, unsigned, secret), /Missing webhook-signature/);
  });

  it('refuses a stale timestamp even with a valid signature for it', () => {
    const old = now - 3600;
    const signature = sign(secretBytes, '0b8f1c9e-6a3d-4f2b-9c7e-5d4a3b2c1d0e', old, body);

    assert.throws(
      () => verifyNotification(body, headersFor(signature, old), secret),
      NotificationVerificationError,
    );
  });

  it('verifies during a rotation: two signatures, and either secret on the receiver', () => {
    const newBytes = randomBytes(24);
    const newSecret = `whsec_${newBytes.toString('base64')}`;
    const both =
      `${sign(newBytes, '0b8f1c9e-6a3d-4f2b-9c7e-5d4a3b2c1d0e', now, body)} ` + goodSignature;

    assert.equal(verifyNotification(body, headersFor(both, now), secret).sequence, 7);
    assert.equal(verifyNotification(body, headersFor(both, now), newSecret).sequence, 7);
    assert.equal(
      verifyNotification(body, headersFor(goodSignature, now), [newSecret, secret]).sequence,
      7,
    );
  });
});
