import assert from 'node:assert/strict';

import { ActionParametersActionEnum } from '@tessera/merchant-client';

import { createRequest, startHarness, type Harness } from './helpers/harness';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('activation info and the sign-up page', () => {
  let harness: Harness;

  beforeEach(async () => {
    harness = await startHarness();
  });

  afterEach(() => harness.close());

  /** Creates a pending entitlement as `magic` says; returns its ids and action parameters. */
  const createPending = async (magic: string) => {
    const request = createRequest('MUSIC_PREMIUM');
    const result = await harness.callbacksApi.handleCreateEntitlement({
      callbackEntitlementRequest: request,
      xMagicNumber: magic,
    });
    const merchantEntitlementId = result.merchantEntitlementId ?? '';
    return {
      entitlementId: request.entitlementId,
      merchantEntitlementId,
      parameters: result.parameters,
    };
  };

  const activationInfo = (merchantEntitlementId: string, magic?: string) =>
    harness.callbacksApi.handleGetActivationInfo({ merchantEntitlementId, xMagicNumber: magic });

  describe('activation info', () => {
    it('gives a fresh URL with a new token', async () => {
      const pending = await createPending('CREATE_REQUEST_RETURNS_ACTIVATION_REQUIRED');
      const info = await activationInfo(
        pending.merchantEntitlementId,
        'ACTIVATION_INFO_RETURNS_ACTIVATION_URL',
      );

      assert.equal(info.parameters.action, ActionParametersActionEnum.NAVIGATE_TO_URL);
      assert.ok(info.parameters.url?.startsWith(`${harness.running.url}/signup/`));
      assert.notEqual(info.parameters.url, pending.parameters?.url);
      assert.ok((info.parameters.urlExpiry?.getTime() ?? 0) > Date.now());
    });

    it('gives the activation code when asked', async () => {
      const pending = await createPending('CREATE_REQUEST_RETURNS_ACTIVATION_REQUIRED');
      const info = await activationInfo(
        pending.merchantEntitlementId,
        'ACTIVATION_INFO_RETURNS_ACTIVATION_CODE',
      );

      assert.equal(info.parameters.action, ActionParametersActionEnum.ENTER_ACTIVATION_CODE);
      assert.match(info.parameters.activationCode ?? '', /^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    });

    it('gives what the user was last given when no magic value is sent', async () => {
      const withCode = await createPending('CREATE_REQUEST_RETURNS_ACTIVATION_CODE');
      const info = await activationInfo(withCode.merchantEntitlementId);

      assert.equal(info.parameters.activationCode, withCode.parameters?.activationCode);
    });
  });

  describe('sign-up page', () => {
    it('activates the entitlement exactly once, however often the form is sent', async () => {
      const pending = await createPending('CREATE_REQUEST_RETURNS_ACTIVATION_REQUIRED');
      const pageUrl = pending.parameters?.url ?? '';

      const page = await fetch(pageUrl);
      const html = await page.text();
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(html, /Demo Music Premium/);
      assert.match(html, /Start my subscription/);
      assert.doesNotMatch(html, /<script|<link|src=/, 'self-contained');

      const action = /<form method="post" action="([^"]+)">/.exec(html)?.[1];
      assert.ok(action, 'the page has a form');
      const target = new URL(action, pageUrl);
      const submitted = await fetch(target, { method: 'POST', headers: FORM, body: '' });
      assert.equal(submitted.status, 200);
      assert.match(await submitted.text(), /is active/);

      const again = await fetch(target, { method: 'POST', headers: FORM, body: '' });
      assert.equal(again.status, 200);

      const activations = harness.stub.calls.filter((call) => call.operation === 'activate');
      assert.equal(activations.length, 1);
      assert.equal(activations[0]?.entitlementId, pending.entitlementId);
      assert.equal(activations[0]?.body.merchantEntitlementId, pending.merchantEntitlementId);
      assert.match(activations[0]?.idempotencyKey ?? '', /^activate-dm_/);
      assert.equal(
        harness.demo.state.subscription(pending.merchantEntitlementId)?.status,
        'ACTIVE',
      );
    });

    it('answers 404 for an unknown link and 410 for an expired one', async () => {
      const pending = await createPending('CREATE_REQUEST_RETURNS_ACTIVATION_REQUIRED');

      const unknown = await fetch(`${harness.running.url}/signup/not-a-token`);
      assert.equal(unknown.status, 404);
      assert.match(await unknown.text(), /does not exist/);

      harness.clock.advance(25 * 60 * 60 * 1000);
      const expired = await fetch(pending.parameters?.url ?? '');
      assert.equal(expired.status, 410);
      const submitted = await fetch(pending.parameters?.url ?? '', {
        method: 'POST',
        headers: FORM,
      });
      assert.equal(submitted.status, 410);
      assert.equal(harness.stub.calls.length, 0);
    });

    it('activates with an activation code entered on the code page', async () => {
      const pending = await createPending('CREATE_REQUEST_RETURNS_ACTIVATION_CODE');
      const code = pending.parameters?.activationCode ?? '';

      const form = await fetch(`${harness.running.url}/signup`);
      assert.match(await form.text(), /Enter your activation code/);
      const wrong = await fetch(`${harness.running.url}/signup`, {
        method: 'POST',
        headers: FORM,
        body: 'code=NOPE-NOPE',
      });
      assert.equal(wrong.status, 404);

      const body = new URLSearchParams({ code: code.toLowerCase() }).toString();
      const right = await fetch(`${harness.running.url}/signup`, {
        method: 'POST',
        headers: FORM,
        body,
      });
      assert.equal(right.status, 200);
      const call = await harness.stub.waitFor((c) => c.operation === 'activate');
      assert.equal(call.entitlementId, pending.entitlementId);
    });
  });

  it('serves GET /health', async () => {
    const health = await fetch(`${harness.running.url}/health`);

    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
  });
});
