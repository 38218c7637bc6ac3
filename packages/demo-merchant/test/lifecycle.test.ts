import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

import { ActionParametersActionEnum, callbacks } from '@tessera/merchant-client';

import { createActive, startHarness, waitUntil, type Harness } from './helpers/harness';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('update, suspend, resume and terminate callbacks', () => {
  let harness: Harness;
  let ids: { entitlementId: string; merchantEntitlementId: string };

  beforeEach(async () => {
    harness = await startHarness();
    ids = await createActive(harness);
  });

  afterEach(() => harness.close());

  const held = () => harness.demo.state.subscription(ids.merchantEntitlementId);
  const change = () => ({ requestId: randomUUID(), entitlementId: ids.entitlementId });
  const terminate = (immediate: boolean, magic?: string) =>
    harness.callbacksApi.handleTerminateEntitlementRaw({
      merchantEntitlementId: ids.merchantEntitlementId,
      xMagicNumber: magic,
      callbackTerminationRequest: {
        ...change(),
        immediate,
        reasonCategory: immediate
          ? callbacks.ReasonCategory.REVOKED
          : callbacks.ReasonCategory.CUSTOMER_CANCELLED,
        reasonCode: immediate ? callbacks.ReasonCode.FRAUD : callbacks.ReasonCode.NOT_RENEWED,
        reasonDescription: 'test',
      },
    });

  describe('update', () => {
    const update = (magic?: string) =>
      harness.callbacksApi.handleUpdateEntitlementRaw({
        merchantEntitlementId: ids.merchantEntitlementId,
        xMagicNumber: magic,
        callbackUpdateRequest: {
          ...change(),
          productKey: 'MUSIC_PREMIUM',
          previousProductKey: 'MUSIC',
        },
      });

    it('changes the product at once with 200', async () => {
      const response = await update();

      assert.equal(response.raw.status, 200);
      assert.equal((await response.value()).merchantEntitlementId, ids.merchantEntitlementId);
      assert.equal(held()?.productKey, 'MUSIC_PREMIUM');
      assert.equal(held()?.status, 'ACTIVE');
    });

    it('asks for a new sign-up (202), then activates through the sign-up page', async () => {
      const response = await update('UPDATE_REQUEST_RETURNS_ACTIVATION_REQUIRED');
      const result = await response.value();

      assert.equal(response.raw.status, 202);
      assert.equal(result.parameters?.action, ActionParametersActionEnum.NAVIGATE_TO_URL);
      assert.equal(held()?.status, 'PENDING');

      const url = result.parameters?.url ?? '';
      const submitted = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(submitted.status, 200);
      const call = await harness.stub.waitFor((c) => c.operation === 'activate');
      assert.equal(call.entitlementId, ids.entitlementId);
      assert.equal(held()?.status, 'ACTIVE');
    });
  });

  describe('done at once (200)', () => {
    it('suspends and resumes', async () => {
      const merchantEntitlementId = ids.merchantEntitlementId;
      const suspended = await harness.callbacksApi.handleSuspendEntitlementRaw({
        merchantEntitlementId,
        callbackStateChangeRequest: change(),
      });
      assert.equal(suspended.raw.status, 200);
      assert.equal((await suspended.value()).merchantEntitlementId, merchantEntitlementId);
      assert.equal(held()?.status, 'SUSPENDED');

      const resumed = await harness.callbacksApi.handleResumeEntitlementRaw({
        merchantEntitlementId,
        callbackStateChangeRequest: change(),
      });
      assert.equal(resumed.raw.status, 200);
      assert.equal(held()?.status, 'ACTIVE');
      assert.equal(harness.stub.calls.length, 0, 'nothing to confirm');
    });

    it('cancels at the end of the 30-day period running since activation', async () => {
      harness.clock.advance(40 * DAY_MS);
      const response = await terminate(false);
      const { terminationDate } = await response.value();

      assert.equal(response.raw.status, 200);
      const activated = held()?.dateActivated?.getTime() ?? 0;
      assert.equal(terminationDate?.getTime(), activated + 60 * DAY_MS);
      assert.equal(held()?.status, 'ACTIVE-ENDING');
    });

    it('cancels now with TERMINATE_REQUEST_ENDS_NOW', async () => {
      const response = await terminate(false, 'TERMINATE_REQUEST_ENDS_NOW');
      const { terminationDate } = await response.value();

      assert.equal(response.raw.status, 200);
      assert.ok(Math.abs((terminationDate?.getTime() ?? 0) - Date.now()) < 5_000);
      assert.equal(held()?.status, 'CANCELLED');
    });

    it('revokes now, and refuses changes afterwards with 409', async () => {
      const response = await terminate(true);
      const { terminationDate } = await response.value();

      assert.ok(Math.abs((terminationDate?.getTime() ?? 0) - Date.now()) < 5_000);
      assert.equal(held()?.status, 'REVOKED');
      await assert.rejects(terminate(true), { status: 409 });
    });
  });

  describe('queued (202), then confirmed through the merchant API', () => {
    it('confirms a suspend, then a resume', async () => {
      const merchantEntitlementId = ids.merchantEntitlementId;
      const request = { ...change(), reasonDescription: 'unpaid' };
      const suspended = await harness.callbacksApi.handleSuspendEntitlementRaw({
        merchantEntitlementId,
        callbackStateChangeRequest: request,
        xMagicNumber: 'REQUEST_RETURNS_ACCEPTED',
      });

      assert.equal(suspended.raw.status, 202);
      assert.equal(held()?.status, 'ACTIVE', 'unchanged until confirmed');
      const call = await harness.stub.waitFor((c) => c.operation === 'suspend');
      assert.equal(call.entitlementId, ids.entitlementId);
      assert.equal(call.body.reasonDescription, 'unpaid');
      assert.equal(call.idempotencyKey, `suspend-${request.requestId}`);
      await waitUntil(() => held()?.status === 'SUSPENDED');

      const resumed = await harness.callbacksApi.handleResumeEntitlementRaw({
        merchantEntitlementId,
        callbackStateChangeRequest: change(),
        xMagicNumber: 'REQUEST_RETURNS_ACCEPTED',
      });
      assert.equal(resumed.raw.status, 202);
      await harness.stub.waitFor((c) => c.operation === 'resume');
      await waitUntil(() => held()?.status === 'ACTIVE');
    });

    it('confirms a cancel with the same reason and termination date', async () => {
      const response = await terminate(false, 'REQUEST_RETURNS_ACCEPTED');
      const { terminationDate } = await response.value();

      assert.equal(response.raw.status, 202);
      assert.ok((terminationDate?.getTime() ?? 0) > Date.now() + 29 * DAY_MS);
      const call = await harness.stub.waitFor((c) => c.operation === 'terminate');
      assert.equal(call.entitlementId, ids.entitlementId);
      assert.deepEqual(call.body, {
        immediate: false,
        terminationDate: terminationDate?.toISOString(),
        reasonCategory: 'CUSTOMER_CANCELLED',
        reasonCode: 'NOT_RENEWED',
        reasonDescription: 'test',
      });
      await waitUntil(() => held()?.status === 'ACTIVE-ENDING');
    });

    it('confirms a revoke', async () => {
      const response = await terminate(true, 'REQUEST_RETURNS_ACCEPTED');

      assert.equal(response.raw.status, 202);
      const call = await harness.stub.waitFor((c) => c.operation === 'terminate');
      assert.equal(call.body.immediate, true);
      assert.equal(call.body.reasonCode, 'FRAUD');
      assert.equal(call.body.terminationDate, undefined);
      await waitUntil(() => held()?.status === 'REVOKED');
    });
  });
});
