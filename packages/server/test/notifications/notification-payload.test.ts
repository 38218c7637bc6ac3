import assert from 'node:assert/strict';

import { NotificationVerificationError, verifyNotification } from '@tessera/reseller-client';
import { Webhook } from 'standardwebhooks';

import {
  buildNotification,
  isNotificationReason,
} from '../../src/notifications/notification-payload';
import {
  activeSigningSecrets,
  newSigningSecret,
  SIGNING_SECRET_OVERLAP_MS,
  signNotification,
} from '../../src/notifications/signing';
import { sampleEvent } from './helpers/sample-event';

const OLD = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const NEW = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
const OTHER = 'whsec_dGhpcyBpcyBub3QgdGhlIHNlY3JldCEhIQ==';

const single = { signingSecret: OLD, previousSigningSecret: null, previousSecretValidUntil: null };

describe('notification payload and signature', () => {
  it('signs with new secrets of 32 random bytes that the reseller client accepts', () => {
    const [secret, another] = [newSigningSecret(), newSigningSecret()];
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.equal(Buffer.from(secret.slice('whsec_'.length), 'base64').length, 32);
    assert.notEqual(secret, another);

    const event = sampleEvent();
    const { headers, body } = buildNotification(event, { ...single, signingSecret: secret });
    assert.equal(verifyNotification(body, headers, secret).eventId, event.eventId);
  });

  it('signs the whole seconds with each secret, one Standard Webhooks signature each', () => {
    const body = JSON.stringify({ eventId: 'e-1', text: 'non-ASCII: ünïcødé ✓' });
    const at = new Date('2026-12-01T10:00:00.900Z');
    for (const secret of [OLD, NEW, OTHER, newSigningSecret()]) {
      const expected = new Webhook(secret).sign('e-1', new Date('2026-12-01T10:00:00Z'), body);
      assert.equal(signNotification('e-1', body, [secret], at)['webhook-signature'], expected);
    }
    const both = signNotification('e-1', body, [NEW, OLD], at)['webhook-signature'];
    assert.equal(both.split(' ').length, 2);
  });

  it('is the contract body, and the reseller client verifies it', () => {
    const event = sampleEvent();
    const { headers, body } = buildNotification(event, single);

    assert.equal(headers['webhook-id'], event.eventId);
    assert.equal(headers['content-type'], 'application/json');
    assert.match(headers['webhook-signature'], /^v1,[A-Za-z0-9+/=]+$/);
    assert.deepEqual(Object.keys(JSON.parse(body) as object), [
      'eventId',
      'reason',
      'version',
      'sequence',
      'timestamp',
      'entitlementId',
      'entitlement',
    ]);

    const notification = verifyNotification(body, headers, OLD);
    assert.equal(notification.eventId, event.eventId);
    assert.equal(notification.reason, 'SUSPENSION_SUCCESS');
    assert.equal(notification.sequence, 7);
    assert.equal(notification.version, 3);
    assert.equal(notification.timestamp.toISOString(), event.occurredAt);
    assert.equal(notification.entitlement.status, 'SUSPENDED');
  });

  it('is refused with another secret or a changed body', () => {
    const { headers, body } = buildNotification(sampleEvent(), single);

    assert.throws(() => verifyNotification(body, headers, OTHER), NotificationVerificationError);
    assert.throws(
      () => verifyNotification(body.replace('SUSPENDED', 'ACTIVE'), headers, OLD),
      NotificationVerificationError,
    );
  });

  it('carries both signatures during a rotation; each secret verifies on its own', () => {
    const now = new Date();
    const rotating = {
      signingSecret: NEW,
      previousSigningSecret: OLD,
      previousSecretValidUntil: new Date(now.getTime() + SIGNING_SECRET_OVERLAP_MS),
    };
    const { headers, body } = buildNotification(sampleEvent(), rotating, now);

    assert.equal(headers['webhook-signature'].split(' ').length, 2);
    verifyNotification(body, headers, NEW);
    verifyNotification(body, headers, OLD);
    verifyNotification(body, headers, [OTHER, NEW]);
  });

  it('drops the previous secret when the overlap is over', () => {
    const now = new Date();
    const expired = {
      signingSecret: NEW,
      previousSigningSecret: OLD,
      previousSecretValidUntil: new Date(now.getTime() - 1),
    };
    assert.deepEqual(activeSigningSecrets(expired, now), [NEW]);
    const { headers, body } = buildNotification(sampleEvent(), expired, now);
    assert.throws(() => verifyNotification(body, headers, OLD), NotificationVerificationError);
  });

  it('signs the whole seconds it sends, so a stale timestamp is refused by receivers', () => {
    const tenMinutesAgo = new Date(Date.now() - 10 * 60_000 + 123);
    const { headers, body } = buildNotification(sampleEvent(), single, tenMinutesAgo);

    assert.equal(headers['webhook-timestamp'], String(Math.floor(tenMinutesAgo.getTime() / 1000)));
    assert.throws(() => verifyNotification(body, headers, OLD), /timestamp/i);
  });

  it('is built for notified reasons only', () => {
    assert.equal(isNotificationReason('ENTITLEMENT_CREATED'), false);
    assert.equal(isNotificationReason('TERMINATION_SUCCESS'), true);
    assert.throws(() => buildNotification(sampleEvent({ reason: 'ENTITLEMENT_CREATED' }), single));
  });
});
