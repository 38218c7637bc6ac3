import assert from 'node:assert/strict';

import { ActionParametersActionEnum, EntitlementStatus } from '@tessera/merchant-client';

import { createRequest, startHarness, waitUntil, type Harness } from './helpers/harness';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('create callback', () => {
  let harness: Harness;

  beforeEach(async () => {
    harness = await startHarness();
  });

  afterEach(() => harness.close());

  const create = (magic?: string, productKey = 'MUSIC') => {
    const request = createRequest(productKey);
    const call = harness.callbacksApi.handleCreateEntitlementRaw({
      callbackEntitlementRequest: request,
      xMagicNumber: magic,
    });
    return call.then(async (response) => ({
      request,
      status: response.raw.status,
      result: await response.value(),
    }));
  };

  it('answers 200 with its own id when activated at once', async () => {
    const { request, status, result } = await create('CREATE_REQUEST_RETURNS_ACTIVATED');

    assert.equal(status, 200);
    assert.match(result.merchantEntitlementId ?? '', /^dm_[\w-]+$/);
    assert.equal(result.parameters, undefined);
    const held = harness.demo.state.subscription(result.merchantEntitlementId ?? '');
    assert.equal(held?.status, EntitlementStatus.ACTIVE);
    assert.equal(held?.entitlementId, request.entitlementId);
    assert.equal(held?.productKey, 'MUSIC');
  });

  it('answers 201 and later activates by itself through the merchant API', async () => {
    const { request, status, result } = await create('CREATE_REQUEST_RETURNS_CREATED');

    assert.equal(status, 201);
    assert.equal(harness.demo.state.subscriptionOf(request.entitlementId)?.status, 'PENDING');

    const call = await harness.stub.waitFor((c) => c.operation === 'activate');
    assert.equal(call.entitlementId, request.entitlementId);
    assert.equal(call.body.merchantEntitlementId, result.merchantEntitlementId);
    assert.ok(call.idempotencyKey, 'an Idempotency-Key is sent');
    await waitUntil(
      () => harness.demo.state.subscriptionOf(request.entitlementId)?.status === 'ACTIVE',
    );
  });

  it('answers 202 with its sign-up URL, valid for 24 hours', async () => {
    const { status, result } = await create('CREATE_REQUEST_RETURNS_ACTIVATION_REQUIRED');

    assert.equal(status, 202);
    assert.equal(result.parameters?.action, ActionParametersActionEnum.NAVIGATE_TO_URL);
    assert.ok(result.parameters?.url?.startsWith(`${harness.running.url}/signup/`));
    const expiry = result.parameters?.urlExpiry?.getTime() ?? 0;
    assert.ok(Math.abs(expiry - (Date.now() + DAY_MS)) < 60_000, 'expires in about 24 hours');
  });

  it('answers 202 with an activation code', async () => {
    const { status, result } = await create('CREATE_REQUEST_RETURNS_ACTIVATION_CODE');

    assert.equal(status, 202);
    assert.equal(result.parameters?.action, ActionParametersActionEnum.ENTER_ACTIVATION_CODE);
    assert.match(result.parameters?.activationCode ?? '', /^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    assert.equal(result.parameters?.url, undefined);
  });

  it('follows the product without a magic value: MUSIC now, MUSIC_PREMIUM sign-up', async () => {
    const music = await create(undefined, 'MUSIC');
    const premium = await create(undefined, 'MUSIC_PREMIUM');

    assert.equal(music.status, 200);
    assert.equal(premium.status, 202);
    assert.equal(premium.result.parameters?.action, ActionParametersActionEnum.NAVIGATE_TO_URL);
  });

  it('lets the request win over the product, and ignores values for other operations', async () => {
    const premium = await create(
      'TERMINATE_REQUEST_ENDS_NOW, CREATE_REQUEST_RETURNS_ACTIVATED',
      'MUSIC_PREMIUM',
    );
    const music = await create('SUSPEND_NOTHING REQUEST_RETURNS_ACCEPTED', 'MUSIC');

    assert.equal(premium.status, 200);
    assert.equal(music.status, 201, 'a queued create is a 201');
  });

  it('replays its first answer when Tessera retries a create', async () => {
    const request = createRequest('MUSIC_PREMIUM');
    const first = await harness.callbacksApi.handleCreateEntitlement({
      callbackEntitlementRequest: request,
    });
    const again = await harness.callbacksApi.handleCreateEntitlementRaw({
      callbackEntitlementRequest: request,
      xMagicNumber: 'CREATE_REQUEST_RETURNS_ACTIVATED',
    });

    assert.equal(again.raw.status, 202);
    assert.deepEqual(await again.value(), first);
    assert.equal(harness.demo.state.subscriptions().length, 1);
  });
});
