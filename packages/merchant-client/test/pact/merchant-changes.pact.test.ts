/**
 * Consumer side of the merchant API's changes: what a merchant reports from its side (product
 * or data changes, activation, cancel or revoke, suspend, resume, refusing the customer),
 * through the generated client.
 */
import assert from 'node:assert/strict';

import { MatchersV3 } from '@pact-foundation/pact';

import { EntitlementStatus, ReasonCategory, ReasonCode } from '../../src';
import {
  basicAuth,
  etag,
  EXAMPLE,
  isoDateTime,
  merchantEntitlementResponse,
  seededEntitlementId,
  seededEntitlementPath,
} from './shapes';
import { merchantApiPact, merchantClientFor, SANDBOX_MERCHANT } from './tessera-pact';

const { integer } = MatchersV3;

const pact = merchantApiPact();
const auth = { Authorization: basicAuth(SANDBOX_MERCHANT) };

/** The fields of an entitlement the provider state seeded, after one change. */
const afterOneChange = () => ({ entitlementId: seededEntitlementId(), version: integer(2) });

describe('merchant API: changes (pact with tessera-server)', () => {
  describe('updateMerchantEntitlement', () => {
    it('moves an ACTIVE entitlement to another of the merchant’s products', async () => {
      await pact
        .addInteraction()
        .given('an entitlement exists', { status: 'ACTIVE', productKey: 'MUSIC' })
        .uponReceiving('a merchant-side product change')
        .withRequest('PATCH', seededEntitlementPath(), (req) =>
          req.headers(auth).jsonBody({ productKey: 'MUSIC_PREMIUM' }),
        )
        .willRespondWith(200, (res) =>
          res.headers({ ETag: etag(2) }).jsonBody(
            merchantEntitlementResponse(EntitlementStatus.ACTIVE, {
              ...afterOneChange(),
              productKey: 'MUSIC_PREMIUM',
            }),
          ),
        )
        .executeTest(async (mock) => {
          const changed = await merchantClientFor(mock.url).entitlements.updateMerchantEntitlement({
            entitlementId: EXAMPLE.entitlementId,
            merchantUpdateRequest: { productKey: 'MUSIC_PREMIUM' },
          });

          assert.equal(changed.productKey, 'MUSIC_PREMIUM');
        });
    });

    it("stores the merchant's extension data", async () => {
      await pact
        .addInteraction()
        .given('an entitlement exists', { status: 'ACTIVE', productKey: 'MUSIC' })
        .uponReceiving('a change of merchant extension data')
        .withRequest('PATCH', seededEntitlementPath(), (req) =>
          req.headers(auth).jsonBody({ merchantExtensionData: { plan: 'family' } }),
        )
        .willRespondWith(200, (res) =>
          res.headers({ ETag: etag(2) }).jsonBody(
            merchantEntitlementResponse(EntitlementStatus.ACTIVE, {
              ...afterOneChange(),
              merchantExtensionData: { plan: 'family' },
            }),
          ),
        )
        .executeTest(async (mock) => {
          const changed = await merchantClientFor(mock.url).entitlements.updateMerchantEntitlement({
            entitlementId: EXAMPLE.entitlementId,
            merchantUpdateRequest: { merchantExtensionData: { plan: 'family' } },
          });

          assert.deepEqual(changed.merchantExtensionData, { plan: 'family' });
        });
    });
  });

  describe('activateEntitlement', () => {
    it('activates a PENDING entitlement and records the merchant’s id', async () => {
      await pact
        .addInteraction()
        .given('an entitlement exists', { status: 'PENDING', productKey: 'MUSIC_PREMIUM' })
        .uponReceiving('an activation after the user signed up')
        .withRequest('POST', seededEntitlementPath('/activate'), (req) =>
          req.headers(auth).jsonBody({ merchantEntitlementId: EXAMPLE.merchantEntitlementId }),
        )
        .willRespondWith(200, (res) =>
          res.headers({ ETag: etag(2) }).jsonBody(
            merchantEntitlementResponse(EntitlementStatus.ACTIVE, {
              ...afterOneChange(),
              merchantEntitlementId: EXAMPLE.merchantEntitlementId,
              productKey: 'MUSIC_PREMIUM',
            }),
          ),
        )
        .executeTest(async (mock) => {
          const active = await merchantClientFor(mock.url).entitlements.activateEntitlement({
            entitlementId: EXAMPLE.entitlementId,
            activateEntitlementRequest: { merchantEntitlementId: EXAMPLE.merchantEntitlementId },
          });

          assert.equal(active.status, EntitlementStatus.ACTIVE);
          assert.equal(active.merchantEntitlementId, EXAMPLE.merchantEntitlementId);
          assert.ok(active.dateActivated instanceof Date);
        });
    });
  });

  describe('terminateEntitlement', () => {
    it('cancels at a future terminationDate: ACTIVE-ENDING until then', async () => {
      await pact
        .addInteraction()
        .given('an entitlement exists', { status: 'ACTIVE', productKey: 'MUSIC' })
        .uponReceiving('a merchant cancel at a future date')
        .withRequest('POST', seededEntitlementPath('/terminate'), (req) =>
          req.headers(auth).jsonBody({
            immediate: false,
            terminationDate: isoDateTime(EXAMPLE.ends),
            reasonCategory: 'CUSTOMER_CANCELLED',
            reasonCode: 'NOT_RENEWED',
          }),
        )
        .willRespondWith(200, (res) =>
          res.headers({ ETag: etag(2) }).jsonBody(
            merchantEntitlementResponse(EntitlementStatus.ACTIVE_ENDING, {
              ...afterOneChange(),
              reasonCategory: 'CUSTOMER_CANCELLED',
              reasonCode: 'NOT_RENEWED',
            }),
          ),
        )
        .executeTest(async (mock) => {
          const ending = await merchantClientFor(mock.url).entitlements.terminateEntitlement({
            entitlementId: EXAMPLE.entitlementId,
            merchantTerminationRequest: {
              immediate: false,
              terminationDate: new Date(EXAMPLE.ends),
              reasonCategory: ReasonCategory.CUSTOMER_CANCELLED,
              reasonCode: ReasonCode.NOT_RENEWED,
            },
          });

          assert.equal(ending.status, EntitlementStatus.ACTIVE_ENDING);
          assert.ok(ending.dateEnded instanceof Date);
        });
    });

    it('revokes now when immediate is true', async () => {
      await pact
        .addInteraction()
        .given('an entitlement exists', { status: 'ACTIVE', productKey: 'MUSIC' })
        .uponReceiving('a merchant revoke')
        .withRequest('POST', seededEntitlementPath('/terminate'), (req) =>
          req.headers(auth).jsonBody({
            immediate: true,
            reasonCategory: 'REVOKED',
            reasonCode: 'ACCOUNT_TERMINATED',
          }),
        )
        .willRespondWith(200, (res) =>
          res.headers({ ETag: etag(2) }).jsonBody(
            merchantEntitlementResponse(EntitlementStatus.REVOKED, {
              ...afterOneChange(),
              reasonCategory: 'REVOKED',
              reasonCode: 'ACCOUNT_TERMINATED',
            }),
          ),
        )
        .executeTest(async (mock) => {
          const revoked = await merchantClientFor(mock.url).entitlements.terminateEntitlement({
            entitlementId: EXAMPLE.entitlementId,
            merchantTerminationRequest: {
              immediate: true,
              reasonCategory: ReasonCategory.REVOKED,
              reasonCode: ReasonCode.ACCOUNT_TERMINATED,
            },
          });

          assert.equal(revoked.status, EntitlementStatus.REVOKED);
        });
    });
  });

  describe('suspendEntitlement and resumeEntitlement', () => {
    it('suspends an ACTIVE entitlement', async () => {
      await pact
        .addInteraction()
        .given('an entitlement exists', { status: 'ACTIVE', productKey: 'MUSIC' })
        .uponReceiving('a merchant suspend')
        .withRequest('POST', seededEntitlementPath('/suspend'), (req) =>
          req.headers(auth).jsonBody({ reasonDescription: 'Payment overdue' }),
        )
        .willRespondWith(200, (res) =>
          res
            .headers({ ETag: etag(2) })
            .jsonBody(merchantEntitlementResponse(EntitlementStatus.SUSPENDED, afterOneChange())),
        )
        .executeTest(async (mock) => {
          const suspended = await merchantClientFor(mock.url).entitlements.suspendEntitlement({
            entitlementId: EXAMPLE.entitlementId,
            stateChangeRequest: { reasonDescription: 'Payment overdue' },
          });

          assert.equal(suspended.status, EntitlementStatus.SUSPENDED);
        });
    });

    it('resumes a SUSPENDED entitlement', async () => {
      await pact
        .addInteraction()
        .given('an entitlement exists', { status: 'SUSPENDED', productKey: 'MUSIC' })
        .uponReceiving('a merchant resume')
        .withRequest('POST', seededEntitlementPath('/resume'), (req) =>
          req.headers(auth).jsonBody({ reasonDescription: 'Payment received' }),
        )
        .willRespondWith(200, (res) =>
          res.headers({ ETag: etag(2) }).jsonBody(
            merchantEntitlementResponse(EntitlementStatus.ACTIVE, {
              ...afterOneChange(),
              dateResumed: isoDateTime(EXAMPLE.updated),
            }),
          ),
        )
        .executeTest(async (mock) => {
          const resumed = await merchantClientFor(mock.url).entitlements.resumeEntitlement({
            entitlementId: EXAMPLE.entitlementId,
            stateChangeRequest: { reasonDescription: 'Payment received' },
          });

          assert.equal(resumed.status, EntitlementStatus.ACTIVE);
          assert.ok(resumed.dateResumed instanceof Date);
        });
    });
  });

  describe('markCustomerNotEligible', () => {
    it('fails a PENDING entitlement whose customer the merchant refuses', async () => {
      await pact
        .addInteraction()
        .given('an entitlement exists', { status: 'PENDING', productKey: 'MUSIC_PREMIUM' })
        .uponReceiving('a refusal of the customer')
        .withRequest('POST', seededEntitlementPath('/customerNotEligible'), (req) =>
          req.headers(auth).jsonBody({ reasonDescription: 'Already a direct subscriber' }),
        )
        .willRespondWith(200, (res) =>
          res.headers({ ETag: etag(2) }).jsonBody(
            merchantEntitlementResponse(EntitlementStatus.FAILED, {
              ...afterOneChange(),
              productKey: 'MUSIC_PREMIUM',
            }),
          ),
        )
        .executeTest(async (mock) => {
          const refused = await merchantClientFor(mock.url).entitlements.markCustomerNotEligible({
            entitlementId: EXAMPLE.entitlementId,
            customerNotEligibleRequest: { reasonDescription: 'Already a direct subscriber' },
          });

          assert.equal(refused.status, EntitlementStatus.FAILED);
        });
    });
  });
});
