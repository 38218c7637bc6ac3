import assert from 'node:assert/strict';

import { ProblemError } from '../../src/errors/problem';
import { MerchantRefusedError, MerchantUnavailableError } from '../../src/merchants';
import {
  createGateway,
  CREATE_BODY,
  CTX,
  endpointFor,
  rejection,
  STATE_BODY,
  TERMINATE_BODY,
} from './helpers/fixtures';
import { closedPortUrl, MerchantStub } from '../helpers/merchant-stub';

const CREATE = '/tessera/entitlements';
const MEID = 'sub_8842';
const SUSPEND = `/tessera/entitlements/${MEID}/suspend`;
const TERMINATE = `/tessera/entitlements/${MEID}/terminate`;

describe('HttpMerchantGateway: retries, timeouts and refusals', () => {
  let stub: MerchantStub;

  before(async () => {
    stub = await MerchantStub.start();
  });
  afterEach(() => stub.reset());
  after(() => stub.close());

  it('retries a 5xx and succeeds on the second attempt, with the same body', async () => {
    const { gateway, logs } = createGateway();
    stub.on(CREATE, [
      { status: 503, body: { title: 'busy' } },
      { status: 200, body: {} },
    ]);

    const outcome = await gateway.createEntitlement(endpointFor(stub), CREATE_BODY, CTX);

    assert.deepEqual(outcome, { kind: 'activated' });
    const requests = stub.requestsTo(CREATE);
    assert.equal(requests.length, 2);
    assert.equal(requests[0]?.body, requests[1]?.body);
    assert.equal(JSON.parse(requests[1]?.body ?? '').requestId, CREATE_BODY.requestId);

    const attempts = logs.withMessage('merchant callback attempt');
    assert.deepEqual(
      attempts.map((line) => [line.attempt, line.status, line.level]),
      [
        [1, 503, 'debug'],
        [2, 200, 'debug'],
      ],
    );
    for (const line of attempts) {
      assert.equal(line.merchantAccountKey, 'DEMO_MUSIC');
      assert.equal(line.operation, 'create');
      assert.equal(line.requestId, CTX.requestId);
      assert.equal(typeof line.latencyMs, 'number');
    }
    const retrying = logs.withMessage('merchant callback attempt failed; retrying');
    assert.equal(retrying.length, 1);
    assert.equal(retrying[0]?.level, 'warn');
    assert.equal(retrying[0]?.cause, 'HTTP 503');
  });

  it('gives up after exactly 4 attempts of 5xx with MerchantUnavailableError', async () => {
    const { gateway, logs } = createGateway();
    stub.on(SUSPEND, [
      { status: 500 },
      { status: 502 },
      { status: 503 },
      { status: 504 },
      { status: 200 },
    ]);
    const started = Date.now();

    const error = await rejection(
      gateway.suspendEntitlement(endpointFor(stub), MEID, STATE_BODY, CTX),
    );

    assert.ok(error instanceof MerchantUnavailableError, String(error));
    assert.equal(error.responseCode, 'MERCHANT_UNAVAILABLE');
    assert.equal(error.status, 503);
    assert.equal(error.attempts, 4);
    assert.equal(error.lastCause, 'HTTP 504');
    assert.ok(error instanceof ProblemError);
    assert.equal(error.type, 'https://tessera.dev/problems/merchant-unavailable');
    assert.equal(
      error.message,
      'Merchant DEMO_MUSIC did not answer the suspend callback after 4 attempts (last: HTTP 504).',
    );
    // Quick retries: 50 + 100 + 200 ms of back-off.
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 340 && elapsed < 2_000, `took ${elapsed} ms`);

    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(stub.requestsTo(SUSPEND).length, 4);
    assert.equal(logs.withMessage('merchant callback attempt failed; retrying').length, 3);
    const failed = logs.withMessage('merchant callback failed');
    assert.equal(failed.length, 1);
    assert.equal(failed[0]?.level, 'warn');
    assert.equal(failed[0]?.responseCode, 'MERCHANT_UNAVAILABLE');
  });

  it('retries a network error (closed port) and then fails', async () => {
    const { gateway } = createGateway();
    const base = await closedPortUrl();
    const endpoint = endpointFor(stub, { callbackUrls: { create: `${base}/create` } });

    const error = await rejection(gateway.createEntitlement(endpoint, CREATE_BODY, CTX));

    assert.ok(error instanceof MerchantUnavailableError, String(error));
    assert.equal(error.attempts, 4);
    assert.equal(error.lastCause, 'network error (ECONNREFUSED)');
    assert.doesNotMatch(error.message, /127\.0\.0\.1/);
  });

  it('retries a connection closed without an answer, then succeeds', async () => {
    const { gateway } = createGateway();
    stub.on(CREATE, [{ destroy: true }, { status: 201 }]);

    const outcome = await gateway.createEntitlement(endpointFor(stub), CREATE_BODY, CTX);

    assert.deepEqual(outcome, { kind: 'created' });
    assert.equal(stub.requestsTo(CREATE).length, 2);
  });

  it('times out every attempt of a merchant that never answers, then fails', async () => {
    const { gateway } = createGateway();
    stub.on(TERMINATE, { hang: true });
    const endpoint = endpointFor(stub, { timeoutMs: 100 });
    const started = Date.now();

    const error = await rejection(
      gateway.terminateEntitlement(endpoint, MEID, TERMINATE_BODY, CTX),
    );

    assert.ok(error instanceof MerchantUnavailableError, String(error));
    assert.equal(error.attempts, 4);
    assert.equal(error.lastCause, 'timed out after 100 ms');
    assert.equal(stub.requestsTo(TERMINATE).length, 4);
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 4 * 100 + 350 - 20 && elapsed < 3_000, `took ${elapsed} ms`);
  });

  it('times out an answer whose body never finishes, and retries', async () => {
    const { gateway } = createGateway();
    stub.on(CREATE, [
      { status: 200, body: {}, bodyDelayMs: 1_000 },
      { status: 200, body: {} },
    ]);

    const outcome = await gateway.createEntitlement(
      endpointFor(stub, { timeoutMs: 150 }),
      CREATE_BODY,
      CTX,
    );

    assert.deepEqual(outcome, { kind: 'activated' });
    assert.equal(stub.requestsTo(CREATE).length, 2);
  });

  it('accepts a slow answer that comes within the timeout', async () => {
    const { gateway } = createGateway();
    stub.on(CREATE, { status: 201, delayMs: 250 });

    const outcome = await gateway.createEntitlement(
      endpointFor(stub, { timeoutMs: 1_000 }),
      CREATE_BODY,
      CTX,
    );

    assert.deepEqual(outcome, { kind: 'created' });
    assert.equal(stub.requestsTo(CREATE).length, 1);
  });

  it('takes a 409 on create as a refusal (customer not eligible), not retried', async () => {
    const { gateway, logs } = createGateway();
    stub.on(CREATE, {
      status: 409,
      headers: { 'Content-Type': 'application/problem+json' },
      body: JSON.stringify({
        type: 'https://merchant.test/problems/not-eligible',
        title: 'Not eligible',
        status: 409,
        detail: 'The customer already has a direct subscription.',
      }),
    });

    const error = await rejection(gateway.createEntitlement(endpointFor(stub), CREATE_BODY, CTX));

    assert.ok(error instanceof MerchantRefusedError, String(error));
    assert.equal(error.responseCode, 'MERCHANT_ERROR');
    assert.equal(error.status, 502);
    assert.equal(error.merchantStatus, 409);
    assert.ok(error instanceof ProblemError);
    assert.equal(error.type, 'https://tessera.dev/problems/merchant-error');
    assert.equal(error.customerNotEligible, true);
    assert.equal(error.merchantProblem?.detail, 'The customer already has a direct subscription.');
    assert.equal(
      error.message,
      'Merchant DEMO_MUSIC refused the create callback with HTTP 409: Not eligible: ' +
        'The customer already has a direct subscription.',
    );
    assert.equal(stub.requestsTo(CREATE).length, 1);
    assert.equal(logs.withMessage('merchant callback attempt failed; retrying').length, 0);
  });

  it('takes other 4xx as refusals too, with or without problem details', async () => {
    const { gateway } = createGateway();
    stub.on(TERMINATE, [{ status: 400, body: 'bad things' }, { status: 404 }]);
    const endpoint = endpointFor(stub);

    const badRequest = await rejection(
      gateway.terminateEntitlement(endpoint, MEID, TERMINATE_BODY, CTX),
    );
    const notFound = await rejection(
      gateway.terminateEntitlement(endpoint, MEID, TERMINATE_BODY, CTX),
    );

    assert.ok(badRequest instanceof MerchantRefusedError, String(badRequest));
    assert.equal(badRequest.merchantStatus, 400);
    assert.equal(badRequest.customerNotEligible, false);
    assert.equal(badRequest.merchantProblem, undefined);
    assert.ok(notFound instanceof MerchantRefusedError, String(notFound));
    assert.equal(notFound.merchantStatus, 404);
    assert.equal(stub.requestsTo(TERMINATE).length, 2);
  });

  it('takes a 401 without OAuth2 as a refusal, not retried', async () => {
    const { gateway } = createGateway();
    stub.on(CREATE, { status: 401 });
    const endpoint = endpointFor(stub, {}, { type: 'BASIC', username: 'u', password: 'p' });

    const error = await rejection(gateway.createEntitlement(endpoint, CREATE_BODY, CTX));

    assert.ok(error instanceof MerchantRefusedError, String(error));
    assert.equal(error.merchantStatus, 401);
    assert.equal(stub.requestsTo(CREATE).length, 1);
  });

  it('honours the retry options', async () => {
    const { gateway } = createGateway({ retries: 1, retryMinDelayMs: 1, retryMaxDelayMs: 1 });
    stub.on(CREATE, { status: 500 });

    const error = await rejection(gateway.createEntitlement(endpointFor(stub), CREATE_BODY, CTX));

    assert.ok(error instanceof MerchantUnavailableError, String(error));
    assert.equal(error.attempts, 2);
    assert.equal(stub.requestsTo(CREATE).length, 2);
  });
});
