/**
 * Consumer side of reading entitlements through the reseller API: one by id, a customer's
 * entitlements, and the cursor pages of the list, through the generated client.
 */
import assert from 'node:assert/strict';

import { MatchersV3 } from '@pact-foundation/pact';

import { EntitlementStatus } from '../../src';
import {
  basicAuth,
  entitlement,
  entitlementResponse,
  etag,
  EXAMPLE,
  seededEntitlementId,
  seededEntitlementPath,
} from './shapes';
import { clientFor, SANDBOX_RESELLER, tesseraPact } from './tessera-pact';

const { eachLike, fromProviderState, like } = MatchersV3;

const pact = tesseraPact('tessera-server');
const auth = { Authorization: basicAuth(SANDBOX_RESELLER) };

describe('reseller API: reading entitlements (pact with tessera-server)', () => {
  describe('getEntitlement', () => {
    it('returns the entitlement as it is now, with its version as ETag', async () => {
      await pact
        .addInteraction()
        .given('an entitlement exists', { status: 'ACTIVE', productKey: 'MUSIC' })
        .uponReceiving('a request for one entitlement')
        .withRequest('GET', seededEntitlementPath(), (req) => req.headers(auth))
        .willRespondWith(200, (res) =>
          res.headers({ ETag: etag() }).jsonBody(
            entitlementResponse(EntitlementStatus.ACTIVE, 'OK', {
              entitlementId: seededEntitlementId(),
              productKey: 'MUSIC',
            }),
          ),
        )
        .executeTest(async (mock) => {
          const answer = await clientFor(mock.url).entitlements.getEntitlementRaw({
            entitlementId: EXAMPLE.entitlementId,
          });
          const found = await answer.value();

          assert.equal(found.entitlementId, EXAMPLE.entitlementId);
          assert.equal(found.status, EntitlementStatus.ACTIVE);
          assert.equal(answer.raw.headers.get('etag'), `"${found.version}"`);
        });
    });
  });

  describe('searchCustomerEntitlements', () => {
    it("returns the customer's entitlements", async () => {
      await pact
        .addInteraction()
        .given('an entitlement exists', {
          status: 'ACTIVE',
          productKey: 'MUSIC',
          customerIdentifier: EXAMPLE.customerIdentifier,
        })
        .uponReceiving("a search of one customer's entitlements")
        .withRequest('POST', '/v1/entitlement/report', (req) =>
          req.headers(auth).jsonBody({ customerIdentifier: EXAMPLE.customerIdentifier }),
        )
        .willRespondWith(200, (res) =>
          res.jsonBody({
            responseCode: 'OK',
            responseMessage: like('Success'),
            entitlements: eachLike(
              entitlement(EntitlementStatus.ACTIVE, {
                customerIdentifier: EXAMPLE.customerIdentifier,
              }),
            ),
          }),
        )
        .executeTest(async (mock) => {
          const report = await clientFor(mock.url).entitlements.searchCustomerEntitlements({
            entitlementReportRequest: { customerIdentifier: EXAMPLE.customerIdentifier },
          });

          assert.equal(report.entitlements.length, 1);
          assert.equal(report.entitlements[0]?.customerIdentifier, EXAMPLE.customerIdentifier);
        });
    });
  });

  describe('listEntitlements', () => {
    const cursor = 'eyJhZnRlciI6Mn0';
    const threeActive = { count: 3, status: 'ACTIVE', productKey: 'MUSIC', pageSize: 2 };

    it('returns the first page with a cursor to the next', async () => {
      await pact
        .addInteraction()
        .given('entitlements exist', threeActive)
        .uponReceiving('a request for the first page of entitlements')
        .withRequest('GET', '/v1/entitlement', (req) =>
          req.headers(auth).query({ status: 'ACTIVE', limit: '2' }),
        )
        .willRespondWith(200, (res) =>
          res.jsonBody({
            responseCode: 'OK',
            responseMessage: like('Success'),
            entitlements: eachLike(entitlement(EntitlementStatus.ACTIVE), 2),
            nextCursor: like(cursor),
          }),
        )
        .executeTest(async (mock) => {
          const page = await clientFor(mock.url).entitlements.listEntitlements({
            status: EntitlementStatus.ACTIVE,
            limit: 2,
          });

          assert.equal(page.entitlements.length, 2);
          assert.equal(typeof page.nextCursor, 'string');
        });
    });

    it('returns the last page, without a cursor, when following nextCursor', async () => {
      await pact
        .addInteraction()
        .given('entitlements exist', threeActive)
        .uponReceiving('a request for the page after a cursor')
        .withRequest('GET', '/v1/entitlement', (req) =>
          req.headers(auth).query({
            status: 'ACTIVE',
            cursor: fromProviderState('${nextCursor}', cursor),
            limit: '2',
          }),
        )
        .willRespondWith(200, (res) =>
          res.jsonBody({
            responseCode: 'OK',
            responseMessage: like('Success'),
            entitlements: eachLike(entitlement(EntitlementStatus.ACTIVE)),
            nextCursor: null,
          }),
        )
        .executeTest(async (mock) => {
          const page = await clientFor(mock.url).entitlements.listEntitlements({
            status: EntitlementStatus.ACTIVE,
            cursor,
            limit: 2,
          });

          assert.equal(page.entitlements.length, 1);
          assert.equal(page.nextCursor, null);
        });
    });
  });
});
