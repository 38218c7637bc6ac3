import assert from 'node:assert/strict';

import { describeEachDatabase } from '../helpers/databases';
import { rejectsWith } from './helpers/assertions';
import { type DomainWorld, type Tenant, useDomainWorld } from './helpers/domain-world';
import { entitlementIn } from './helpers/entitlements';
import { signUpParameters } from '../helpers/merchant-stub';

const CANCEL = { reasonCategory: 'CUSTOMER_CANCELLED', reasonCode: 'NOT_RENEWED' } as const;
const HOUR = 3600_000;

describeEachDatabase('entitlement rules', (db) => {
  let world: DomainWorld;
  let tenant: Tenant;
  useDomainWorld(db, (opened, first) => {
    world = opened;
    tenant = first;
  });

  const service = () => world.services.entitlements;

  it('refuses (422) an operation the route lacks, without calling the merchant', async () => {
    const limited = await world.addTenant({ operations: ['CANCEL', 'REVOKE'] });
    const entitlement = await entitlementIn(world, limited, 'ACTIVE');
    const calls = world.stub.calls.length;
    await rejectsWith(
      service().update(
        limited.reseller,
        entitlement.entitlementId,
        { entitlementBenefits: 'SUSPENDED' },
        world.meta(),
      ),
      'NOT_AVAILABLE',
    );
    await rejectsWith(
      world.services.merchantEntitlements.suspend(
        limited.merchant,
        entitlement.entitlementId,
        {},
        world.meta(),
      ),
      'NOT_AVAILABLE',
    );
    assert.equal(world.stub.calls.length, calls);
    assert.equal((await service().get(limited.reseller, entitlement.entitlementId)).version, 1);
  });

  it('keeps the status on a queued change (accepted) until the merchant confirms', async () => {
    const limited = await world.addTenant({ operations: ['SUSPEND', 'RESUME', 'CANCEL'] });
    const entitlement = await entitlementIn(world, limited, 'ACTIVE');
    world.stub.answer('suspend', { status: 202, body: {} });
    const queued = await service().update(
      limited.reseller,
      entitlement.entitlementId,
      { entitlementBenefits: 'SUSPENDED' },
      world.meta(),
    );
    assert.equal(queued.result, 'accepted');
    assert.equal(queued.entitlement.status, 'ACTIVE');
    assert.equal(queued.entitlement.version, 1);

    // No MERCHANT_SUSPEND on this route, but confirming the queued suspend is allowed.
    const confirmed = await world.services.merchantEntitlements.suspend(
      limited.merchant,
      entitlement.entitlementId,
      {},
      world.meta(),
    );
    assert.equal(confirmed.status, 'SUSPENDED');
    assert.equal(confirmed.version, 2);
  });

  it('cancels to ACTIVE-ENDING at a future terminationDate, and reverts to ACTIVE', async () => {
    const entitlement = await entitlementIn(world, tenant, 'ACTIVE');
    const end = new Date(world.clock.now().getTime() + HOUR).toISOString();
    world.stub.answer('terminate', { status: 200, body: { terminationDate: end } });
    const ending = await service().cancel(
      tenant.reseller,
      entitlement.entitlementId,
      { ...CANCEL, reasonDescription: 'moving' },
      world.meta(),
    );
    assert.equal(ending.entitlement.status, 'ACTIVE-ENDING');
    assert.equal(ending.entitlement.dateEnded, end);
    assert.equal(ending.entitlement.reasonDescription, 'moving');
    const sent = world.stub.callsOf('terminate').at(-1)?.body;
    assert.equal(sent?.immediate, false);
    assert.equal(sent?.reasonCode, 'NOT_RENEWED');

    const reverted = await service().update(
      tenant.reseller,
      entitlement.entitlementId,
      { revertCancellation: true },
      world.meta(),
    );
    assert.equal(reverted.entitlement.status, 'ACTIVE');
    assert.equal(reverted.entitlement.dateEnded, null);
    assert.equal(reverted.entitlement.reasonCode, null);
  });

  it('cancels at once when the merchant gives no future date', async () => {
    const entitlement = await entitlementIn(world, tenant, 'ACTIVE');
    const past = new Date(world.clock.now().getTime() - HOUR).toISOString();
    world.stub.answer('terminate', { status: 200, body: { terminationDate: past } });
    const done = await service().cancel(
      tenant.reseller,
      entitlement.entitlementId,
      CANCEL,
      world.meta(),
    );
    assert.equal(done.entitlement.status, 'CANCELLED');
    assert.equal(done.entitlement.dateEnded, world.clock.now().toISOString());
  });

  it('refuses a reason pair outside the table (400) and a mixed update (400)', async () => {
    const entitlement = await entitlementIn(world, tenant, 'ACTIVE');
    await rejectsWith(
      service().cancel(
        tenant.reseller,
        entitlement.entitlementId,
        { reasonCategory: 'REVOKED', reasonCode: 'NOT_RENEWED' },
        world.meta(),
      ),
      'BAD_REQUEST',
    );
    await rejectsWith(
      service().update(
        tenant.reseller,
        entitlement.entitlementId,
        { productKey: tenant.otherProductKey, entitlementDisplayName: 'x' },
        world.meta(),
      ),
      'BAD_REQUEST',
    );
    await rejectsWith(
      service().update(tenant.reseller, entitlement.entitlementId, {}, world.meta()),
      'BAD_REQUEST',
    );
    // `revertCancellation: false` alone changes nothing, as the contract says.
    const same = await service().update(
      tenant.reseller,
      entitlement.entitlementId,
      { revertCancellation: false },
      world.meta(),
    );
    assert.equal(same.entitlement.version, entitlement.version);
  });

  it('changes data in Tessera only (METADATA_UPDATE), several fields at once', async () => {
    const entitlement = await entitlementIn(world, tenant, 'ACTIVE');
    const dateExpiry = new Date(world.clock.now().getTime() + 24 * HOUR).toISOString();
    const calls = world.stub.calls.length;
    const changed = await service().update(
      tenant.reseller,
      entitlement.entitlementId,
      {
        entitlementDisplayName: 'Music for Ann',
        extensionData: { plan: 'max' },
        dateExpiry,
        customerIdentifier: 'new-id',
        notificationUrl: 'https://127.0.0.1:9/hooks',
      },
      world.meta(),
    );
    assert.equal(world.stub.calls.length, calls);
    assert.equal(changed.entitlement.entitlementDisplayName, 'Music for Ann');
    assert.deepEqual(changed.entitlement.extensionData, { plan: 'max' });
    assert.equal(changed.entitlement.dateExpiry, dateExpiry);
    assert.equal(changed.entitlement.customerIdentifier, 'new-id');
    assert.equal(changed.entitlement.sharedCustomerId, entitlement.sharedCustomerId);
    const event = (await service().listHistory(tenant.reseller, entitlement.entitlementId)).at(-1);
    assert.equal(event?.reason, 'METADATA_UPDATE');

    await rejectsWith(
      service().update(
        tenant.reseller,
        entitlement.entitlementId,
        { notificationUrl: 'ftp://nowhere' },
        world.meta(),
      ),
      'BAD_REQUEST',
    );
  });

  it('hands out a fresh activation step while PENDING only', async () => {
    const pending = await entitlementIn(world, tenant, 'PENDING');
    const info = await service().getActivationInfo(
      tenant.reseller,
      pending.entitlementId,
      world.meta(),
    );
    assert.equal(info.result, 'done');
    assert.match(info.parameters?.url ?? '', /signup\/fresh-/);
    assert.equal(
      world.stub.callsOf('activationInfo').at(-1)?.merchantEntitlementId,
      pending.merchantEntitlementId,
    );

    const active = await entitlementIn(world, tenant, 'ACTIVE');
    await rejectsWith(
      service().getActivationInfo(tenant.reseller, active.entitlementId, world.meta()),
      'CONFLICT',
    );
  });

  it('is PENDING while a product change needs the user, ACTIVE again on activation', async () => {
    const entitlement = await entitlementIn(world, tenant, 'ACTIVE');
    world.stub.answer('update', { status: 202, body: { parameters: signUpParameters('upgrade') } });
    const changed = await service().update(
      tenant.reseller,
      entitlement.entitlementId,
      { productKey: tenant.otherProductKey },
      world.meta(),
    );
    assert.equal(changed.result, 'actionRequired');
    assert.equal(changed.entitlement.status, 'PENDING');
    assert.equal(changed.entitlement.productKey, tenant.otherProductKey);
    const sent = world.stub.callsOf('update').at(-1)?.body;
    assert.equal(sent?.previousProductKey, tenant.productKey);

    const active = await world.services.merchantEntitlements.activate(
      tenant.merchant,
      entitlement.entitlementId,
      { merchantEntitlementId: 'm-77' },
      world.meta(),
    );
    assert.equal(active.status, 'ACTIVE');
    assert.equal(active.merchantEntitlementId, 'm-77');
  });

  it('a merchant failure on a change: problem naming the entitlement, no change', async () => {
    const entitlement = await entitlementIn(world, tenant, 'ACTIVE');
    world.stub.answer('terminate', { status: 500 });
    const problem = await rejectsWith(
      service().revoke(
        tenant.reseller,
        entitlement.entitlementId,
        { reasonCategory: 'REVOKED', reasonCode: 'ERROR' },
        world.meta(),
      ),
      'MERCHANT_UNAVAILABLE',
    );
    assert.equal(problem.entitlementId, entitlement.entitlementId);
    assert.deepEqual(await service().get(tenant.reseller, entitlement.entitlementId), entitlement);
  });

  it('lists entitlements a page at a time with filters, oldest first', async () => {
    const paged = await world.addTenant();
    const created = [];
    for (let i = 0; i < 5; i += 1) {
      world.clock.advance(1000);
      created.push(await entitlementIn(world, paged, i % 2 === 0 ? 'ACTIVE' : 'PENDING'));
    }
    const first = await service().list(paged.reseller, { limit: 2 });
    assert.deepEqual(
      first.entitlements.map((e) => e.entitlementId),
      created.slice(0, 2).map((e) => e.entitlementId),
    );
    const second = await service().list(paged.reseller, {
      limit: 2,
      cursor: first.nextCursor as string,
    });
    assert.deepEqual(
      second.entitlements.map((e) => e.entitlementId),
      created.slice(2, 4).map((e) => e.entitlementId),
    );
    const last = await service().list(paged.reseller, {
      limit: 2,
      cursor: second.nextCursor as string,
    });
    assert.equal(last.entitlements.length, 1);
    assert.equal(last.nextCursor, null);

    const pending = await service().list(paged.reseller, { limit: 10, status: 'PENDING' });
    assert.equal(pending.entitlements.length, 2);
    const since = await service().list(paged.reseller, {
      limit: 10,
      createdFrom: created[3]?.dateCreated,
    });
    assert.equal(since.entitlements.length, 2);
    await rejectsWith(
      service().list(paged.reseller, { limit: 2, cursor: 'garbage' }),
      'BAD_REQUEST',
    );
  });
});
