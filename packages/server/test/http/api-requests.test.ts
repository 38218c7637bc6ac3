import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';

import type { OpenAPIV3 } from 'openapi-types';

import { ApiClient, type ApiResponse } from '../helpers/api-client';
import { createBody, useApiWorld } from '../helpers/api-world';
import { describeWithSqlite } from '../helpers/databases';

type FieldErrors = { field: string; message: string }[];

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/**
 * Every operation of the bundled contract, with a placeholder for each path parameter. The
 * `x-webhooks` notification is not among them: Tessera sends it, resellers serve it.
 */
function contractOperations(): { operationId: string; method: string; path: string }[] {
  const file = require.resolve('@tessera/contract/openapi.json');
  const document = JSON.parse(readFileSync(file, 'utf8')) as OpenAPIV3.Document;
  const operations = Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item?.[method] !== undefined).map((method) => ({
      operationId: item![method]!.operationId!,
      method: method.toUpperCase(),
      path: path.replace(/\{[^}]+\}/g, 'x'),
    })),
  );
  assert.ok(operations.length > 0, `no operations in ${file}`);
  return operations;
}

function fieldsOf(body: Record<string, unknown>): string[] {
  return (body.errors as FieldErrors).map((error) => error.field).sort();
}

describeWithSqlite('API request validation and HTTP semantics', (db) => {
  const suite = useApiWorld(db, { BODY_LIMIT: '2kb' });

  it('answers 400 naming every invalid body field as a JSON pointer', async () => {
    const response = await suite.world.resellerA.post('/v1/entitlement', {
      customerIdentifier: 42,
      productKey: '',
      extensionData: { plan: 7 },
    });

    assert.equal(response.status, 400);
    assert.equal(response.body.responseCode, 'BAD_REQUEST');
    assert.deepEqual(fieldsOf(response.body), [
      '/customerIdentifier',
      '/extensionData/plan',
      '/merchantAccountKey',
      '/productKey',
    ]);
  });

  it('refuses unknown body properties', async () => {
    const response = await suite.world.resellerA.post('/v1/entitlement', {
      ...createBody(),
      price: 10,
    });
    assert.equal(response.status, 400);
    assert.deepEqual(response.body.errors, [{ field: '/price', message: 'is not allowed here' }]);
  });

  it('answers 400 for bad and unknown query parameters', async () => {
    const response = await suite.world.resellerA.get(
      '/v1/entitlement?limit=0&status=LOST&colour=red',
    );
    assert.equal(response.status, 400);
    assert.deepEqual(fieldsOf(response.body), ['query.colour', 'query.limit', 'query.status']);
  });

  it('coerces query parameters to their contract types', async () => {
    const response = await suite.world.resellerA.get('/v1/events?after=0&limit=5');
    assert.equal(response.status, 200);
    assert.equal(response.body.nextAfter, 0);
  });

  it('answers 400 for invalid path parameters and headers', async () => {
    const termination = { reasonCategory: 'REVOKED', reasonCode: 'FRAUD' };
    const badPath = await suite.world.resellerA.post(
      '/v1/entitlement/not-a-uuid/revoke',
      termination,
    );
    assert.equal(badPath.status, 400);
    assert.deepEqual(fieldsOf(badPath.body), ['path.entitlementId']);

    const longKey = { headers: { 'Idempotency-Key': 'k'.repeat(256) } };
    const badHeader = await suite.world.resellerA.post('/v1/entitlement', createBody(), longKey);
    assert.equal(badHeader.status, 400);
    assert.deepEqual(fieldsOf(badHeader.body), ['header.Idempotency-Key']);
  });

  it('answers 400 for an If-Match it cannot read', async () => {
    const created = await suite.world.resellerA.post('/v1/entitlement', createBody());
    const id = created.body.entitlementId as string;
    const response = await suite.world.resellerA.patch(
      `/v1/entitlement/${id}`,
      { entitlementDisplayName: 'x' },
      { headers: { 'If-Match': 'version-one' } },
    );
    assert.equal(response.status, 400);
    assert.deepEqual(fieldsOf(response.body), ['header.If-Match']);
  });

  it('refuses a body that is JSON but not an object, naming the body as a whole', async () => {
    for (const body of [null, 'x', 42, true, [1, 2]]) {
      const response = await suite.world.resellerA.post('/v1/entitlement', body);
      const what = JSON.stringify(body);

      assert.equal(response.status, 400, what);
      assert.equal(response.body.detail, 'The request body must be a JSON object.', what);
      assert.deepEqual(response.body.errors, [{ field: 'body', message: 'must be a JSON object' }]);
    }
    // Also where the body is optional: no body is fine, but `null` is not an object.
    const activate = `/merchant/v1/entitlement/${randomUUID()}/activate`;
    const optional = await suite.world.merchantA.post(activate, null);
    assert.equal(optional.status, 400);
    assert.equal(optional.body.detail, 'The request body must be a JSON object.');
  });

  it('answers 404 for unknown paths, also under the API prefixes', async () => {
    for (const path of ['/v1/nothing', '/merchant/v1/nothing', '/admin/v1/nothing']) {
      const response = await suite.world.resellerA.get(path);
      assert.equal(response.status, 404, path);
    }
  });

  it('routes every contract operation: none gets the 404 or 405 of an unknown path', async () => {
    const anonymous = ApiClient.anonymous(suite.server);
    const unrouted: string[] = [];
    for (const operation of contractOperations()) {
      const { status } = await anonymous.request(operation.method, operation.path);
      if (status === 404 || status === 405) {
        unrouted.push(
          `${operation.operationId} (${operation.method} ${operation.path}): ${status}`,
        );
      }
    }
    assert.deepEqual(unrouted, [], 'operations of the contract without a handler');
  });

  it('takes a bodiless POST (Content-Length: 0, no Content-Type) as an empty one', async () => {
    const rotated = await suite.world.admin.post('/admin/v1/resellers/TELCO_A/signingSecret');
    assert.equal(rotated.status, 200);
    assert.match(String(rotated.body.secret), /^whsec_/);
  });

  it('answers 201 and 409 (not 500) to two concurrent creates of one key', async () => {
    const body = { resellerKey: 'TWICE_TELCO', name: 'Twice' };
    const answers = await Promise.all([
      suite.world.admin.post('/admin/v1/resellers', body),
      suite.world.admin.post('/admin/v1/resellers', body),
    ]);
    assert.deepEqual(answers.map((answer) => answer.status).sort(), [201, 409]);
  });

  it('answers 405 with Allow for a known path and another method', async () => {
    const response = await suite.world.resellerA.delete('/v1/entitlement');
    assert.equal(response.status, 405);
    const allowed = (response.headers.get('allow') ?? '').split(', ').sort();
    assert.deepEqual(
      allowed.filter((method) => method !== 'HEAD'),
      ['GET', 'POST'],
    );
  });

  it('answers 413 for a body over the limit', async () => {
    const body = { ...createBody(), entitlementDisplayName: 'x'.repeat(3000) };
    const response = await suite.world.resellerA.post('/v1/entitlement', body);
    assert.equal(response.status, 413);
    assert.equal(response.body.responseCode, 'PAYLOAD_TOO_LARGE');
  });

  it('answers 415 for a body that is not JSON', async () => {
    const response = await suite.server.request('/v1/entitlement', {
      method: 'POST',
      headers: {
        Authorization: `Basic ${Buffer.from('x:y').toString('base64')}`,
        'Content-Type': 'text/plain',
      },
      body: 'hello',
    });
    assert.equal(response.status, 415);
  });
});

describeWithSqlite('API rate limiting', (db) => {
  // 2 a "second" plus a burst of 1, with both windows stretched to hours: the limiter reads
  // the wall clock, and on a busy machine eight requests could otherwise span a refill.
  const rateLimit = { perSecond: 2, burst: 1, windowScale: 3600 };
  const suite = useApiWorld(db, {}, { rateLimit });

  it('answers 429 with Retry-After per credential, and never limits health probes', async () => {
    const statuses: number[] = [];
    let limited: ApiResponse | undefined;
    for (let request = 0; request < 8; request += 1) {
      const answer = await suite.world.merchantA.get('/merchant/v1/echo/x');
      statuses.push(answer.status);
      limited ??= answer.status === 429 ? answer : undefined;
    }
    assert.deepEqual(statuses, [200, 200, 200, 429, 429, 429, 429, 429]);
    assert.match(limited!.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
    assert.equal(limited!.body.responseCode, 'TOO_MANY_REQUESTS');

    // Another credential has its own budget.
    assert.equal((await suite.world.merchantB.get('/merchant/v1/echo/x')).status, 200);
    const probes = await Promise.all(
      Array.from({ length: 8 }, () => ApiClient.anonymous(suite.server).get('/health/live')),
    );
    assert.ok(probes.every((probe) => probe.status === 200));
  });
});
