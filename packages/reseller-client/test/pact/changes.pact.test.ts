/**
 * Consumer side of changing and ending entitlements through the reseller API: product change,
 * suspend, resume, reverting a pending cancellation, cancel (→ `ACTIVE-ENDING`) and revoke,
 * through the generated client.
 */
import assert from 'node:assert/strict';

import { MatchersV3 } from '@pact-foundation/pact';

import {
  EntitlementStatus,
  ReasonCategory,
  ReasonCode,
  UpdateEntitlementRequestEntitlementBenefitsEnum as Benefits,
} from '../../src';
import {
  basicAuth,
  entitlementResponse,
  etag,
  EXAMPLE,
  isoDateTime,
  seededEntitlementId,
  seededEntitlementPath,
} from './shapes';
import { clientFor, SANDBOX_RESELLER, tesseraPact } from './tessera-pact';

const { integer, like } = MatchersV3;

const pact = tesseraPact('tessera-server');
const auth = { Authorization: basicAuth(SANDBOX_RESELLER) };

/** The fields of an entitlement the provider state seeded, after one change. */
const afterOneChange = () => ({ entitlementId: seededEntitlementId(), version: integer(2) });

describe('reseller API: changing and ending entitlements (pact with tessera-server)', () => {
  describe('updateEntitlement', () => {
    it('moves an ACTIVE entitlement to another product', async () => {
      await pact
        .addInteraction()
        .given('an entitlement exists', { status: 'ACTIVE', productKey: 'MUSIC' })
        .uponReceiving('a product change')
        .withRequest('PATCH', seededEntitlementPath(), (req) =>
          req.headers(auth).jsonBody({ productKey: 'MUSIC_PREMIUM' }),
        )
        .willRespondWith(200, (res) =>
          res.headers({ ETag: etag(2) }).jsonBody(
            entitlementResponse(EntitlementStatus.ACTIVE, 'OK', {
              ...afterOneChange(),
              productKey: 'MUSIC_PREMIUM',
            }),
          ),
        )
        .executeTest(async (mock) => {
          const changed = await clientFor(mock.url).entitlements.updateEntitlement({
            entitlementId: EXAMPLE.entitlementId,
            updateEntitlementRequest: { productKey: 'MUSIC_PREMIUM' },
          });

          assert.equal(changed.productKey, 'MUSIC_PREMIUM');
          assert.equal(changed.status, EntitlementStatus.ACTIVE);
        });
    });

    it('suspends an ACTIVE entitlement (entitlementBenefits: SUSPENDED)', async () => {
      await pact
        .addInteraction()
        .given('an entitlement exists', { status: 'ACTIVE', productKey: 'MUSIC' })
        .uponReceiving('a suspend')
        .withRequest('PATCH', seededEntitlementPath(), (req) =>
          req.headers(auth).jsonBody({ entitlementBenefits: 'SUSPENDED' }),
        )
        .willRespondWith(200, (res) =>
          res.headers({ ETag: etag(2) }).jsonBody(
            entitlementResponse(EntitlementStatus.SUSPENDED, 'OK', {
              ...afterOneChange(),
            }),
          ),
        )
        .executeTest(async (mock) => {
          const suspended = await clientFor(mock.url).entitlements.updateEntitlement({
            entitlementId: EXAMPLE.entitlementId,
            updateEntitlementRequest: { entitlementBenefits: Benefits.SUSPENDED },
          });

          assert.equal(suspended.status, EntitlementStatus.SUSPENDED);
          assert.ok(suspended.dateSuspended instanceof Date);
        });
    });

    it('resumes a SUSPENDED entitlement (entitlementBenefits: NORMAL)', async () => {
      await pact
        .addInteraction()
        .given('an entitlement exists', { status: 'SUSPENDED', productKey: 'MUSIC' })
        .uponReceiving('a resume')
        .withRequest('PATCH', seededEntitlementPath(), (req) =>
          req.headers(auth).jsonBody({ entitlementBenefits: 'NORMAL' }),
        )
        .willRespondWith(200, (res) =>
          res.headers({ ETag: etag(2) }).jsonBody(
            entitlementResponse(EntitlementStatus.ACTIVE, 'OK', {
              ...afterOneChange(),
              dateResumed: isoDateTime(EXAMPLE.updated),
            }),
          ),
        )
        .executeTest(async (mock) => {
          const resumed = await clientFor(mock.url).entitlements.updateEntitlement({
            entitlementId: EXAMPLE.entitlementId,
            updateEntitlementRequest: { entitlementBenefits: Benefits.NORMAL },
          });

          assert.equal(resumed.status, EntitlementStatus.ACTIVE);
          assert.ok(resumed.dateResumed instanceof Date);
        });
    });

    it('reverts the pending cancellation of an ACTIVE-ENDING entitlement', async () => {
      await pact
        .addInteraction()
        .given('an entitlement exists', { status: 'ACTIVE-ENDING', productKey: 'MUSIC' })
        .uponReceiving('a revert of a pending cancellation')
        .withRequest('PATCH', seededEntitlementPath(), (req) =>
          req.headers(auth).jsonBody({ revertCancellation: true }),
        )
        .willRespondWith(200, (res) =>
          res.headers({ ETag: etag(2) }).jsonBody(
            entitlementResponse(EntitlementStatus.ACTIVE, 'OK', {
              ...afterOneChange(),
            }),
          ),
        )
        .executeTest(async (mock) => {
          const reverted = await clientFor(mock.url).entitlements.updateEntitlement({
            entitlementId: EXAMPLE.entitlementId,
            updateEntitlementRequest: { revertCancellation: true },
          });

          assert.equal(reverted.status, EntitlementStatus.ACTIVE);
          assert.equal(reverted.dateEnded, null);
        });
    });
  });

  describe('cancelEntitlement', () => {
    it('moves an ACTIVE entitlement to ACTIVE-ENDING until dateEnded', async () => {
      await pact
        .addInteraction()
        .given('an entitlement exists', { status: 'ACTIVE', productKey: 'MUSIC' })
        .uponReceiving('a cancel at the end of the period')
        .withRequest('POST', seededEntitlementPath('/cancel'), (req) =>
          req
            .headers(auth)
            .jsonBody({ reasonCategory: 'CUSTOMER_CANCELLED', reasonCode: 'NOT_RENEWED' }),
        )
        .willRespondWith(200, (res) =>
          res.headers({ ETag: etag(2) }).jsonBody(
            entitlementResponse(EntitlementStatus.ACTIVE_ENDING, 'OK', {
              ...afterOneChange(),
              reasonCategory: 'CUSTOMER_CANCELLED',
              reasonCode: 'NOT_RENEWED',
            }),
          ),
        )
        .executeTest(async (mock) => {
          const ending = await clientFor(mock.url).entitlements.cancelEntitlement({
            entitlementId: EXAMPLE.entitlementId,
            terminationRequest: {
              reasonCategory: ReasonCategory.CUSTOMER_CANCELLED,
              reasonCode: ReasonCode.NOT_RENEWED,
            },
          });

          assert.equal(ending.status, EntitlementStatus.ACTIVE_ENDING);
          assert.ok(ending.dateEnded instanceof Date);
        });
    });
  });

  describe('revokeEntitlement', () => {
    it('ends an ACTIVE entitlement now: REVOKED', async () => {
      await pact
        .addInteraction()
        .given('an entitlement exists', { status: 'ACTIVE', productKey: 'MUSIC' })
        .uponReceiving('a revoke')
        .withRequest('POST', seededEntitlementPath('/revoke'), (req) =>
          req.headers(auth).jsonBody({
            reasonCategory: 'REVOKED',
            reasonCode: 'FRAUD',
            reasonDescription: like('Chargeback on the bundle'),
          }),
        )
        .willRespondWith(200, (res) =>
          res.headers({ ETag: etag(2) }).jsonBody(
            entitlementResponse(EntitlementStatus.REVOKED, 'OK', {
              ...afterOneChange(),
              reasonCategory: 'REVOKED',
              reasonCode: 'FRAUD',
            }),
          ),
        )
        .executeTest(async (mock) => {
          const revoked = await clientFor(mock.url).entitlements.revokeEntitlement({
            entitlementId: EXAMPLE.entitlementId,
            terminationRequest: {
              reasonCategory: ReasonCategory.REVOKED,
              reasonCode: ReasonCode.FRAUD,
              reasonDescription: 'Chargeback on the bundle',
            },
          });

          assert.equal(revoked.status, EntitlementStatus.REVOKED);
          assert.equal(revoked.reasonCode, ReasonCode.FRAUD);
          assert.ok(revoked.dateEnded instanceof Date);
        });
    });
  });
});
