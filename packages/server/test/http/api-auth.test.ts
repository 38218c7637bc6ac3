import assert from 'node:assert/strict';

import { ApiClient } from '../helpers/api-client';
import { ADMIN_TOKEN, API_ENV, buildWorld, useApiWorld } from '../helpers/api-world';
import { describeWithSqlite } from '../helpers/databases';
import { likeAMusicMerchant, MerchantStub } from '../helpers/merchant-stub';
import { startTestServer } from '../helpers/test-server';

describeWithSqlite('API authentication', (db) => {
  const suite = useApiWorld(db);

  function expectChallenge(response: { status: number; headers: Headers }, scheme: string) {
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate') ?? '', new RegExp(`^${scheme} `));
  }

  it('answers 401 with a Basic challenge without credentials', async () => {
    const response = await ApiClient.anonymous(suite.server).get('/v1/echo/ping');
    expectChallenge(response, 'Basic');
    assert.equal(response.body.responseCode, 'UNAUTHORIZED');
  });

  it('accepts a valid reseller credential and says whether it is a sandbox one', async () => {
    const a = await suite.world.resellerA.get('/v1/echo/ping-1');
    assert.equal(a.status, 200);
    assert.deepEqual(a.body, {
      responseCode: 'OK',
      responseMessage: 'Success',
      echo: 'ping-1',
      sandbox: true,
    });
    const b = await suite.world.resellerB.get('/v1/echo/ping-2');
    assert.equal(b.body.sandbox, false);
  });

  it('refuses a wrong password and an unknown username alike', async () => {
    const { username } = suite.world.credentials.resellerA;
    const wrong = await ApiClient.basic(suite.server, username, 'wrong').get('/v1/echo/x');
    const unknown = await ApiClient.basic(suite.server, 'nobody', 'wrong').get('/v1/echo/x');

    expectChallenge(wrong, 'Basic');
    expectChallenge(unknown, 'Basic');
    assert.equal(wrong.body.detail, unknown.body.detail);
  });

  it('refuses a malformed Authorization header', async () => {
    const client = new ApiClient(suite.server, 'Basic !!!not-base64');
    expectChallenge(await client.get('/v1/echo/x'), 'Basic');
  });

  it('refuses a revoked credential at once, although it worked a moment before', async () => {
    const issued = await suite.world.admin.post('/admin/v1/credentials', {
      ownerType: 'RESELLER',
      ownerKey: 'TELCO_A',
    });
    const body = issued.body as { credentialId: string; username: string; password: string };
    const client = ApiClient.basic(suite.server, body.username, body.password);
    assert.equal((await client.get('/v1/echo/x')).status, 200);

    const revoked = await suite.world.admin.delete(`/admin/v1/credentials/${body.credentialId}`);
    assert.equal(revoked.status, 200);
    assert.notEqual(revoked.body.dateRevoked, null);
    expectChallenge(await client.get('/v1/echo/x'), 'Basic');
  });

  it('accepts reseller credentials only on /v1, merchant ones only on /merchant/v1', async () => {
    const { world } = suite;
    expectChallenge(await world.resellerA.get('/merchant/v1/echo/x'), 'Basic');
    expectChallenge(await world.merchantA.get('/v1/echo/x'), 'Basic');
    expectChallenge(await world.resellerA.get('/admin/v1/resellers'), 'Bearer');
    assert.equal((await world.merchantA.get('/merchant/v1/echo/m-1')).status, 200);
  });

  it('accepts only the configured admin bearer token on /admin/v1', async () => {
    expectChallenge(await ApiClient.anonymous(suite.server).get('/admin/v1/resellers'), 'Bearer');
    const wrong = ApiClient.bearer(suite.server, `${ADMIN_TOKEN}x`);
    expectChallenge(await wrong.get('/admin/v1/resellers'), 'Bearer');

    const listed = await suite.world.admin.get('/admin/v1/resellers');
    assert.equal(listed.status, 200);
    const keys = (listed.body.items as { resellerKey: string }[]).map((r) => r.resellerKey);
    assert.deepEqual(keys, ['TELCO_A', 'TELCO_B']);
  });

  describe('IP allow-lists', () => {
    async function credentialFor(allowedIps: string[]) {
      const issued = await suite.world.admin.post('/admin/v1/credentials', {
        ownerType: 'MERCHANT',
        ownerKey: 'MUSIC_A',
        allowedIps,
      });
      const body = issued.body as { username: string; password: string; allowedIps: string[] };
      assert.deepEqual(body.allowedIps, allowedIps);
      return ApiClient.basic(suite.server, body.username, body.password);
    }

    it('lets callers in from listed addresses and CIDR ranges only', async () => {
      assert.equal(
        (await (await credentialFor(['127.0.0.1'])).get('/merchant/v1/echo/x')).status,
        200,
      );
      assert.equal(
        (await (await credentialFor(['127.0.0.0/8'])).get('/merchant/v1/echo/x')).status,
        200,
      );
      const elsewhere = await credentialFor(['203.0.113.0/24', '2001:db8::1']);
      expectChallenge(await elsewhere.get('/merchant/v1/echo/x'), 'Basic');
    });

    it('ignores X-Forwarded-For unless TRUST_PROXY is set', async () => {
      const client = await credentialFor(['203.0.113.7']);
      const spoofed = { headers: { 'X-Forwarded-For': '203.0.113.7' } };
      expectChallenge(await client.get('/merchant/v1/echo/x', spoofed), 'Basic');
    });
  });
});

describeWithSqlite('API authentication behind a trusted proxy', (db) => {
  it('takes the caller address from the last X-Forwarded-For hop', async () => {
    const stub = await MerchantStub.start(likeAMusicMerchant);
    const server = await startTestServer(db.config, { env: { ...API_ENV, TRUST_PROXY: 'true' } });
    try {
      const world = await buildWorld(server, stub);
      const issued = await world.admin.post('/admin/v1/credentials', {
        ownerType: 'RESELLER',
        ownerKey: 'TELCO_B',
        allowedIps: ['203.0.113.0/24'],
      });
      const body = issued.body as { username: string; password: string };
      const client = ApiClient.basic(server, body.username, body.password);

      const viaProxy = { headers: { 'X-Forwarded-For': '198.51.100.1, 203.0.113.9' } };
      assert.equal((await client.get('/v1/echo/x', viaProxy)).status, 200);
      const forged = { headers: { 'X-Forwarded-For': '203.0.113.9, 198.51.100.1' } };
      assert.equal((await client.get('/v1/echo/x', forged)).status, 401);
    } finally {
      await server.shutdown();
      await stub.close();
    }
  });
});
