/**
 * Consumer side of the reseller API's connectivity check and event history: `echo`, one
 * entitlement's events and the reseller's ordered feed, through the generated client.
 */
import assert from 'node:assert/strict';

import { MatchersV3 } from '@pact-foundation/pact';

import { SuccessCode } from '../../src';
import {
  basicAuth,
  entitlementEvent,
  events,
  EXAMPLE,
  seededEntitlementId,
  seededEntitlementPath,
} from './shapes';
import { clientFor, SANDBOX_RESELLER, tesseraPact } from './tessera-pact';

const { boolean, eachLike, integer, like } = MatchersV3;

const pact = tesseraPact('tessera-server');
const auth = { Authorization: basicAuth(SANDBOX_RESELLER) };

describe('reseller API: connectivity and events (pact with tessera-server)', () => {
  describe('echo', () => {
    it('echoes the id back to a valid sandbox credential', async () => {
      await pact
        .addInteraction()
        .given('a reseller credential exists', { username: 'sandbox-reseller', sandbox: true })
        .uponReceiving('an echo')
        .withRequest('GET', '/v1/echo/ping-1', (req) => req.headers(auth))
        .willRespondWith(200, (res) =>
          res.jsonBody({
            responseCode: 'OK',
            responseMessage: like('Success'),
            echo: 'ping-1',
            sandbox: true,
          }),
        )
        .executeTest(async (mock) => {
          const echo = await clientFor(mock.url).connectivity.echo({ echoRequestId: 'ping-1' });

          assert.equal(echo.echo, 'ping-1');
          assert.equal(echo.responseCode, SuccessCode.OK);
          assert.equal(echo.sandbox, true);
        });
    });
  });

  describe('listEntitlementEvents', () => {
    it("returns the entitlement's history, oldest first", async () => {
      await pact
        .addInteraction()
        .given('an entitlement exists', { status: 'ACTIVE', productKey: 'MUSIC' })
        .uponReceiving("a request for an entitlement's events")
        .withRequest('GET', seededEntitlementPath('/events'), (req) => req.headers(auth))
        .willRespondWith(200, (res) =>
          res.jsonBody({
            responseCode: 'OK',
            responseMessage: like('Success'),
            events: eachLike({ ...entitlementEvent(), entitlementId: seededEntitlementId() }),
          }),
        )
        .executeTest(async (mock) => {
          const history = await clientFor(mock.url).events.listEntitlementEvents({
            entitlementId: EXAMPLE.entitlementId,
          });

          assert.ok(history.events.length >= 1);
          assert.equal(history.events[0]?.entitlementId, EXAMPLE.entitlementId);
          assert.ok(history.events[0]?.occurredAt instanceof Date);
        });
    });
  });

  describe('listEvents', () => {
    it('returns the feed after a sequence number, with where to resume', async () => {
      await pact
        .addInteraction()
        .given('an entitlement exists', { status: 'ACTIVE', productKey: 'MUSIC' })
        .uponReceiving('a request for the event feed from the start')
        .withRequest('GET', '/v1/events', (req) =>
          req.headers(auth).query({ after: '0', limit: '100' }),
        )
        .willRespondWith(200, (res) =>
          res.jsonBody({
            responseCode: 'OK',
            responseMessage: like('Success'),
            events: events(),
            nextAfter: integer(1),
            hasMore: boolean(false),
          }),
        )
        .executeTest(async (mock) => {
          const feed = await clientFor(mock.url).events.listEvents({ after: 0, limit: 100 });

          assert.ok(feed.events.length >= 1);
          assert.equal(feed.nextAfter, feed.events.at(-1)?.sequence);
          assert.equal(typeof feed.hasMore, 'boolean');
        });
    });
  });
});
