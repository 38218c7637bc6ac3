/**
 * Consumer side of the sandbox a reseller tests its integration with: the test clock that makes
 * scheduled endings happen now, the notification inbox, and the faults injected into
 * notifications.
 */
import assert from 'node:assert/strict';

import { MatchersV3 } from '@pact-foundation/pact';

import { EntitlementStatus, NotificationReason } from '../../src';
import { basicAuth, EXAMPLE, isoDateTime, notification, seededEntitlementId } from './shapes';
import { clientFor, SANDBOX_RESELLER, tesseraPact } from './tessera-pact';

const { eachLike, integer, like, number, regex, uuid } = MatchersV3;

const pact = tesseraPact('tessera-server');
const auth = { Authorization: basicAuth(SANDBOX_RESELLER) };
const sandboxReseller = { username: 'sandbox-reseller', sandbox: true };
const clock = (offsetSeconds: number) => ({
  now: isoDateTime('2027-01-02T10:00:00.000Z'),
  offsetSeconds: integer(offsetSeconds),
});

describe('reseller API: sandbox (pact with tessera-server)', () => {
  describe('getSandboxClock', () => {
    it("returns the sandbox reseller's test clock", async () => {
      await pact
        .addInteraction()
        .given('a reseller credential exists', sandboxReseller)
        .uponReceiving('a request for the test clock')
        .withRequest('GET', '/v1/sandbox/clock', (req) => req.headers(auth))
        .willRespondWith(200, (res) => res.jsonBody(clock(0)))
        .executeTest(async (mock) => {
          const now = await clientFor(mock.url).sandbox.getSandboxClock();

          assert.ok(now.now instanceof Date);
          assert.equal(typeof now.offsetSeconds, 'number');
        });
    });
  });

  describe('advanceSandboxClock', () => {
    it('moves the test clock forward by the seconds asked', async () => {
      const thirtyDays = 30 * 24 * 3600;
      await pact
        .addInteraction()
        .given('a reseller credential exists', sandboxReseller)
        .uponReceiving('a move of the test clock by thirty days')
        .withRequest('POST', '/v1/sandbox/clock', (req) =>
          req.headers(auth).jsonBody({ advanceBySeconds: thirtyDays }),
        )
        .willRespondWith(200, (res) => res.jsonBody(clock(thirtyDays)))
        .executeTest(async (mock) => {
          const moved = await clientFor(mock.url).sandbox.advanceSandboxClock({
            advanceClockRequest: { advanceBySeconds: thirtyDays },
          });

          assert.ok(moved.offsetSeconds >= thirtyDays);
        });
    });
  });

  describe('listSandboxInbox', () => {
    it('returns the notifications delivered for an entitlement, with their headers', async () => {
      await pact
        .addInteraction()
        .given('a notification was delivered to the sandbox inbox', {
          reason: 'SUSPENSION_SUCCESS',
        })
        .uponReceiving("a request for one entitlement's notifications in the inbox")
        .withRequest('GET', '/v1/sandbox/inbox', (req) =>
          req.headers(auth).query({ entitlementId: seededEntitlementId() }),
        )
        .willRespondWith(200, (res) =>
          res.jsonBody({
            responseCode: 'OK',
            responseMessage: like('Success'),
            notifications: eachLike({
              receivedAt: isoDateTime(EXAMPLE.updated),
              headers: like({
                'webhook-id': uuid(EXAMPLE.eventId),
                'webhook-timestamp': regex('^\\d+$', '1796292300'),
                'webhook-signature': regex(
                  '^v1,\\S+$',
                  'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN=',
                ),
              }),
              signatureValid: true,
              notification: notification(
                NotificationReason.SUSPENSION_SUCCESS,
                EntitlementStatus.SUSPENDED,
                {},
                seededEntitlementId(),
              ),
            }),
          }),
        )
        .executeTest(async (mock) => {
          const inbox = await clientFor(mock.url).sandbox.listSandboxInbox({
            entitlementId: EXAMPLE.entitlementId,
          });
          const [received] = inbox.notifications;

          assert.equal(received?.signatureValid, true);
          assert.equal(received?.notification.reason, NotificationReason.SUSPENSION_SUCCESS);
          assert.equal(received?.headers['webhook-id'], received?.notification.eventId);
        });
    });
  });

  describe('getSandboxNotificationFaults', () => {
    it('returns the faults in force, none on a fresh sandbox', async () => {
      await pact
        .addInteraction()
        .given('a reseller credential exists', sandboxReseller)
        .uponReceiving('a request for the notification faults')
        .withRequest('GET', '/v1/sandbox/notificationFaults', (req) => req.headers(auth))
        .willRespondWith(200, (res) =>
          res.jsonBody({ duplicateRate: number(0), reorderRate: number(0), delayMs: integer(0) }),
        )
        .executeTest(async (mock) => {
          const faults = await clientFor(mock.url).sandbox.getSandboxNotificationFaults();

          assert.equal(typeof faults.duplicateRate, 'number');
          assert.equal(typeof faults.reorderRate, 'number');
          assert.equal(typeof faults.delayMs, 'number');
        });
    });
  });

  describe('setSandboxNotificationFaults', () => {
    it('replaces the faults and answers the ones now in force', async () => {
      const faults = { duplicateRate: 0.5, reorderRate: 0.25, delayMs: 1000 };
      await pact
        .addInteraction()
        .given('a reseller credential exists', sandboxReseller)
        .uponReceiving('a change of the notification faults')
        .withRequest('PUT', '/v1/sandbox/notificationFaults', (req) =>
          req.headers(auth).jsonBody(faults),
        )
        .willRespondWith(200, (res) => res.jsonBody(faults))
        .executeTest(async (mock) => {
          const inForce = await clientFor(mock.url).sandbox.setSandboxNotificationFaults({
            notificationFaults: faults,
          });

          assert.deepEqual(inForce, faults);
        });
    });
  });
});
