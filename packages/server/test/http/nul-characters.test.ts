import assert from 'node:assert/strict';

import type { Middleware } from 'koa';

import { BadRequestProblem } from '../../src/errors/http-problems';
import { loadContract } from '../../src/http/contract';
import { validateRequest } from '../../src/http/request-validation.middleware';
import type { TesseraState } from '../../src/http/state';
import { buildNotification } from '../../src/notifications/notification-payload';
import { ApiClient } from '../helpers/api-client';
import { createBody, uniqueCustomer, useApiWorld } from '../helpers/api-world';
import { describeEachDatabase } from '../helpers/databases';
import { sampleEvent } from '../notifications/helpers/sample-event';

const IN_VALUE = 'must not contain the NUL character (U+0000)';
const IN_NAME = 'must not have the NUL character (U+0000) in its name';

// PostgreSQL cannot store U+0000 and SQLite keeps it silently: both must refuse it up front.
describeEachDatabase('NUL characters in requests', (db) => {
  const suite = useApiWorld(db, { SANDBOX: 'true' });

  it('refuses a body string holding a NUL, naming it, and writes nothing', async () => {
    const customer = uniqueCustomer();
    const key = { headers: { 'Idempotency-Key': `nul-${customer}` } };
    const refused = await suite.world.resellerA.post(
      '/v1/entitlement',
      createBody('MUSIC', `${customer}\u0000x`),
      key,
    );

    assert.equal(refused.status, 400);
    assert.equal(refused.body.detail, 'The request is invalid: check /customerIdentifier.');
    assert.deepEqual(refused.body.errors, [{ field: '/customerIdentifier', message: IN_VALUE }]);
    // The key was not claimed: the same key with a valid body runs, it is not "reused".
    const created = await suite.world.resellerA.post(
      '/v1/entitlement',
      createBody('MUSIC', customer),
      key,
    );
    assert.equal(created.status, 200);
    assert.equal(created.headers.get('idempotent-replayed'), null);
  });

  it('refuses property names and nested strings holding a NUL', async () => {
    const response = await suite.world.resellerA.post('/v1/entitlement', {
      ...createBody(),
      extensionData: { 'plan\u0000': 'gold', tier: 'a\u0000' },
    });

    assert.equal(response.status, 400);
    assert.deepEqual(response.body.errors, [
      { field: '/extensionData/plan\u0000', message: IN_NAME },
      { field: '/extensionData/tier', message: IN_VALUE },
    ]);
  });

  it('refuses query and path parameters holding a NUL', async () => {
    const query = await suite.world.resellerA.get('/v1/entitlement?customerIdentifier=%00');
    assert.equal(query.status, 400);
    assert.deepEqual(query.body.errors, [{ field: 'query.customerIdentifier', message: IN_VALUE }]);

    const path = await suite.world.admin.get('/admin/v1/resellers/TELCO_A%00');
    assert.equal(path.status, 400);
    assert.deepEqual(path.body.errors, [{ field: 'path.resellerKey', message: IN_VALUE }]);
  });

  it('answers 401, not 500, to a Basic username holding a NUL', async () => {
    const { username, password } = suite.world.credentials.resellerA;
    const client = ApiClient.basic(suite.server, `${username}\u0000`, password);

    const response = await client.get('/v1/entitlement');

    assert.equal(response.status, 401);
    assert.equal(response.body.responseCode, 'UNAUTHORIZED');
  });

  it('refuses NULs at the sandbox inbox: in the reseller key and in the notification', async () => {
    const anonymous = ApiClient.anonymous(suite.server);
    const body = JSON.parse(buildNotification(sampleEvent(), forger).body) as object;

    const unknown = await anonymous.post('/sandbox/inbox/TELCO_A%00', body);
    assert.equal(unknown.status, 404);
    const tainted = { ...body, entitlementId: 'x\u0000' };
    const refused = await anonymous.post('/sandbox/inbox/TELCO_A', tainted);
    assert.equal(refused.status, 400);
  });
});

/** Signs with a secret no reseller has; the inbox records it as badly signed. */
const forger = {
  signingSecret: 'whsec_dGhpcyBpcyBub3QgdGhlIHNlY3JldCEhIQ==',
  previousSigningSecret: null,
  previousSecretValidUntil: null,
};

// Node's HTTP parser refuses a raw NUL in a header before Koa sees it, so the header rule is
// checked on the middleware itself: it must not depend on the parser.
describe('NUL characters in headers the contract reads', () => {
  let validate: Middleware<TesseraState>;

  before(async () => {
    const contract = await loadContract();
    validate = validateRequest(contract, contract.operation('createEntitlement'));
  });

  it('refuses an Idempotency-Key holding a NUL, by its contract name', async () => {
    const ctx = {
      method: 'POST',
      path: '/v1/entitlement',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'k\u0000' },
      querystring: '',
      query: {},
      params: {},
      request: { body: createBody() },
      state: {},
    };

    const refused = validate(ctx as never, () => Promise.resolve());

    await assert.rejects(refused, (error: unknown) => {
      assert.ok(error instanceof BadRequestProblem);
      assert.deepEqual(error.errors, [{ field: 'header.Idempotency-Key', message: IN_VALUE }]);
      return true;
    });
  });
});
