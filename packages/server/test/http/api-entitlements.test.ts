import assert from 'node:assert/strict';

import type { ApiClient, ApiResponse } from '../helpers/api-client';
import { createBody, useApiWorld } from '../helpers/api-world';
import { describeEachDatabase } from '../helpers/databases';

const REVOKE = { reasonCategory: 'REVOKED', reasonCode: 'FRAUD' };
const CANCEL = { reasonCategory: 'CUSTOMER_CANCELLED', reasonCode: 'NOT_RENEWED' };

type Body = Record<string, unknown>;

function assertETag(response: ApiResponse<Body>): void {
  assert.equal(response.headers.get('etag'), `"${String(response.body.version)}"`);
}

describeEachDatabase('API entitlement semantics', (db) => {
  const suite = useApiWorld(db);

  async function create(client: ApiClient, productKey = 'MUSIC'): Promise<ApiResponse<Body>> {
    const response = await client.post('/v1/entitlement', createBody(productKey));
    assert.ok([200, 202].includes(response.status), JSON.stringify(response.body));
    return response;
  }

  it('serves every entitlement with its version as the ETag', async () => {
    const { resellerA, merchantA } = suite.world;
    const created = await create(resellerA);
    const id = created.body.entitlementId as string;
    assertETag(created);

    const answers = [
      await resellerA.get(`/v1/entitlement/${id}`),
      await resellerA.patch(`/v1/entitlement/${id}`, { entitlementDisplayName: 'Music' }),
      await merchantA.get(`/merchant/v1/entitlement/${id}`),
      await merchantA.patch(`/merchant/v1/entitlement/${id}`, {
        merchantExtensionData: { plan: 'gold' },
      }),
      await resellerA.post(`/v1/entitlement/${id}/cancel`, CANCEL),
      await resellerA.post(`/v1/entitlement/${id}/revoke`, REVOKE),
    ];
    for (const answer of answers) {
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assertETag(answer);
    }
    assert.deepEqual(
      answers.map((answer) => answer.body.version),
      [1, 2, 2, 3, 4, 5],
    );
  });

  it('answers 412 to a change with a stale If-Match, and applies a current one', async () => {
    const { resellerA } = suite.world;
    const id = (await create(resellerA)).body.entitlementId as string;
    await resellerA.patch(`/v1/entitlement/${id}`, { entitlementDisplayName: 'first' });

    const stale = await resellerA.patch(
      `/v1/entitlement/${id}`,
      { entitlementDisplayName: 'second' },
      { headers: { 'If-Match': '"1"' } },
    );
    assert.equal(stale.status, 412);
    assert.equal(stale.body.responseCode, 'PRECONDITION_FAILED');

    const current = await resellerA.post(`/v1/entitlement/${id}/revoke`, REVOKE, {
      headers: { 'If-Match': '"2"' },
    });
    assert.equal(current.status, 200);
    assert.equal(current.body.status, 'REVOKED');
  });

  it('answers 409 to a change of a terminal entitlement', async () => {
    const { resellerA } = suite.world;
    const id = (await create(resellerA)).body.entitlementId as string;
    assert.equal((await resellerA.post(`/v1/entitlement/${id}/revoke`, REVOKE)).status, 200);

    const again = await resellerA.post(`/v1/entitlement/${id}/revoke`, REVOKE);
    assert.equal(again.status, 409);
    assert.equal(again.body.responseCode, 'CONFLICT');
  });

  it("answers 404 on every reseller route for another reseller's entitlement", async () => {
    const { resellerA, resellerB } = suite.world;
    const id = (await create(resellerA, 'MUSIC_PREMIUM')).body.entitlementId as string;

    const answers = [
      await resellerB.get(`/v1/entitlement/${id}`),
      await resellerB.patch(`/v1/entitlement/${id}`, { entitlementDisplayName: 'x' }),
      await resellerB.post(`/v1/entitlement/${id}/cancel`, CANCEL),
      await resellerB.post(`/v1/entitlement/${id}/revoke`, REVOKE),
      await resellerB.get(`/v1/entitlement/${id}/activationInfo`),
      await resellerB.get(`/v1/entitlement/${id}/events`),
    ];
    assert.deepEqual(
      answers.map((answer) => answer.status),
      answers.map(() => 404),
    );
    const owned = await resellerA.get(`/v1/entitlement/${id}`);
    assert.equal(owned.body.status, 'PENDING');
    assert.equal(owned.body.version, 1);
  });

  it("answers 404 on every merchant route for another merchant's entitlement", async () => {
    const { resellerA, merchantB } = suite.world;
    const id = (await create(resellerA, 'MUSIC_PREMIUM')).body.entitlementId as string;
    const base = `/merchant/v1/entitlement/${id}`;

    const answers = [
      await merchantB.get(base),
      await merchantB.patch(base, { merchantExtensionData: { a: 'b' } }),
      await merchantB.post(`${base}/activate`, {}),
      await merchantB.post(`${base}/terminate`, { immediate: true, ...REVOKE }),
      await merchantB.post(`${base}/suspend`, {}),
      await merchantB.post(`${base}/resume`, {}),
      await merchantB.post(`${base}/customerNotEligible`, {}),
    ];
    assert.deepEqual(
      answers.map((answer) => answer.status),
      answers.map(() => 404),
    );
    const listed = await merchantB.get(`/merchant/v1/entitlement?merchantEntitlementId=${id}`);
    assert.deepEqual(listed.body.entitlements, []);
  });
});

describeEachDatabase('API idempotency keys', (db) => {
  const suite = useApiWorld(db);

  it('replays the first answer (status, body, ETag, Location) to a retry', async () => {
    const body = createBody();
    const headers = { 'Idempotency-Key': `create-${body.customerIdentifier}` };
    const calls = suite.stub.callsOf('create').length;
    suite.stub.answerNext('create', { status: 201, body: {} });
    const first = await suite.world.resellerA.post('/v1/entitlement', body, { headers });
    const retry = await suite.world.resellerA.post('/v1/entitlement', body, { headers });

    assert.equal(first.status, 201);
    assert.equal(first.body.responseCode, 'CREATED');
    assert.equal(
      first.headers.get('location'),
      `/v1/entitlement/${String(first.body.entitlementId)}`,
    );
    assert.equal(first.headers.get('idempotent-replayed'), null);
    assert.equal(retry.status, 201);
    assert.deepEqual(retry.body, first.body);
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.equal(retry.headers.get('etag'), first.headers.get('etag'));
    assert.equal(retry.headers.get('location'), first.headers.get('location'));
    assert.equal(suite.stub.callsOf('create').length, calls + 1);
  });

  it('accepts X-RequestIdentifier as the key, with JSON key order not mattering', async () => {
    const body = createBody();
    const key = { 'X-RequestIdentifier': `alias-${body.customerIdentifier}` };
    const first = await suite.world.resellerA.post('/v1/entitlement', body, { headers: key });
    const reordered = {
      productKey: body.productKey,
      merchantAccountKey: body.merchantAccountKey,
      customerIdentifier: body.customerIdentifier,
    };
    const retry = await suite.world.resellerA.post('/v1/entitlement', reordered, {
      headers: { 'Idempotency-Key': key['X-RequestIdentifier'] },
    });
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.equal(retry.body.entitlementId, first.body.entitlementId);
  });

  it('refuses the same key with another body (422), and scopes keys per credential', async () => {
    const headers = { 'Idempotency-Key': `reuse-${Math.random()}` };
    const first = await suite.world.resellerA.post('/v1/entitlement', createBody(), { headers });
    assert.equal(first.status, 200);

    const other = await suite.world.resellerA.post('/v1/entitlement', createBody(), { headers });
    assert.equal(other.status, 422);
    assert.equal(other.body.responseCode, 'IDEMPOTENCY_KEY_REUSED');

    const elsewhere = await suite.world.resellerB.post('/v1/entitlement', createBody(), {
      headers,
    });
    assert.equal(elsewhere.status, 200);
    assert.equal(elsewhere.headers.get('idempotent-replayed'), null);
  });

  it('executes two concurrent requests with one key once', async () => {
    const body = createBody();
    const headers = { 'Idempotency-Key': `race-${body.customerIdentifier}` };
    const calls = suite.stub.callsOf('create').length;
    const [a, b] = await Promise.all([
      suite.world.resellerA.post('/v1/entitlement', body, { headers }),
      suite.world.resellerA.post('/v1/entitlement', body, { headers }),
    ]);

    assert.deepEqual([a.status, b.status], [200, 200]);
    assert.equal(a.body.entitlementId, b.body.entitlementId);
    const replayed = [a, b].map((answer) => answer.headers.get('idempotent-replayed'));
    assert.deepEqual(replayed.sort(), ['true', null].sort());
    assert.equal(suite.stub.callsOf('create').length, calls + 1);
  });

  it('stores 4xx answers but lets a retry run again after a 5xx', async () => {
    const body = createBody();
    const headers = { 'Idempotency-Key': `fail-${body.customerIdentifier}` };
    suite.stub.answerNext('create', { status: 400, body: { detail: 'refused' } });

    const failed = await suite.world.resellerA.post('/v1/entitlement', body, { headers });
    assert.equal(failed.status, 502);
    const retried = await suite.world.resellerA.post('/v1/entitlement', body, { headers });
    assert.equal(retried.status, 200);
    assert.equal(retried.headers.get('idempotent-replayed'), null);

    const missing = { ...createBody(), productKey: 'NO_SUCH_PRODUCT' };
    const notFoundKey = { 'Idempotency-Key': `nf-${missing.customerIdentifier}` };
    const refused = await suite.world.resellerA.post('/v1/entitlement', missing, {
      headers: notFoundKey,
    });
    assert.ok(refused.status >= 400 && refused.status < 500);
    const replay = await suite.world.resellerA.post('/v1/entitlement', missing, {
      headers: notFoundKey,
    });
    assert.equal(replay.status, refused.status);
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(replay.body, refused.body);
  });
});
