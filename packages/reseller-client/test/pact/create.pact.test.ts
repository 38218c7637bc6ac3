/**
 * Consumer side of creating entitlements through the reseller API: the three synchronous answers
 * a create can get (200 `ACTIVE`, 201 `PENDING`, 202 with a sign-up URL) and a fresh activation
 * URL for a `PENDING` one. Every interaction drives the generated client
 * (`createResellerClient`) against the Pact mock server; `tessera-server` replays them in its
 * provider verification, seeding each `given(...)` state (see README.md).
 */
import assert from 'node:assert/strict';

import { MatchersV3 } from '@pact-foundation/pact';

import {
  ActionParametersActionEnum,
  EntitlementStatus,
  SuccessCode,
  type CreateEntitlementRequest,
} from '../../src';
import {
  basicAuth,
  entitlementResponse,
  etag,
  EXAMPLE,
  isoDateTime,
  oneOf,
  seededEntitlementId,
  seededEntitlementPath,
} from './shapes';
import { clientFor, SANDBOX_RESELLER, tesseraPact } from './tessera-pact';

const { like, regex } = MatchersV3;

const pact = tesseraPact('tessera-server');
const auth = { Authorization: basicAuth(SANDBOX_RESELLER) };
const signUp = {
  action: ActionParametersActionEnum.NAVIGATE_TO_URL,
  url: regex('^https?://\\S+$', 'https://music.merchant.test/signup/7d3f2c4e'),
  urlExpiry: isoDateTime('2026-12-04T10:00:00.000Z'),
};

describe('reseller API: creating entitlements (pact with tessera-server)', () => {
  describe('createEntitlement', () => {
    const create = (productKey: string): CreateEntitlementRequest => ({
      customerIdentifier: EXAMPLE.customerIdentifier,
      merchantAccountKey: 'DEMO_MUSIC',
      productKey,
    });
    const createBody = (productKey: string) => ({
      customerIdentifier: like(EXAMPLE.customerIdentifier),
      merchantAccountKey: 'DEMO_MUSIC',
      productKey,
    });
    const noEntitlement = (productKey: string) => ({
      customerIdentifier: EXAMPLE.customerIdentifier,
      merchantAccountKey: 'DEMO_MUSIC',
      productKey,
    });

    it('returns 200 and an ACTIVE entitlement when the merchant activates at once', async () => {
      const magic = 'CREATE_REQUEST_RETURNS_ACTIVATED';
      await pact
        .addInteraction()
        .given('the customer holds no entitlement', noEntitlement('MUSIC'))
        .uponReceiving('a create that the merchant activates at once')
        .withRequest('POST', '/v1/entitlement', (req) =>
          req.headers({ ...auth, 'X-Magic-Number': magic }).jsonBody(createBody('MUSIC')),
        )
        .willRespondWith(200, (res) =>
          res
            .headers({ ETag: etag() })
            .jsonBody(entitlementResponse(EntitlementStatus.ACTIVE, 'OK', { productKey: 'MUSIC' })),
        )
        .executeTest(async (mock) => {
          const answer = await clientFor(mock.url).entitlements.createEntitlementRaw({
            createEntitlementRequest: create('MUSIC'),
            xMagicNumber: magic,
          });
          const created = await answer.value();

          assert.equal(answer.raw.status, 200);
          assert.equal(created.status, EntitlementStatus.ACTIVE);
          assert.equal(created.responseCode, SuccessCode.OK);
          assert.ok(created.dateActivated instanceof Date);
        });
    });

    it('returns 201 and a PENDING entitlement when the merchant activates later', async () => {
      const magic = 'CREATE_REQUEST_RETURNS_CREATED';
      await pact
        .addInteraction()
        .given('the customer holds no entitlement', noEntitlement('MUSIC'))
        .uponReceiving('a create that the merchant will activate later')
        .withRequest('POST', '/v1/entitlement', (req) =>
          req.headers({ ...auth, 'X-Magic-Number': magic }).jsonBody(createBody('MUSIC')),
        )
        .willRespondWith(201, (res) =>
          res
            .headers({
              ETag: etag(),
              Location: regex(
                '/v1/entitlement/[0-9a-f-]{36}$',
                `/v1/entitlement/${EXAMPLE.entitlementId}`,
              ),
            })
            .jsonBody(entitlementResponse(EntitlementStatus.PENDING, 'CREATED')),
        )
        .executeTest(async (mock) => {
          const answer = await clientFor(mock.url).entitlements.createEntitlementRaw({
            createEntitlementRequest: create('MUSIC'),
            xMagicNumber: magic,
          });
          const created = await answer.value();

          assert.equal(answer.raw.status, 201);
          assert.equal(created.status, EntitlementStatus.PENDING);
          assert.equal(created.responseCode, SuccessCode.CREATED);
          assert.equal(answer.raw.headers.get('location')?.endsWith(created.entitlementId), true);
        });
    });

    it('returns 202 with a sign-up URL when the user must act first', async () => {
      const magic = 'CREATE_REQUEST_RETURNS_ACTIVATION_REQUIRED';
      await pact
        .addInteraction()
        .given('the customer holds no entitlement', noEntitlement('MUSIC_PREMIUM'))
        .uponReceiving('a create for which the user must sign up at the merchant')
        .withRequest('POST', '/v1/entitlement', (req) =>
          req.headers({ ...auth, 'X-Magic-Number': magic }).jsonBody(createBody('MUSIC_PREMIUM')),
        )
        .willRespondWith(202, (res) =>
          res.headers({ ETag: etag() }).jsonBody(
            entitlementResponse(EntitlementStatus.PENDING, 'CLIENT_ACTION_REQUIRED', {
              productKey: 'MUSIC_PREMIUM',
              parameters: signUp,
            }),
          ),
        )
        .executeTest(async (mock) => {
          const answer = await clientFor(mock.url).entitlements.createEntitlementRaw({
            createEntitlementRequest: create('MUSIC_PREMIUM'),
            xMagicNumber: magic,
          });
          const created = await answer.value();

          assert.equal(answer.raw.status, 202);
          assert.equal(created.status, EntitlementStatus.PENDING);
          assert.equal(created.responseCode, SuccessCode.CLIENT_ACTION_REQUIRED);
          assert.equal(created.parameters?.action, ActionParametersActionEnum.NAVIGATE_TO_URL);
          assert.match(created.parameters?.url ?? '', /^https?:\/\//);
          assert.ok(created.parameters?.urlExpiry instanceof Date);
        });
    });
  });

  describe('getActivationInfo', () => {
    it('returns a fresh sign-up URL for a PENDING entitlement', async () => {
      await pact
        .addInteraction()
        .given('an entitlement exists', { status: 'PENDING', productKey: 'MUSIC_PREMIUM' })
        .uponReceiving('a request for a fresh activation URL')
        .withRequest('GET', seededEntitlementPath('/activationInfo'), (req) => req.headers(auth))
        .willRespondWith(200, (res) =>
          res.headers({ ETag: etag() }).jsonBody(
            entitlementResponse(EntitlementStatus.PENDING, oneOf(SuccessCode, 'OK'), {
              entitlementId: seededEntitlementId(),
              productKey: 'MUSIC_PREMIUM',
              parameters: signUp,
            }),
          ),
        )
        .executeTest(async (mock) => {
          const info = await clientFor(mock.url).entitlements.getActivationInfo({
            entitlementId: EXAMPLE.entitlementId,
          });

          assert.equal(info.status, EntitlementStatus.PENDING);
          assert.equal(info.parameters?.action, ActionParametersActionEnum.NAVIGATE_TO_URL);
          assert.ok(info.parameters?.url);
        });
    });
  });
});
