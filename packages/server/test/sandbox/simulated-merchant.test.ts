import assert from 'node:assert/strict';

import { describeEachDatabase } from '../helpers/databases';
import { startTestServer, type TestServer } from '../helpers/test-server';

const resellerCredentials = 'sandbox-reseller:sandbox-reseller-secret';
const reseller = `Basic ${Buffer.from(resellerCredentials).toString('base64')}`;

/** Calls the reseller API as the seeded sandbox reseller. */
async function resellerCall(server: TestServer, path: string, body?: unknown) {
  const response = await server.request(path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: reseller, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Reads the sign-up form's action from the simulated merchant's page. */
function formAction(page: string, pageUrl: string): string {
  const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
  assert.ok(action, 'the sign-up page has a form');
  return new URL(action, pageUrl).href;
}

// The sandbox as a fresh install has it: the seeded catalogue and the simulated merchant served
// by the server itself, so the whole asynchronous flow runs over real HTTP in one process.
describeEachDatabase('the sandbox with its simulated merchant', (db) => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer(db.config, { env: { SANDBOX: 'true' } });
    await server.services.seed.seedSandbox(server.publicBaseUrl);
  });

  after(async () => {
    await server.shutdown();
  });

  it("activates a sign-up product when the user submits the merchant's page", async () => {
    const created = await resellerCall(server, '/v1/entitlement', {
      customerIdentifier: '447700900555',
      merchantAccountKey: 'DEMO_MUSIC',
      productKey: 'MUSIC_PREMIUM',
    });
    const parameters = created.body.parameters as { action: string; url: string };

    assert.equal(created.status, 202);
    assert.equal(created.body.status, 'PENDING');
    assert.equal(parameters.action, 'NAVIGATE_TO_URL');
    assert.ok(parameters.url.startsWith(`${server.publicBaseUrl}/sandbox/merchant/`));

    const page = await fetch(parameters.url);
    const submitted = await fetch(formAction(await page.text(), parameters.url), {
      method: 'POST',
    });
    assert.equal(page.status, 200);
    assert.equal(submitted.status, 200);

    const read = await resellerCall(
      server,
      `/v1/entitlement/${String(created.body.entitlementId)}`,
    );
    assert.equal(read.body.status, 'ACTIVE');
    assert.equal(read.body.version, 2);
  });

  it('activates the synchronous product at once', async () => {
    const created = await resellerCall(server, '/v1/entitlement', {
      customerIdentifier: '447700900556',
      merchantAccountKey: 'DEMO_MUSIC',
      productKey: 'MUSIC',
    });

    assert.equal(created.status, 200);
    assert.equal(created.body.status, 'ACTIVE');
    assert.match(String(created.body.merchantEntitlementId), /^dm_/);
  });
});
