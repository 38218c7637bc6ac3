/**
 * Message pact: the notifications `tessera-reseller-client` expects from Tessera
 * (`tessera-notifications`), one asynchronous message per notification reason. The content is
 * the notification body; the metadata carries the Standard Webhooks headers Tessera sends with
 * it. The server's notification builder is the message provider and must produce each message
 * from the provider state given here.
 *
 * The handler under test is `applyNotification`, which takes a notification as
 * `verifyNotification` returns it (`EntitlementNotificationFromJSON` of the verified body). Pact
 * generates the body, so no Pact message can carry a valid signature: the test re-signs the
 * generated message with a test secret to show that the HTTP edge (`receiveNotification`) reads
 * the headers the metadata promises and reaches the same decision.
 */
import assert from 'node:assert/strict';

import { MatchersV3 } from '@pact-foundation/pact';
import { Webhook } from 'standardwebhooks';

import {
  EntitlementNotificationFromJSON,
  EntitlementStatus,
  NotificationReason,
  ReasonCode,
} from '../../src';
import {
  applyNotification,
  receiveNotification,
  type AccessDecision,
} from './notification-handler';
import { EXAMPLE, isoDateTime, notification, oneOf } from './shapes';
import { tesseraPact } from './tessera-pact';

const { like, regex, uuid } = MatchersV3;

const pact = tesseraPact('tessera-notifications');

/** The Standard Webhooks headers, as message metadata. */
const webhookHeaders = {
  contentType: 'application/json',
  'webhook-id': uuid(EXAMPLE.eventId),
  'webhook-timestamp': regex('^\\d{10}$', '1796292300'),
  'webhook-signature': regex(
    '^v1,[A-Za-z0-9+/]+={0,2}( v1,[A-Za-z0-9+/]+={0,2})*$',
    'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  ),
};

interface NotificationCase {
  reason: NotificationReason;
  /** The change the notification reports: the provider state's parameters. */
  statusBefore: EntitlementStatus;
  status: EntitlementStatus;
  actor: 'RESELLER' | 'MERCHANT' | 'SCHEDULER';
  productKey: 'MUSIC' | 'MUSIC_PREMIUM';
  /** What the reseller's handler decides. */
  decision: AccessDecision;
  /** Fields of the entitlement this reason implies, beyond those of its status. */
  entitlement?: Record<string, unknown>;
}

const { ACTIVE, ACTIVE_ENDING, CANCELLED, FAILED, PENDING, SUSPENDED } = EntitlementStatus;
const cancelled = {
  reasonCategory: 'CUSTOMER_CANCELLED',
  reasonCode: oneOf(ReasonCode, 'NOT_RENEWED'),
};

const cases: NotificationCase[] = [
  {
    reason: NotificationReason.ACTIVATION_SUCCESS,
    statusBefore: PENDING,
    status: ACTIVE,
    actor: 'MERCHANT',
    productKey: 'MUSIC_PREMIUM',
    decision: 'GRANT',
  },
  {
    reason: NotificationReason.TERMINATION_PENDING,
    statusBefore: ACTIVE,
    status: ACTIVE_ENDING,
    actor: 'RESELLER',
    productKey: 'MUSIC',
    decision: 'KEEP_UNTIL_END_DATE',
    entitlement: cancelled,
  },
  {
    reason: NotificationReason.TERMINATION_SUCCESS,
    statusBefore: ACTIVE_ENDING,
    status: CANCELLED,
    actor: 'SCHEDULER',
    productKey: 'MUSIC',
    decision: 'WITHDRAW',
    entitlement: cancelled,
  },
  {
    reason: NotificationReason.PRODUCT_UPDATE,
    statusBefore: ACTIVE,
    status: ACTIVE,
    actor: 'RESELLER',
    productKey: 'MUSIC_PREMIUM',
    decision: 'UPDATE_RECORD',
  },
  {
    reason: NotificationReason.SUSPENSION_SUCCESS,
    statusBefore: ACTIVE,
    status: SUSPENDED,
    actor: 'RESELLER',
    productKey: 'MUSIC',
    decision: 'PAUSE',
  },
  {
    reason: NotificationReason.RESUMPTION_SUCCESS,
    statusBefore: SUSPENDED,
    status: ACTIVE,
    actor: 'RESELLER',
    productKey: 'MUSIC',
    decision: 'GRANT',
    entitlement: { dateResumed: isoDateTime(EXAMPLE.updated) },
  },
  {
    reason: NotificationReason.METADATA_UPDATE,
    statusBefore: ACTIVE,
    status: ACTIVE,
    actor: 'RESELLER',
    productKey: 'MUSIC',
    decision: 'UPDATE_RECORD',
    entitlement: { extensionData: like({ bundle: 'MOBILE_PLUS' }) },
  },
  {
    reason: NotificationReason.CUSTOMER_NOT_ELIGIBLE,
    statusBefore: PENDING,
    status: FAILED,
    actor: 'MERCHANT',
    productKey: 'MUSIC_PREMIUM',
    decision: 'REFUND_SIGN_UP',
  },
];

const testSecret = `whsec_${Buffer.from('pact-test-secret-of-32-bytes-ok!').toString('base64')}`;

/** Signs a Pact-generated message now, with a test secret, as Tessera signs a delivery. */
function signedDelivery(content: unknown, metadata: Record<string, unknown>) {
  const rawBody = JSON.stringify(content);
  const id = String(metadata['webhook-id']);
  const now = new Date();
  const headers = {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
    'webhook-signature': new Webhook(testSecret).sign(id, now, rawBody),
  };
  return { rawBody, headers };
}

describe('notifications (message pact with tessera-notifications)', () => {
  for (const { reason, statusBefore, status, actor, productKey, decision, entitlement } of cases) {
    it(`applies ${reason}: ${decision}`, async () => {
      await pact
        .addAsynchronousInteraction()
        .given('an entitlement changed', {
          reason,
          statusBefore,
          statusAfter: status,
          actor,
          productKey,
        })
        .expectsToReceive(`a notification with reason ${reason}`, (message) =>
          message
            .withJSONContent(notification(reason, status, { productKey, ...entitlement }))
            .withMetadata(webhookHeaders),
        )
        .executeTest(async (message) => {
          const { content } = message.contents;
          const applied = applyNotification(EntitlementNotificationFromJSON(content));

          assert.equal(applied.decision, decision);
          assert.equal(applied.status, status);
          assert.equal(applied.productKey, productKey);
          assert.equal(message.metadata['webhook-id'], applied.eventId);

          const { rawBody, headers } = signedDelivery(content, message.metadata);
          assert.deepEqual(receiveNotification(rawBody, headers, testSecret), applied);
        });
    });
  }
});
