/**
 * Consumer side of the merchant API's reads: the echo, listing and looking up the merchant's
 * entitlements (also by its own `merchantEntitlementId`) and getting one. Every interaction
 * drives the generated client (`createMerchantClient`) against the Pact mock server;
 * `tessera-server` replays them in its provider verification, seeding each `given(...)` state
 * (see README.md).
 */
import assert from 'node:assert/strict';

import { MatchersV3 } from '@pact-foundation/pact';

import { EntitlementStatus } from '../../src';
import {
  basicAuth,
  etag,
  EXAMPLE,
  merchantEntitlement,
  merchantEntitlementResponse,
  seededEntitlementId,
  seededEntitlementPath,
} from './shapes';
import { merchantApiPact, merchantClientFor, SANDBOX_MERCHANT } from './tessera-pact';

const { eachLike, like } = MatchersV3;

const pact = merchantApiPact();
const auth = { Authorization: basicAuth(SANDBOX_MERCHANT) };

describe('merchant API: lookups (pact with tessera-server)', () => {
  describe('echoMerchant', () => {
    it('echoes the id back to a valid merchant credential', async () => {
      await pact
        .addInteraction()
        .given('a merchant credential exists', {
          username: 'sandbox-merchant',
          merchantAccountKey: 'DEMO_MUSIC',
        })
        .uponReceiving('a merchant echo')
        .withRequest('GET', '/merchant/v1/echo/ping-1', (req) => req.headers(auth))
        .willRespondWith(200, (res) =>
          res.jsonBody({ responseCode: 'OK', responseMessage: like('Success'), echo: 'ping-1' }),
        )
        .executeTest(async (mock) => {
          const echo = await merchantClientFor(mock.url).connectivity.echoMerchant({
            echoRequestId: 'ping-1',
          });

          assert.equal(echo.echo, 'ping-1');
        });
    });
  });

  describe('listMerchantEntitlements', () => {
    it("returns a page of the merchant's entitlements", async () => {
      await pact
        .addInteraction()
        .given('an entitlement exists', { status: 'ACTIVE', productKey: 'MUSIC' })
        .uponReceiving("a request for a page of the merchant's active entitlements")
        .withRequest('GET', '/merchant/v1/entitlement', (req) =>
          req.headers(auth).query({ status: 'ACTIVE', limit: '50' }),
        )
        .willRespondWith(200, (res) =>
          res.jsonBody({
            responseCode: 'OK',
            responseMessage: like('Success'),
            entitlements: eachLike(merchantEntitlement(EntitlementStatus.ACTIVE)),
            nextCursor: null,
          }),
        )
        .executeTest(async (mock) => {
          const page = await merchantClientFor(mock.url).entitlements.listMerchantEntitlements({
            status: EntitlementStatus.ACTIVE,
            limit: 50,
          });

          assert.equal(page.entitlements.length, 1);
          assert.equal(page.entitlements[0]?.status, EntitlementStatus.ACTIVE);
          assert.equal(page.nextCursor, null);
        });
    });

    it("looks an entitlement up by the merchant's own id", async () => {
      await pact
        .addInteraction()
        .given('an entitlement exists', {
          status: 'ACTIVE',
          productKey: 'MUSIC',
          merchantEntitlementId: EXAMPLE.merchantEntitlementId,
        })
        .uponReceiving('a lookup by merchant entitlement id')
        .withRequest('GET', '/merchant/v1/entitlement', (req) =>
          req.headers(auth).query({ merchantEntitlementId: EXAMPLE.merchantEntitlementId }),
        )
        .willRespondWith(200, (res) =>
          res.jsonBody({
            responseCode: 'OK',
            responseMessage: like('Success'),
            entitlements: eachLike(
              merchantEntitlement(EntitlementStatus.ACTIVE, {
                entitlementId: seededEntitlementId(),
                merchantEntitlementId: EXAMPLE.merchantEntitlementId,
              }),
            ),
            nextCursor: null,
          }),
        )
        .executeTest(async (mock) => {
          const page = await merchantClientFor(mock.url).entitlements.listMerchantEntitlements({
            merchantEntitlementId: EXAMPLE.merchantEntitlementId,
          });

          assert.equal(page.entitlements[0]?.merchantEntitlementId, EXAMPLE.merchantEntitlementId);
          assert.equal(page.entitlements[0]?.entitlementId, EXAMPLE.entitlementId);
        });
    });
  });

  describe('getMerchantEntitlement', () => {
    it('returns the entitlement as it is now, with its version as ETag', async () => {
      await pact
        .addInteraction()
        .given('an entitlement exists', { status: 'ACTIVE', productKey: 'MUSIC' })
        .uponReceiving('a merchant request for one entitlement')
        .withRequest('GET', seededEntitlementPath(), (req) => req.headers(auth))
        .willRespondWith(200, (res) =>
          res.headers({ ETag: etag() }).jsonBody(
            merchantEntitlementResponse(EntitlementStatus.ACTIVE, {
              entitlementId: seededEntitlementId(),
            }),
          ),
        )
        .executeTest(async (mock) => {
          const found = await merchantClientFor(mock.url).entitlements.getMerchantEntitlement({
            entitlementId: EXAMPLE.entitlementId,
          });

          assert.equal(found.entitlementId, EXAMPLE.entitlementId);
          assert.equal(found.status, EntitlementStatus.ACTIVE);
        });
    });
  });
});
