/**
 * Consumer side of the callbacks on an entitlement the merchant already holds: activation info,
 * product change, suspend, resume and terminate (`immediate` false and true). The merchant
 * generates its own subscription id; it flows back into the paths with `fromProviderState`.
 *
 * The consumer is the generated callback client (`createCallbacksClient`), the very code Tessera's
 * server calls merchants with; it presents HTTP Basic `tessera` + the documented password. The
 * demo merchant (`tessera-demo-merchant`) verifies this pact (see README.md).
 */
import assert from 'node:assert/strict';

import { MatchersV3 } from '@pact-foundation/pact';

import { ActionParametersActionEnum, callbacks } from '../../src';
import {
  basicAuth,
  codeParameters,
  EXAMPLE,
  isoDateTime,
  signUpParameters,
  subscriptionPath,
} from './shapes';
import { callbacksClientFor, callbacksPact, TESSERA_CALLBACK_CREDENTIAL } from './tessera-pact';

const { fromProviderState, like, uuid } = MatchersV3;

const pact = callbacksPact();
const auth = { Authorization: basicAuth(TESSERA_CALLBACK_CREDENTIAL) };

/** The provider state of a subscription the merchant holds for Tessera's entitlement. */
const holding = (status: string, productKey = 'MUSIC') => ({
  entitlementId: EXAMPLE.entitlementId,
  productKey,
  status,
});

/** A suspend or resume as Tessera sends it. */
const stateChange = (reasonDescription: string) => ({
  requestId: EXAMPLE.requestId,
  entitlementId: EXAMPLE.entitlementId,
  reasonDescription,
});

describe('merchant callbacks on an entitlement the merchant holds (tessera-demo-merchant)', () => {
  describe('handleGetActivationInfo', () => {
    it('answers a fresh sign-up URL for a pending subscription', async () => {
      await pact
        .addInteraction()
        .given('the merchant holds a subscription', holding('PENDING', 'MUSIC_PREMIUM'))
        .uponReceiving('a request for a fresh activation URL')
        .withRequest('GET', subscriptionPath('/activationInfo'), (req) => req.headers(auth))
        .willRespondWith(200, (res) => res.jsonBody({ parameters: signUpParameters() }))
        .executeTest(async (mock) => {
          const info = await callbacksClientFor(mock.url).handleGetActivationInfo({
            merchantEntitlementId: EXAMPLE.merchantEntitlementId,
          });

          assert.equal(info.parameters.action, ActionParametersActionEnum.NAVIGATE_TO_URL);
          assert.ok(info.parameters.url);
        });
    });

    it('answers an activation code when asked for one', async () => {
      const magic = 'ACTIVATION_INFO_RETURNS_ACTIVATION_CODE';
      await pact
        .addInteraction()
        .given('the merchant holds a subscription', holding('PENDING', 'MUSIC_PREMIUM'))
        .uponReceiving(`a request for activation info (${magic})`)
        .withRequest('GET', subscriptionPath('/activationInfo'), (req) =>
          req.headers({ ...auth, 'X-Magic-Number': magic }),
        )
        .willRespondWith(200, (res) => res.jsonBody({ parameters: codeParameters() }))
        .executeTest(async (mock) => {
          const info = await callbacksClientFor(mock.url).handleGetActivationInfo({
            merchantEntitlementId: EXAMPLE.merchantEntitlementId,
            xMagicNumber: magic,
          });

          assert.equal(info.parameters.action, ActionParametersActionEnum.ENTER_ACTIVATION_CODE);
        });
    });
  });

  describe('handleUpdateEntitlement', () => {
    it('answers 200 to a product change', async () => {
      await pact
        .addInteraction()
        .given('the merchant holds a subscription', holding('ACTIVE'))
        .uponReceiving('a product change')
        .withRequest('PATCH', subscriptionPath(), (req) =>
          req.headers(auth).jsonBody({
            requestId: like(EXAMPLE.requestId),
            entitlementId: uuid(EXAMPLE.entitlementId),
            productKey: 'MUSIC_PREMIUM',
            previousProductKey: 'MUSIC',
          }),
        )
        .willRespondWith(200, (res) =>
          res.jsonBody({
            merchantEntitlementId: fromProviderState(
              '${merchantEntitlementId}',
              EXAMPLE.merchantEntitlementId,
            ),
          }),
        )
        .executeTest(async (mock) => {
          const result = await callbacksClientFor(mock.url).handleUpdateEntitlement({
            merchantEntitlementId: EXAMPLE.merchantEntitlementId,
            callbackUpdateRequest: {
              requestId: EXAMPLE.requestId,
              entitlementId: EXAMPLE.entitlementId,
              productKey: 'MUSIC_PREMIUM',
              previousProductKey: 'MUSIC',
            },
          });

          assert.equal(result.merchantEntitlementId, EXAMPLE.merchantEntitlementId);
        });
    });
  });

  describe('handleSuspendEntitlement and handleResumeEntitlement', () => {
    it('answers 200 to a suspend', async () => {
      await pact
        .addInteraction()
        .given('the merchant holds a subscription', holding('ACTIVE'))
        .uponReceiving('a suspend')
        .withRequest('POST', subscriptionPath('/suspend'), (req) =>
          req.headers(auth).jsonBody({
            requestId: like(EXAMPLE.requestId),
            entitlementId: uuid(EXAMPLE.entitlementId),
            reasonDescription: like('Payment overdue'),
          }),
        )
        .willRespondWith(200, (res) => res.jsonBody({}))
        .executeTest(async (mock) => {
          const answer = await callbacksClientFor(mock.url).handleSuspendEntitlementRaw({
            merchantEntitlementId: EXAMPLE.merchantEntitlementId,
            callbackStateChangeRequest: stateChange('Payment overdue'),
          });

          assert.equal(answer.raw.status, 200);
          assert.equal(typeof (await answer.value()), 'object');
        });
    });

    it('answers 200 to a resume', async () => {
      await pact
        .addInteraction()
        .given('the merchant holds a subscription', holding('SUSPENDED'))
        .uponReceiving('a resume')
        .withRequest('POST', subscriptionPath('/resume'), (req) =>
          req.headers(auth).jsonBody({
            requestId: like(EXAMPLE.requestId),
            entitlementId: uuid(EXAMPLE.entitlementId),
            reasonDescription: like('Payment received'),
          }),
        )
        .willRespondWith(200, (res) => res.jsonBody({}))
        .executeTest(async (mock) => {
          const answer = await callbacksClientFor(mock.url).handleResumeEntitlementRaw({
            merchantEntitlementId: EXAMPLE.merchantEntitlementId,
            callbackStateChangeRequest: stateChange('Payment received'),
          });

          assert.equal(answer.raw.status, 200);
        });
    });
  });

  describe('handleTerminateEntitlement', () => {
    const terminate = (immediate: boolean): callbacks.CallbackTerminationRequest => ({
      requestId: EXAMPLE.requestId,
      entitlementId: EXAMPLE.entitlementId,
      immediate,
      reasonCategory: immediate
        ? callbacks.ReasonCategory.REVOKED
        : callbacks.ReasonCategory.CUSTOMER_CANCELLED,
      reasonCode: immediate ? callbacks.ReasonCode.FRAUD : callbacks.ReasonCode.NOT_RENEWED,
    });
    const terminateBody = (immediate: boolean) => ({
      requestId: like(EXAMPLE.requestId),
      entitlementId: uuid(EXAMPLE.entitlementId),
      immediate,
      reasonCategory: immediate ? 'REVOKED' : 'CUSTOMER_CANCELLED',
      reasonCode: immediate ? 'FRAUD' : 'NOT_RENEWED',
    });

    it('answers the terminationDate to an end-of-period cancel (immediate: false)', async () => {
      await pact
        .addInteraction()
        .given('the merchant holds a subscription', holding('ACTIVE'))
        .uponReceiving('a cancel at the end of the period')
        .withRequest('POST', subscriptionPath('/terminate'), (req) =>
          req.headers(auth).jsonBody(terminateBody(false)),
        )
        .willRespondWith(200, (res) =>
          res.jsonBody({ terminationDate: isoDateTime('2027-01-03T10:00:00.000Z') }),
        )
        .executeTest(async (mock) => {
          const result = await callbacksClientFor(mock.url).handleTerminateEntitlement({
            merchantEntitlementId: EXAMPLE.merchantEntitlementId,
            callbackTerminationRequest: terminate(false),
          });

          assert.ok(result.terminationDate instanceof Date);
        });
    });

    it('answers 200 to a revoke (immediate: true)', async () => {
      await pact
        .addInteraction()
        .given('the merchant holds a subscription', holding('ACTIVE'))
        .uponReceiving('a revoke')
        .withRequest('POST', subscriptionPath('/terminate'), (req) =>
          req.headers(auth).jsonBody(terminateBody(true)),
        )
        .willRespondWith(200, (res) => res.jsonBody({}))
        .executeTest(async (mock) => {
          const answer = await callbacksClientFor(mock.url).handleTerminateEntitlementRaw({
            merchantEntitlementId: EXAMPLE.merchantEntitlementId,
            callbackTerminationRequest: terminate(true),
          });

          assert.equal(answer.raw.status, 200);
        });
    });
  });
});
