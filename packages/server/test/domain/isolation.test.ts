import assert from 'node:assert/strict';

import type { Entitlement } from '../../src/domain/principals';
import { describeEachDatabase } from '../helpers/databases';
import { rejectsWith } from './helpers/assertions';
import { DomainWorld, type Tenant } from './helpers/domain-world';
import { entitlementIn } from './helpers/entitlements';

const REVOKE = { reasonCategory: 'REVOKED', reasonCode: 'OTHER' } as const;
const CANCEL = { reasonCategory: 'CUSTOMER_CANCELLED', reasonCode: 'OTHER' } as const;

describeEachDatabase('tenant isolation', (db) => {
  let world: DomainWorld;
  let a: Tenant;
  let b: Tenant;
  let active: Entitlement;
  let pending: Entitlement;

  before(async () => {
    world = await DomainWorld.open(db);
    a = await world.addTenant();
    b = await world.addTenant();
    active = await entitlementIn(world, a, 'ACTIVE');
    pending = await entitlementIn(world, a, 'PENDING');
  });

  after(async () => {
    await world.close();
  });

  const resellerCalls: Record<string, (id: string) => Promise<unknown>> = {
    get: (id) => world.services.entitlements.get(b.reseller, id),
    update: (id) =>
      world.services.entitlements.update(
        b.reseller,
        id,
        { entitlementDisplayName: 'x' },
        world.meta(),
      ),
    suspend: (id) =>
      world.services.entitlements.update(
        b.reseller,
        id,
        { entitlementBenefits: 'SUSPENDED' },
        world.meta(),
      ),
    cancel: (id) => world.services.entitlements.cancel(b.reseller, id, CANCEL, world.meta()),
    revoke: (id) => world.services.entitlements.revoke(b.reseller, id, REVOKE, world.meta()),
    getActivationInfo: (id) =>
      world.services.entitlements.getActivationInfo(b.reseller, id, world.meta()),
    listHistory: (id) => world.services.entitlements.listHistory(b.reseller, id),
  };

  for (const [name, call] of Object.entries(resellerCalls)) {
    it(`answers reseller B 404 on A's entitlement: ${name}`, async () => {
      const calls = world.stub.calls.length;
      for (const entitlement of [active, pending]) {
        await rejectsWith(call(entitlement.entitlementId), 'NOT_FOUND');
      }
      assert.equal(world.stub.calls.length, calls, 'the merchant was not called');
    });
  }

  const merchantCalls: Record<string, (id: string) => Promise<unknown>> = {
    get: (id) => world.services.merchantEntitlements.get(b.merchant, id),
    update: (id) =>
      world.services.merchantEntitlements.update(
        b.merchant,
        id,
        { merchantExtensionData: {} },
        world.meta(),
      ),
    activate: (id) =>
      world.services.merchantEntitlements.activate(b.merchant, id, {}, world.meta()),
    terminate: (id) =>
      world.services.merchantEntitlements.terminate(
        b.merchant,
        id,
        { immediate: true, ...REVOKE },
        world.meta(),
      ),
    suspend: (id) => world.services.merchantEntitlements.suspend(b.merchant, id, {}, world.meta()),
    resume: (id) => world.services.merchantEntitlements.resume(b.merchant, id, {}, world.meta()),
    markNotEligible: (id) =>
      world.services.merchantEntitlements.markNotEligible(b.merchant, id, {}, world.meta()),
  };

  for (const [name, call] of Object.entries(merchantCalls)) {
    it(`answers merchant B 404 on A's entitlement: ${name}`, async () => {
      for (const entitlement of [active, pending]) {
        await rejectsWith(call(entitlement.entitlementId), 'NOT_FOUND');
      }
    });
  }

  it("leaves A's entitlements unchanged after all that", async () => {
    assert.deepEqual(
      await world.services.entitlements.get(a.reseller, active.entitlementId),
      active,
    );
    assert.deepEqual(
      await world.services.entitlements.get(a.reseller, pending.entitlementId),
      pending,
    );
  });

  it("keeps A's entitlements and events out of B's lists, searches and feed", async () => {
    const { entitlements, merchantEntitlements } = world.services;
    assert.deepEqual((await entitlements.list(b.reseller, { limit: 100 })).entitlements, []);
    const search = { customerIdentifier: active.customerIdentifier };
    assert.deepEqual(await entitlements.searchCustomer(b.reseller, search), []);
    assert.deepEqual((await entitlements.listFeed(b.reseller, 0, 100)).events, []);
    assert.deepEqual(
      (await merchantEntitlements.list(b.merchant, { limit: 100 })).entitlements,
      [],
    );

    const own = await entitlements.list(a.reseller, { limit: 100 });
    const ids = own.entitlements.map((e) => e.entitlementId).sort();
    assert.deepEqual(ids, [active.entitlementId, pending.entitlementId].sort());
    const mine = await merchantEntitlements.list(a.merchant, { limit: 100 });
    assert.equal(mine.entitlements.length, 2);
  });

  it('shows the merchant its view: route data and reseller key, no reseller data', async () => {
    const seen = await world.services.merchantEntitlements.get(a.merchant, active.entitlementId);
    assert.equal(seen.customerIdentifier, null);
    assert.equal(seen.resellerKey, a.resellerKey);
    assert.deepEqual(seen.routeExtensionData, { channel: 'test' });
    assert.equal('extensionData' in seen, false);
    assert.equal('notificationUrl' in seen, false);
  });
});
