/**
 * Consumer side of the failures a reseller integration must handle. Each answer is problem
 * details (`application/problem+json`, matched by a regex on Content-Type) and reaches the
 * caller as a `TesseraApiError` whose `responseCode` says what happened; plus the idempotent
 * replay, which is the success a retry gets.
 */
import assert from 'node:assert/strict';

import { MatchersV3 } from '@pact-foundation/pact';

import {
  EntitlementStatus,
  ReasonCategory,
  ReasonCode,
  TesseraApiError,
  type CreateEntitlementRequest,
} from '../../src';
import {
  basicAuth,
  entitlementResponse,
  etag,
  EXAMPLE,
  problem,
  problemContentType,
  seededEntitlementId,
  seededEntitlementPath,
} from './shapes';
import { clientFor, SANDBOX_RESELLER, tesseraPact } from './tessera-pact';

const { eachLike, like, regex } = MatchersV3;

const pact = tesseraPact('tessera-server');
const auth = { Authorization: basicAuth(SANDBOX_RESELLER) };
const problemHeaders = { 'Content-Type': problemContentType() };
const musicFor = (customerIdentifier: string): CreateEntitlementRequest => ({
  customerIdentifier,
  merchantAccountKey: 'DEMO_MUSIC',
  productKey: 'MUSIC',
});

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

describe('reseller API: failures and retries (pact with tessera-server)', () => {
  it('answers 401 UNAUTHORIZED to a wrong password', async () => {
    const wrong = { username: 'sandbox-reseller', password: 'not-the-secret' };
    await pact
      .addInteraction()
      .given('a reseller credential exists', { username: 'sandbox-reseller', sandbox: true })
      .uponReceiving('an echo with a wrong password')
      .withRequest('GET', '/v1/echo/ping-1', (req) =>
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
        const call = clientFor(mock.url, wrong).connectivity.echo({ echoRequestId: 'ping-1' });
        const error = await apiError(call);

        assert.equal(error.status, 401);
        assert.equal(error.responseCode, 'UNAUTHORIZED');
      });
  });

  it('answers 400 BAD_REQUEST naming each invalid field', async () => {
    await pact
      .addInteraction()
      .given('a reseller credential exists', { username: 'sandbox-reseller', sandbox: true })
      .uponReceiving('a create with an empty customer identifier')
      .withRequest('POST', '/v1/entitlement', (req) => req.headers(auth).jsonBody(musicFor('')))
      .willRespondWith(400, (res) =>
        res.headers(problemHeaders).jsonBody(
          problem(400, 'BAD_REQUEST', {
            errors: eachLike({ field: '/customerIdentifier', message: like('is too short') }),
          }),
        ),
      )
      .executeTest(async (mock) => {
        const call = clientFor(mock.url).entitlements.createEntitlement({
          createEntitlementRequest: musicFor(''),
        });
        const error = await apiError(call);

        assert.equal(error.status, 400);
        assert.equal(error.responseCode, 'BAD_REQUEST');
        assert.deepEqual(
          error.fieldErrors.map((fieldError) => fieldError.field),
          ['/customerIdentifier'],
        );
      });
  });

  it('answers 404 NOT_FOUND for an entitlement the reseller does not have', async () => {
    const unknownId = '3f0e9b1c-7a2d-4c8e-9f6b-1d2c3b4a5e6f';
    await pact
      .addInteraction()
      .given('no entitlement has the id', { entitlementId: unknownId })
      .uponReceiving('a request for an unknown entitlement')
      .withRequest('GET', `/v1/entitlement/${unknownId}`, (req) => req.headers(auth))
      .willRespondWith(404, (res) =>
        res.headers(problemHeaders).jsonBody(problem(404, 'NOT_FOUND')),
      )
      .executeTest(async (mock) => {
        const call = clientFor(mock.url).entitlements.getEntitlement({ entitlementId: unknownId });
        const error = await apiError(call);

        assert.equal(error.status, 404);
        assert.equal(error.responseCode, 'NOT_FOUND');
      });
  });

  it('answers 409 CONFLICT to a change of a terminal (REVOKED) entitlement', async () => {
    await pact
      .addInteraction()
      .given('an entitlement exists', { status: 'REVOKED', productKey: 'MUSIC' })
      .uponReceiving('a cancel of a revoked entitlement')
      .withRequest('POST', seededEntitlementPath('/cancel'), (req) =>
        req.headers(auth).jsonBody({ reasonCategory: 'CUSTOMER_CANCELLED', reasonCode: 'OTHER' }),
      )
      .willRespondWith(409, (res) => res.headers(problemHeaders).jsonBody(problem(409, 'CONFLICT')))
      .executeTest(async (mock) => {
        const call = clientFor(mock.url).entitlements.cancelEntitlement({
          entitlementId: EXAMPLE.entitlementId,
          terminationRequest: {
            reasonCategory: ReasonCategory.CUSTOMER_CANCELLED,
            reasonCode: ReasonCode.OTHER,
          },
        });
        const error = await apiError(call);

        assert.equal(error.status, 409);
        assert.equal(error.responseCode, 'CONFLICT');
      });
  });

  it('answers 409 LIMIT_REACHED to a second create for a product the customer holds', async () => {
    await pact
      .addInteraction()
      .given('an entitlement exists', {
        status: 'ACTIVE',
        productKey: 'MUSIC',
        customerIdentifier: EXAMPLE.customerIdentifier,
      })
      .uponReceiving('a create for a customer who already holds the product')
      .withRequest('POST', '/v1/entitlement', (req) =>
        req.headers(auth).jsonBody(musicFor(EXAMPLE.customerIdentifier)),
      )
      .willRespondWith(409, (res) =>
        res.headers(problemHeaders).jsonBody(problem(409, 'LIMIT_REACHED')),
      )
      .executeTest(async (mock) => {
        const call = clientFor(mock.url).entitlements.createEntitlement({
          createEntitlementRequest: musicFor(EXAMPLE.customerIdentifier),
        });
        const error = await apiError(call);

        assert.equal(error.status, 409);
        assert.equal(error.responseCode, 'LIMIT_REACHED');
      });
  });

  it('answers 412 PRECONDITION_FAILED when If-Match names an older version', async () => {
    await pact
      .addInteraction()
      .given('an entitlement exists', { status: 'ACTIVE', productKey: 'MUSIC', version: 3 })
      .uponReceiving('a change conditional on a stale ETag')
      .withRequest('PATCH', seededEntitlementPath(), (req) =>
        req
          .headers({ ...auth, 'If-Match': '"2"' })
          .jsonBody({ entitlementDisplayName: 'Demo Music for the family' }),
      )
      .willRespondWith(412, (res) =>
        res.headers(problemHeaders).jsonBody(problem(412, 'PRECONDITION_FAILED')),
      )
      .executeTest(async (mock) => {
        const call = clientFor(mock.url).entitlements.updateEntitlement({
          entitlementId: EXAMPLE.entitlementId,
          ifMatch: '"2"',
          updateEntitlementRequest: { entitlementDisplayName: 'Demo Music for the family' },
        });
        const error = await apiError(call);

        assert.equal(error.status, 412);
        assert.equal(error.responseCode, 'PRECONDITION_FAILED');
      });
  });

  it('replays the first answer to a retry with the same Idempotency-Key', async () => {
    const idempotencyKey = 'order-1001-music';
    await pact
      .addInteraction()
      .given('an entitlement was created with an idempotency key', {
        idempotencyKey,
        customerIdentifier: EXAMPLE.customerIdentifier,
        merchantAccountKey: 'DEMO_MUSIC',
        productKey: 'MUSIC',
      })
      .uponReceiving('a retried create with the same idempotency key and body')
      .withRequest('POST', '/v1/entitlement', (req) =>
        req
          .headers({ ...auth, 'Idempotency-Key': idempotencyKey })
          .jsonBody(musicFor(EXAMPLE.customerIdentifier)),
      )
      .willRespondWith(200, (res) =>
        res.headers({ 'Idempotent-Replayed': 'true', ETag: etag() }).jsonBody(
          entitlementResponse(EntitlementStatus.ACTIVE, 'OK', {
            entitlementId: seededEntitlementId(),
            customerIdentifier: EXAMPLE.customerIdentifier,
            productKey: 'MUSIC',
          }),
        ),
      )
      .executeTest(async (mock) => {
        const answer = await clientFor(mock.url).entitlements.createEntitlementRaw({
          idempotencyKey,
          createEntitlementRequest: musicFor(EXAMPLE.customerIdentifier),
        });
        const replayed = await answer.value();

        assert.equal(answer.raw.headers.get('idempotent-replayed'), 'true');
        assert.equal(replayed.entitlementId, EXAMPLE.entitlementId);
        assert.equal(replayed.status, EntitlementStatus.ACTIVE);
      });
  });
});
