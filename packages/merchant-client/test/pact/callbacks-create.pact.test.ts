/**
 * Consumer side of the create callback: what Tessera's server (`tessera-server-callbacks`) needs
 * a merchant to answer when it asks for an entitlement. In the sandbox the reseller's
 * `X-Magic-Number` is passed on to the merchant, which is how each answer is asked for.
 *
 * The consumer is the generated callback client (`createCallbacksClient`), the very code Tessera's
 * server calls merchants with; it presents HTTP Basic `tessera` + the documented password. The
 * demo merchant (`tessera-demo-merchant`) verifies this pact (see README.md).
 */
import assert from 'node:assert/strict';

import { MatchersV3 } from '@pact-foundation/pact';

import { ActionParametersActionEnum, callbacks, TesseraApiError } from '../../src';
import {
  basicAuth,
  codeParameters,
  EXAMPLE,
  merchantProblem,
  problemContentType,
  signUpParameters,
} from './shapes';
import { callbacksClientFor, callbacksPact, TESSERA_CALLBACK_CREDENTIAL } from './tessera-pact';

const { like, uuid } = MatchersV3;

const pact = callbacksPact();
const auth = { Authorization: basicAuth(TESSERA_CALLBACK_CREDENTIAL) };

/** A create as Tessera's server builds it. */
const createRequest = (productKey: string): callbacks.CallbackEntitlementRequest => ({
  requestId: EXAMPLE.requestId,
  entitlementId: EXAMPLE.entitlementId,
  sharedCustomerId: EXAMPLE.sharedCustomerId,
  resellerKey: 'DEMO_TELCO',
  merchantAccountKey: 'DEMO_MUSIC',
  productKey,
  routeExtensionData: {},
});

/** The same create as the merchant may receive it: shapes, with the product as asked. */
const createBody = (productKey: string) => ({
  requestId: like(EXAMPLE.requestId),
  entitlementId: uuid(EXAMPLE.entitlementId),
  sharedCustomerId: like(EXAMPLE.sharedCustomerId),
  resellerKey: like('DEMO_TELCO'),
  merchantAccountKey: 'DEMO_MUSIC',
  productKey,
  routeExtensionData: like({}),
});

describe('merchant callbacks: create (pact with tessera-demo-merchant)', () => {
  describe('handleCreateEntitlement', () => {
    const creates = [
      { magic: 'CREATE_REQUEST_RETURNS_ACTIVATED', status: 200, as: 'activated at once' },
      { magic: 'CREATE_REQUEST_RETURNS_CREATED', status: 201, as: 'created, activated later' },
    ] as const;

    for (const { magic, status, as } of creates) {
      it(`answers ${status} when the merchant is asked for "${as}"`, async () => {
        await pact
          .addInteraction()
          .given('the merchant sells the product', { productKey: 'MUSIC' })
          .uponReceiving(`a create answered ${status} (${magic})`)
          .withRequest('POST', '/entitlements', (req) =>
            req.headers({ ...auth, 'X-Magic-Number': magic }).jsonBody(createBody('MUSIC')),
          )
          .willRespondWith(status, (res) =>
            res.jsonBody({ merchantEntitlementId: like(EXAMPLE.merchantEntitlementId) }),
          )
          .executeTest(async (mock) => {
            const answer = await callbacksClientFor(mock.url).handleCreateEntitlementRaw({
              callbackEntitlementRequest: createRequest('MUSIC'),
              xMagicNumber: magic,
            });
            const result = await answer.value();

            assert.equal(answer.raw.status, status);
            assert.equal(result.merchantEntitlementId, EXAMPLE.merchantEntitlementId);
            assert.equal(result.parameters, undefined);
          });
      });
    }

    it('answers 202 with a sign-up URL when the user must sign up', async () => {
      const magic = 'CREATE_REQUEST_RETURNS_ACTIVATION_REQUIRED';
      await pact
        .addInteraction()
        .given('the merchant sells the product', { productKey: 'MUSIC_PREMIUM' })
        .uponReceiving(`a create answered 202 with a sign-up URL (${magic})`)
        .withRequest('POST', '/entitlements', (req) =>
          req.headers({ ...auth, 'X-Magic-Number': magic }).jsonBody(createBody('MUSIC_PREMIUM')),
        )
        .willRespondWith(202, (res) =>
          res.jsonBody({
            merchantEntitlementId: like(EXAMPLE.merchantEntitlementId),
            parameters: signUpParameters(),
          }),
        )
        .executeTest(async (mock) => {
          const answer = await callbacksClientFor(mock.url).handleCreateEntitlementRaw({
            callbackEntitlementRequest: createRequest('MUSIC_PREMIUM'),
            xMagicNumber: magic,
          });
          const result = await answer.value();

          assert.equal(answer.raw.status, 202);
          assert.equal(result.parameters?.action, ActionParametersActionEnum.NAVIGATE_TO_URL);
          assert.ok(result.parameters?.urlExpiry instanceof Date);
        });
    });

    it('answers 202 with an activation code when the user must enter one', async () => {
      const magic = 'CREATE_REQUEST_RETURNS_ACTIVATION_CODE';
      await pact
        .addInteraction()
        .given('the merchant sells the product', { productKey: 'MUSIC_PREMIUM' })
        .uponReceiving(`a create answered 202 with an activation code (${magic})`)
        .withRequest('POST', '/entitlements', (req) =>
          req.headers({ ...auth, 'X-Magic-Number': magic }).jsonBody(createBody('MUSIC_PREMIUM')),
        )
        .willRespondWith(202, (res) =>
          res.jsonBody({
            merchantEntitlementId: like(EXAMPLE.merchantEntitlementId),
            parameters: codeParameters(),
          }),
        )
        .executeTest(async (mock) => {
          const answer = await callbacksClientFor(mock.url).handleCreateEntitlementRaw({
            callbackEntitlementRequest: createRequest('MUSIC_PREMIUM'),
            xMagicNumber: magic,
          });
          const result = await answer.value();

          assert.equal(answer.raw.status, 202);
          assert.equal(result.parameters?.action, ActionParametersActionEnum.ENTER_ACTIVATION_CODE);
          assert.ok(result.parameters?.activationCode);
        });
    });

    it('answers 409 problem details when the merchant refuses the customer', async () => {
      const magic = 'REQUEST_RETURNS_REFUSAL';
      await pact
        .addInteraction()
        .given('the merchant sells the product', { productKey: 'MUSIC' })
        .uponReceiving(`a create the merchant refuses (${magic})`)
        .withRequest('POST', '/entitlements', (req) =>
          req.headers({ ...auth, 'X-Magic-Number': magic }).jsonBody(createBody('MUSIC')),
        )
        .willRespondWith(409, (res) =>
          res
            .headers({ 'Content-Type': problemContentType() })
            .jsonBody(merchantProblem(409, 'CONFLICT')),
        )
        .executeTest(async (mock) => {
          const call = callbacksClientFor(mock.url).handleCreateEntitlement({
            callbackEntitlementRequest: createRequest('MUSIC'),
            xMagicNumber: magic,
          });

          await assert.rejects(call, (error: unknown) => {
            assert.ok(error instanceof TesseraApiError);
            assert.equal(error.status, 409);
            return true;
          });
        });
    });
  });
});
