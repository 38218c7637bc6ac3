/**
 * Consumer side of the failures a merchant integration must handle. Each answer is problem
 * details (`application/problem+json`, matched by a regex on Content-Type) and reaches the
 * caller as a `TesseraApiError` whose `responseCode` says what happened.
 */
import assert from 'node:assert/strict';

import { MatchersV3 } from '@pact-foundation/pact';

import { TesseraApiError } from '../../src';
import { basicAuth, EXAMPLE, problem, problemContentType, seededEntitlementPath } from './shapes';
import { merchantApiPact, merchantClientFor, SANDBOX_MERCHANT } from './tessera-pact';

const { eachLike, like, regex } = MatchersV3;

const pact = merchantApiPact();
const auth = { Authorization: basicAuth(SANDBOX_MERCHANT) };
const problemHeaders = { 'Content-Type': problemContentType() };

/** The `TesseraApiError` that `call` rejects with; fails if it resolves or rejects otherwise. */
async function apiError(call: Promise<unknown>): Promise<TesseraApiError> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof TesseraApiError, `expected a TesseraApiError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

describe('merchant API: failures (pact with tessera-server)', () => {
  it('answers 401 UNAUTHORIZED to a wrong password', async () => {
    const wrong = { username: 'sandbox-merchant', password: 'not-the-secret' };
    await pact
      .addInteraction()
      .given('a merchant credential exists', {
        username: 'sandbox-merchant',
        merchantAccountKey: 'DEMO_MUSIC',
      })
      .uponReceiving('a merchant echo with a wrong password')
      .withRequest('GET', '/merchant/v1/echo/ping-1', (req) =>
        req.headers({ Authorization: basicAuth(wrong) }),
      )
      .willRespondWith(401, (res) =>
        res
          .headers({
            ...problemHeaders,
            'WWW-Authenticate': regex('^Basic\\b.*', 'Basic realm="tessera"'),
          })
          .jsonBody(problem(401, 'UNAUTHORIZED')),
      )
      .executeTest(async (mock) => {
        const client = merchantClientFor(mock.url, wrong);
        const error = await apiError(client.connectivity.echoMerchant({ echoRequestId: 'ping-1' }));

        assert.equal(error.status, 401);
        assert.equal(error.responseCode, 'UNAUTHORIZED');
      });
  });

  it('answers 404 NOT_FOUND for an entitlement that is not the merchant’s', async () => {
    const unknownId = '3f0e9b1c-7a2d-4c8e-9f6b-1d2c3b4a5e6f';
    await pact
      .addInteraction()
      .given('no entitlement has the id', { entitlementId: unknownId })
      .uponReceiving('a merchant request for an unknown entitlement')
      .withRequest('GET', `/merchant/v1/entitlement/${unknownId}`, (req) => req.headers(auth))
      .willRespondWith(404, (res) =>
        res.headers(problemHeaders).jsonBody(problem(404, 'NOT_FOUND')),
      )
      .executeTest(async (mock) => {
        const client = merchantClientFor(mock.url);
        const error = await apiError(
          client.entitlements.getMerchantEntitlement({ entitlementId: unknownId }),
        );

        assert.equal(error.status, 404);
        assert.equal(error.responseCode, 'NOT_FOUND');
      });
  });

  it('answers 409 CONFLICT to a change the state machine does not allow', async () => {
    await pact
      .addInteraction()
      .given('an entitlement exists', { status: 'PENDING', productKey: 'MUSIC_PREMIUM' })
      .uponReceiving('a suspend of a pending entitlement')
      .withRequest('POST', seededEntitlementPath('/suspend'), (req) =>
        req.headers(auth).jsonBody({ reasonDescription: 'Payment overdue' }),
      )
      .willRespondWith(409, (res) => res.headers(problemHeaders).jsonBody(problem(409, 'CONFLICT')))
      .executeTest(async (mock) => {
        const client = merchantClientFor(mock.url);
        const error = await apiError(
          client.entitlements.suspendEntitlement({
            entitlementId: EXAMPLE.entitlementId,
            stateChangeRequest: { reasonDescription: 'Payment overdue' },
          }),
        );

        assert.equal(error.status, 409);
        assert.equal(error.responseCode, 'CONFLICT');
      });
  });

  it('answers 400 BAD_REQUEST naming each invalid field', async () => {
    await pact
      .addInteraction()
      .given('an entitlement exists', { status: 'ACTIVE', productKey: 'MUSIC' })
      .uponReceiving('a product change to an empty product key')
      .withRequest('PATCH', seededEntitlementPath(), (req) =>
        req.headers(auth).jsonBody({ productKey: '' }),
      )
      .willRespondWith(400, (res) =>
        res.headers(problemHeaders).jsonBody(
          problem(400, 'BAD_REQUEST', {
            errors: eachLike({ field: '/productKey', message: like('is too short') }),
          }),
        ),
      )
      .executeTest(async (mock) => {
        const client = merchantClientFor(mock.url);
        const error = await apiError(
          client.entitlements.updateMerchantEntitlement({
            entitlementId: EXAMPLE.entitlementId,
            merchantUpdateRequest: { productKey: '' },
          }),
        );

        assert.equal(error.status, 400);
        assert.equal(error.responseCode, 'BAD_REQUEST');
        assert.deepEqual(
          error.fieldErrors.map((fieldError) => fieldError.field),
          ['/productKey'],
        );
      });
  });
});
