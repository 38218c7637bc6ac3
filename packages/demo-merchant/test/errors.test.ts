import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

import { TesseraApiError } from '@tessera/merchant-client';

import { createActive, createRequest, startHarness, type Harness } from './helpers/harness';

/** Asserts a call failed with a problem of `status` and `responseCode`, in the contract's shape. */
async function assertProblem(call: Promise<unknown>, status: number, responseCode: string) {
  await assert.rejects(call, (error: unknown) => {
    assert.ok(error instanceof TesseraApiError, String(error));
    assert.equal(error.status, status);
    assert.match(error.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.equal(error.problem.status, status);
    assert.equal(error.problem.responseCode, responseCode);
    assert.match(error.problem.type, /^https:\/\/tessera\.dev\/problems\//);
    assert.ok(error.problem.title);
    assert.ok(error.problem.detail);
    return true;
  });
}

describe('failures and refusals', () => {
  let harness: Harness;

  beforeEach(async () => {
    harness = await startHarness({ timing: { timeoutDelayMs: 300 } });
  });

  afterEach(() => harness.close());

  const create = (magic?: string) =>
    harness.callbacksApi.handleCreateEntitlement({
      callbackEntitlementRequest: createRequest(),
      xMagicNumber: magic,
    });

  it('answers 503 for REQUEST_RETURNS_FAILURE and creates nothing', async () => {
    await assertProblem(create('REQUEST_RETURNS_FAILURE'), 503, 'SERVICE_UNAVAILABLE');
    assert.equal(harness.demo.state.subscriptions().length, 0);
  });

  it('answers 409 for REQUEST_RETURNS_REFUSAL (customer not eligible)', async () => {
    await assertProblem(create('REQUEST_RETURNS_REFUSAL'), 409, 'CONFLICT');
  });

  it('refuses any operation, not only creates', async () => {
    const { merchantEntitlementId, entitlementId } = await createActive(harness);

    const suspend = harness.callbacksApi.handleSuspendEntitlement({
      merchantEntitlementId,
      callbackStateChangeRequest: { requestId: randomUUID(), entitlementId },
      xMagicNumber: 'REQUEST_RETURNS_REFUSAL',
    });
    await assertProblem(suspend, 409, 'CONFLICT');
    assert.equal(harness.demo.state.subscription(merchantEntitlementId)?.status, 'ACTIVE');
  });

  it('keeps the caller waiting past its timeout for REQUEST_TIMES_OUT', async () => {
    const impatient = harness.clientWith({
      fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(100) }),
    });
    const started = Date.now();

    await assert.rejects(
      impatient.handleCreateEntitlement({
        callbackEntitlementRequest: createRequest(),
        xMagicNumber: 'REQUEST_TIMES_OUT',
      }),
      { name: 'TimeoutError' },
    );
    assert.ok(Date.now() - started < 300, 'the client gave up first');
  });

  it('answers 503 once the deliberate wait is over', async () => {
    const started = Date.now();

    await assertProblem(create('REQUEST_TIMES_OUT'), 503, 'SERVICE_UNAVAILABLE');
    assert.ok(Date.now() - started >= 290, 'it waited the configured time');
    assert.equal(harness.demo.state.subscriptions().length, 0);
  });

  it('answers 404 for an unknown merchant entitlement id', async () => {
    const call = harness.callbacksApi.handleGetActivationInfo({ merchantEntitlementId: 'dm_nope' });

    await assertProblem(call, 404, 'NOT_FOUND');
  });

  it('answers 400 with every invalid field for a bad body', async () => {
    const response = await fetch(`${harness.callbacksUrl}/entitlements`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from('tessera:callback-secret').toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ requestId: 'r1', entitlementId: 'not-a-uuid', productKey: 'MUSIC' }),
    });
    const problem = (await response.json()) as {
      responseCode: string;
      errors: { field: string }[];
    };

    assert.equal(response.status, 400);
    assert.equal(problem.responseCode, 'BAD_REQUEST');
    const fields = problem.errors.map((error) => error.field).sort();
    assert.deepEqual(fields, [
      '/entitlementId',
      '/merchantAccountKey',
      '/routeExtensionData',
      '/sharedCustomerId',
    ]);
  });

  it('answers 400 for malformed JSON', async () => {
    const response = await fetch(`${harness.callbacksUrl}/entitlements`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from('tessera:callback-secret').toString('base64')}`,
        'content-type': 'application/json',
      },
      body: '{"requestId":',
    });

    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { responseCode: string }).responseCode, 'BAD_REQUEST');
  });

  it('answers 401 for a wrong Basic credential or none', async () => {
    const wrong = harness.clientWith({ password: 'wrong' });

    await assertProblem(
      wrong.handleCreateEntitlement({ callbackEntitlementRequest: createRequest() }),
      401,
      'UNAUTHORIZED',
    );
    const bare = await fetch(`${harness.callbacksUrl}/entitlements`, { method: 'POST' });
    assert.equal(bare.status, 401);
    assert.match(bare.headers.get('www-authenticate') ?? '', /Basic realm="tessera-callbacks"/);
    assert.equal(harness.demo.state.subscriptions().length, 0);
  });

  it('answers unknown paths with a 404 problem', async () => {
    const response = await fetch(`${harness.running.url}/nowhere`);

    assert.equal(response.status, 404);
    assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
  });
});
