import assert from 'node:assert/strict';

import { ProblemError } from '../../src/errors/problem';
import { describeEachDatabase } from '../helpers/databases';
import { rejectsWith, settleAll } from './helpers/assertions';
import { type DomainWorld, type Tenant, useDomainWorld } from './helpers/domain-world';
import { entitlementIn } from './helpers/entitlements';

const REVOKE = { reasonCategory: 'REVOKED', reasonCode: 'FRAUD' } as const;
const CANCEL = { reasonCategory: 'CUSTOMER_CANCELLED', reasonCode: 'NOT_RENEWED' } as const;

describeEachDatabase('optimistic concurrency and the event feed', (db) => {
  let world: DomainWorld;
  let tenant: Tenant;
  useDomainWorld(db, (opened, first) => {
    world = opened;
    tenant = first;
  });

  it('answers 412 to a stale expectedVersion, for resellers and merchants alike', async () => {
    const entitlement = await entitlementIn(world, tenant, 'ACTIVE');
    const stale = world.meta({ expectedVersion: 7 });
    const calls = world.stub.calls.length;
    await rejectsWith(
      world.services.entitlements.revoke(tenant.reseller, entitlement.entitlementId, REVOKE, stale),
      'PRECONDITION_FAILED',
    );
    await rejectsWith(
      world.services.entitlements.update(
        tenant.reseller,
        entitlement.entitlementId,
        { entitlementDisplayName: 'x' },
        stale,
      ),
      'PRECONDITION_FAILED',
    );
    await rejectsWith(
      world.services.merchantEntitlements.suspend(
        tenant.merchant,
        entitlement.entitlementId,
        {},
        stale,
      ),
      'PRECONDITION_FAILED',
    );
    assert.equal(world.stub.calls.length, calls);

    const current = world.meta({ expectedVersion: 1 });
    const done = await world.services.entitlements.revoke(
      tenant.reseller,
      entitlement.entitlementId,
      REVOKE,
      current,
    );
    assert.equal(done.entitlement.version, 2);
  });

  const races: [string, (id: string) => Promise<unknown>, (id: string) => Promise<unknown>][] = [
    [
      'two reseller cancels',
      (id) => world.services.entitlements.cancel(tenant.reseller, id, CANCEL, world.meta()),
      (id) => world.services.entitlements.cancel(tenant.reseller, id, CANCEL, world.meta()),
    ],
    [
      'a reseller suspend and a reseller revoke',
      (id) =>
        world.services.entitlements.update(
          tenant.reseller,
          id,
          { entitlementBenefits: 'SUSPENDED' },
          world.meta(),
        ),
      (id) => world.services.entitlements.revoke(tenant.reseller, id, REVOKE, world.meta()),
    ],
    [
      'a merchant suspend and a merchant revoke',
      (id) => world.services.merchantEntitlements.suspend(tenant.merchant, id, {}, world.meta()),
      (id) =>
        world.services.merchantEntitlements.terminate(
          tenant.merchant,
          id,
          { immediate: true, ...REVOKE },
          world.meta(),
        ),
    ],
    [
      'a reseller revoke and a merchant cancel',
      (id) => world.services.entitlements.revoke(tenant.reseller, id, REVOKE, world.meta()),
      (id) =>
        world.services.merchantEntitlements.terminate(
          tenant.merchant,
          id,
          { immediate: false, ...CANCEL },
          world.meta(),
        ),
    ],
  ];

  for (const [name, first, second] of races) {
    it(`lets exactly one of ${name} win, fired together (409 for the other)`, async () => {
      // A slow merchant keeps both requests between their read and their write.
      world.stub.answer('terminate', { status: 200, body: {}, delayMs: 30 });
      world.stub.answer('suspend', { status: 200, body: {}, delayMs: 30 });
      const { entitlementId } = await entitlementIn(world, tenant, 'ACTIVE');

      const { fulfilled, rejected } = await settleAll([
        first(entitlementId),
        second(entitlementId),
      ]);
      assert.equal(fulfilled.length, 1);
      assert.equal(rejected.length, 1);
      assert.ok(rejected[0] instanceof ProblemError);
      assert.equal(rejected[0].responseCode, 'CONFLICT', rejected[0].message);

      const after = await world.services.entitlements.get(tenant.reseller, entitlementId);
      const events = await world.services.entitlements.listHistory(tenant.reseller, entitlementId);
      assert.equal(after.version, 2);
      assert.deepEqual(
        events.map((event) => event.version),
        [1, 2],
      );
      assert.equal(events[1]?.statusAfter, after.status);
    });
  }

  it('answers 412 to the loser when both sent the version they read', async () => {
    world.stub.answer('terminate', { status: 200, body: {}, delayMs: 30 });
    const { entitlementId } = await entitlementIn(world, tenant, 'ACTIVE');
    const meta = () => world.meta({ expectedVersion: 1 });
    const { fulfilled, rejected } = await settleAll([
      world.services.entitlements.cancel(tenant.reseller, entitlementId, CANCEL, meta()),
      world.services.entitlements.revoke(tenant.reseller, entitlementId, REVOKE, meta()),
    ]);
    assert.equal(fulfilled.length, 1);
    assert.ok(rejected[0] instanceof ProblemError);
    assert.equal(rejected[0].responseCode, 'PRECONDITION_FAILED');
  });

  it('numbers one reseller’s events without gaps under concurrent changes', async () => {
    const feedBefore = await readFeed(world, tenant);
    const entitlements = [];
    for (let i = 0; i < 6; i += 1) {
      entitlements.push(await entitlementIn(world, tenant, 'ACTIVE'));
    }
    const changes = entitlements.flatMap((entitlement) => [
      world.services.merchantEntitlements.update(
        tenant.merchant,
        entitlement.entitlementId,
        { merchantExtensionData: { n: '1' } },
        world.meta(),
      ),
      world.services.entitlements.update(
        tenant.reseller,
        entitlement.entitlementId,
        { entitlementDisplayName: 'n' },
        world.meta(),
      ),
      world.services.entitlements.update(
        tenant.reseller,
        entitlement.entitlementId,
        { extensionData: { n: '2' } },
        world.meta(),
      ),
    ]);
    const { fulfilled } = await settleAll<unknown>(changes);

    const feed = await readFeed(world, tenant);
    const sequences = feed.map((event) => event.sequence);
    assert.deepEqual(
      sequences,
      sequences.map((_, index) => index + 1),
      'gap-free from 1',
    );
    assert.equal(feed.length, feedBefore.length + entitlements.length + fulfilled.length);
    for (const entitlement of entitlements) {
      const versions = feed
        .filter((e) => e.entitlementId === entitlement.entitlementId)
        .map((e) => e.version);
      assert.deepEqual(
        versions,
        versions.map((_, index) => index + 1),
        'versions in feed order',
      );
    }
  });

  it('pages the feed with nextAfter and hasMore', async () => {
    const all = await readFeed(world, tenant);
    const first = await world.services.entitlements.listFeed(tenant.reseller, 0, 2);
    assert.equal(first.hasMore, true);
    assert.equal(first.nextAfter, 2);
    const last = await world.services.entitlements.listFeed(tenant.reseller, all.length, 10);
    assert.deepEqual(last, { events: [], nextAfter: all.length, hasMore: false });
  });
});

async function readFeed(world: DomainWorld, tenant: Tenant) {
  const page = await world.services.entitlements.listFeed(tenant.reseller, 0, 500);
  return page.events;
}
