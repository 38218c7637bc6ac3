// Checks what a linter cannot: that the bundles hold every operation the product promises, that
// each audience bundle is exactly its slice of the full contract, and that the state machine and
// the schemas' enums say the same thing.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';

const load = async (name) =>
  JSON.parse(await readFile(new URL(`../generated/${name}.json`, import.meta.url), 'utf8'));

const full = await load('openapi');
const machine = await load('state-machine');
const methods = ['get', 'put', 'post', 'patch', 'delete'];

/** Every `METHOD path` of a document. */
function operationsOf(document) {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    methods.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${path}`),
  );
}

const enumOf = (name) => full.components.schemas[name].enum;

describe('the full contract', () => {
  const required = [
    'GET /v1/echo/{echoRequestId}',
    'POST /v1/entitlement',
    'GET /v1/entitlement/{entitlementId}',
    'POST /v1/entitlement/report',
    'GET /v1/entitlement',
    'PATCH /v1/entitlement/{entitlementId}',
    'POST /v1/entitlement/{entitlementId}/cancel',
    'POST /v1/entitlement/{entitlementId}/revoke',
    'GET /v1/entitlement/{entitlementId}/activationInfo',
    'GET /v1/entitlement/{entitlementId}/events',
    'GET /v1/events',
    'GET /merchant/v1/echo/{echoRequestId}',
    'GET /merchant/v1/entitlement',
    'GET /merchant/v1/entitlement/{entitlementId}',
    'PATCH /merchant/v1/entitlement/{entitlementId}',
    'POST /merchant/v1/entitlement/{entitlementId}/activate',
    'POST /merchant/v1/entitlement/{entitlementId}/terminate',
    'POST /merchant/v1/entitlement/{entitlementId}/suspend',
    'POST /merchant/v1/entitlement/{entitlementId}/resume',
    'POST /merchant/v1/entitlement/{entitlementId}/customerNotEligible',
  ];

  it('has every operation the product promises', () => {
    const present = new Set(operationsOf(full));

    assert.deepEqual(required.filter((op) => !present.has(op)), []);
  });

  it('covers the admin areas', () => {
    const paths = Object.keys(full.paths).filter((p) => p.startsWith('/admin/v1/'));
    const areas = ['resellers', 'merchants', 'products', 'routes', 'credentials',
      'notificationDeliveries', 'reports'];

    assert.deepEqual(areas.filter((a) => !paths.some((p) => p.startsWith(`/admin/v1/${a}`))), []);
  });

  it('gives every operation a unique verb-first operationId, a summary and a description', () => {
    const ids = Object.values(full.paths).flatMap((item) =>
      methods.filter((m) => item[m]).map((m) => item[m]),
    );

    for (const op of ids) {
      assert.match(op.operationId, /^[a-z]+[A-Za-z]*$/);
      assert.ok(op.summary && op.description, op.operationId);
    }
    assert.equal(new Set(ids.map((op) => op.operationId)).size, ids.length);
  });

  it('carries the notification as a webhook with the Standard Webhooks headers', () => {
    const post = full['x-webhooks'].entitlementNotification.post;
    const headers = post.parameters.map((p) => p.name);

    assert.deepEqual(headers, ['webhook-id', 'webhook-timestamp', 'webhook-signature']);
  });
});

describe('the audience bundles', () => {
  const slices = { reseller: '/v1/', merchant: '/merchant/v1/' };

  for (const [name, prefix] of Object.entries(slices)) {
    it(`${name}.json holds exactly the ${prefix} operations of the full contract`, async () => {
      const bundle = await load(name);
      const expected = operationsOf(full).filter((op) => op.split(' ')[1].startsWith(prefix));

      assert.deepEqual(operationsOf(bundle).sort(), expected.sort());
    });
  }

  it('gives the reseller bundle the notification schema', async () => {
    const reseller = await load('reseller');

    assert.ok(reseller.components.schemas.EntitlementNotification);
    assert.ok(reseller['x-webhooks'].entitlementNotification);
  });

  it('gives the callbacks bundle every merchant callback', async () => {
    const callbacks = await load('merchant-callbacks');
    const ids = Object.values(callbacks.paths).flatMap((item) =>
      methods.filter((m) => item[m]).map((m) => item[m].operationId),
    );

    assert.deepEqual(ids.sort(), [
      'handleCreateEntitlement', 'handleGetActivationInfo', 'handleResumeEntitlement',
      'handleSuspendEntitlement', 'handleTerminateEntitlement', 'handleUpdateEntitlement',
    ]);
  });
});

describe('the state machine', () => {
  const states = machine.states.map((s) => s.name);
  const terminal = machine.states.filter((s) => !s.live).map((s) => s.name);

  it('names the same states as EntitlementStatus', () => {
    assert.deepEqual(states, enumOf('EntitlementStatus'));
  });

  it('names the same actors, notification reasons and reason codes as the schemas', () => {
    assert.deepEqual(machine.actors, enumOf('Actor'));
    assert.deepEqual(machine.notificationReasons, enumOf('NotificationReason'));
    assert.deepEqual(Object.keys(machine.reasonCodes), enumOf('ReasonCategory'));
    const codes = new Set(Object.values(machine.reasonCodes).flat());
    assert.deepEqual([...codes].sort(), [...enumOf('ReasonCode')].sort());
  });

  it('uses only known states and actors, and leaves no terminal state', () => {
    for (const t of machine.transitions) {
      for (const from of t.from ?? []) {
        assert.ok(states.includes(from) && !terminal.includes(from), `${t.trigger} from ${from}`);
      }
      assert.ok(t.to === 'same' || states.includes(t.to), `${t.trigger} to ${t.to}`);
      assert.ok(t.actors.every((a) => machine.actors.includes(a)), t.trigger);
    }
  });

  it('records a known event reason and notifies exactly the notification reasons', () => {
    for (const t of machine.transitions) {
      assert.ok(enumOf('EventReason').includes(t.reason), t.reason);
      assert.equal(t.notify, machine.notificationReasons.includes(t.reason), t.reason);
    }
  });

  it('is published in the bundles the clients are generated from', async () => {
    assert.deepEqual(full['x-state-machine'], machine);
    assert.deepEqual((await load('reseller'))['x-state-machine'], machine);
  });
});
