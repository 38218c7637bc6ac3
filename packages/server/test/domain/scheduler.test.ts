import assert from 'node:assert/strict';

import { describeEachDatabase } from '../helpers/databases';
import { rejectsWith } from './helpers/assertions';
import { DomainWorld, type Tenant } from './helpers/domain-world';
import { entitlementIn, newCustomer } from './helpers/entitlements';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describeEachDatabase('the scheduler', (db) => {
  let world: DomainWorld;
  let tenant: Tenant;

  before(async () => {
    world = await DomainWorld.open(db, { scheduler: { staleProvisioningMs: 5 * MINUTE } });
    tenant = await world.addTenant();
  });

  after(async () => {
    await world.close();
  });

  afterEach(() => {
    world.stub.reset();
  });

  const get = (id: string) => world.services.entitlements.get(tenant.reseller, id);
  const history = (id: string) => world.services.entitlements.listHistory(tenant.reseller, id);

  it('cancels an ACTIVE-ENDING entitlement once its dateEnded is reached, not before', async () => {
    const ending = await entitlementIn(world, tenant, 'ACTIVE-ENDING', { endsIn: HOUR });
    world.clock.advance(HOUR - 1000);
    await world.services.scheduler.runOnce();
    assert.equal((await get(ending.entitlementId)).status, 'ACTIVE-ENDING');

    world.clock.advance(1000);
    await world.services.scheduler.runOnce();
    const ended = await get(ending.entitlementId);
    assert.equal(ended.status, 'CANCELLED');
    assert.equal(ended.dateEnded, ending.dateEnded);
    const event = (await history(ending.entitlementId)).at(-1);
    assert.equal(event?.reason, 'TERMINATION_SUCCESS');
    assert.equal(event?.actor, 'SCHEDULER');
    assert.equal(event?.requestId, null);
  });

  it('cancels a live entitlement at its dateExpiry as CUSTOMER_CANCELLED/EXPIRED', async () => {
    const dateExpiry = new Date(world.clock.now().getTime() + 30 * MINUTE);
    const expiring = await entitlementIn(world, tenant, 'SUSPENDED', { dateExpiry });
    world.clock.advance(30 * MINUTE);
    await world.services.scheduler.runOnce();

    const expired = await get(expiring.entitlementId);
    assert.equal(expired.status, 'CANCELLED');
    assert.equal(expired.reasonCategory, 'CUSTOMER_CANCELLED');
    assert.equal(expired.reasonCode, 'EXPIRED');
    assert.equal(expired.dateEnded, dateExpiry.toISOString());
  });

  it('runs again after a dateExpiry is moved later by the reseller', async () => {
    const dateExpiry = new Date(world.clock.now().getTime() + 10 * MINUTE);
    const entitlement = await entitlementIn(world, tenant, 'ACTIVE', { dateExpiry });
    const later = new Date(dateExpiry.getTime() + HOUR).toISOString();
    await world.services.entitlements.update(
      tenant.reseller,
      entitlement.entitlementId,
      { dateExpiry: later },
      world.meta(),
    );
    world.clock.advance(20 * MINUTE);
    await world.services.scheduler.runOnce();
    assert.equal((await get(entitlement.entitlementId)).status, 'ACTIVE');
  });

  it('finalises a create the process never finished as FAILED, as the create', async () => {
    world.stub.answer('create', { status: 200, body: {}, delayMs: 400 });
    const meta = world.meta();
    const body = {
      customerIdentifier: newCustomer(),
      merchantAccountKey: tenant.merchantAccountKey,
      productKey: tenant.productKey,
    };
    const create = world.services.entitlements.create(tenant.reseller, body, meta);
    const settled = create.then(
      () => null,
      (error: unknown) => error,
    );
    while (
      world.stub.callsOf('create').length === 0 ||
      world.stub.callsOf('create').at(-1)?.body.requestId !== meta.requestId
    ) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const entitlementId = world.stub.callsOf('create').at(-1)?.body.entitlementId as string;

    await world.services.scheduler.runOnce();
    await rejectsWith(get(entitlementId), 'NOT_FOUND'); // still provisioning: not visible yet
    world.clock.advance(6 * MINUTE);
    await world.services.scheduler.runOnce();

    const failed = await get(entitlementId);
    assert.equal(failed.status, 'FAILED');
    const [event] = await history(entitlementId);
    assert.equal(event?.reason, 'ENTITLEMENT_FAILED');
    assert.equal(event?.requestId, meta.requestId);
    // The merchant's late answer loses the race: the row moved on meanwhile.
    const outcome = await settled;
    assert.equal((outcome as { responseCode?: string }).responseCode, 'CONFLICT');
    assert.equal((await history(entitlementId)).length, 1);
  });

  it('moves a sandbox reseller’s test clock and applies what falls due at once', async () => {
    const sandbox = await world.addTenant({ sandbox: true });
    const clock = await world.services.sandbox.getClock(sandbox.reseller);
    assert.equal(clock.offsetSeconds, 0);
    assert.equal(clock.now, world.clock.now().toISOString());

    const ending = await entitlementIn(world, sandbox, 'ACTIVE-ENDING', { endsIn: 30 * 24 * HOUR });
    const moved = await world.services.sandbox.advanceClock(sandbox.reseller, {
      advanceBySeconds: 30 * 24 * 3600,
    });
    assert.equal(moved.offsetSeconds, 30 * 24 * 3600);
    const ended = await world.services.entitlements.get(sandbox.reseller, ending.entitlementId);
    assert.equal(ended.status, 'CANCELLED');
    // Changes of a sandbox reseller happen by its test clock.
    const event = (
      await world.services.entitlements.listHistory(sandbox.reseller, ending.entitlementId)
    ).at(-1);
    assert.equal(event?.occurredAt, moved.now);

    const to = new Date(Date.parse(moved.now) + HOUR).toISOString();
    assert.equal((await world.services.sandbox.advanceClock(sandbox.reseller, { to })).now, to);
    await rejectsWith(
      world.services.sandbox.advanceClock(sandbox.reseller, { to: moved.now }),
      'BAD_REQUEST',
    );
    await rejectsWith(world.services.sandbox.advanceClock(sandbox.reseller, {}), 'BAD_REQUEST');
  });

  it('regular passes also run a sandbox reseller’s due changes by its test clock', async () => {
    const sandbox = await world.addTenant({ sandbox: true });
    const status = async (id: string) =>
      (await world.services.entitlements.get(sandbox.reseller, id)).status;
    // The test clock runs an hour ahead; the period ends 30 minutes after it (by test time).
    await world.services.sandbox.advanceClock(sandbox.reseller, { advanceBySeconds: 3600 });
    const ending = await entitlementIn(world, sandbox, 'ACTIVE-ENDING', {
      endsIn: HOUR + 30 * MINUTE,
    });
    const realTime = await entitlementIn(world, tenant, 'ACTIVE-ENDING', { endsIn: HOUR });

    world.clock.advance(30 * MINUTE);
    await world.services.scheduler.runOnce();
    assert.equal(await status(ending.entitlementId), 'CANCELLED');
    assert.equal((await get(realTime.entitlementId)).status, 'ACTIVE-ENDING');
  });

  it('keeps the test clock for sandbox resellers (403)', async () => {
    await rejectsWith(world.services.sandbox.getClock(tenant.reseller), 'FORBIDDEN');
    await rejectsWith(
      world.services.sandbox.advanceClock(tenant.reseller, { advanceBySeconds: 1 }),
      'FORBIDDEN',
    );
  });

  it('starts, runs on its own and stops', async () => {
    const ending = await entitlementIn(world, tenant, 'ACTIVE-ENDING', { endsIn: MINUTE });
    world.clock.advance(2 * MINUTE);
    world.services.scheduler.start();
    try {
      for (let i = 0; i < 200 && (await get(ending.entitlementId)).status !== 'CANCELLED'; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    } finally {
      await world.services.scheduler.stop();
    }
    assert.equal((await get(ending.entitlementId)).status, 'CANCELLED');
  });

  if (db.kind === 'postgres') {
    it('two scheduler processes on one database handle each due row exactly once', async () => {
      const twin = await DomainWorld.twin(world, db);
      try {
        const due = [];
        for (let i = 0; i < 24; i += 1) {
          due.push(await entitlementIn(world, tenant, 'ACTIVE-ENDING', { endsIn: MINUTE }));
        }
        world.clock.advance(2 * MINUTE);
        const [mine, theirs] = await Promise.all([
          world.services.scheduler.runOnce(),
          twin.services.scheduler.runOnce(),
        ]);
        assert.equal(mine + theirs, due.length);
        for (const entitlement of due) {
          const events = await history(entitlement.entitlementId);
          assert.equal(events.filter((event) => event.actor === 'SCHEDULER').length, 1);
          assert.equal((await get(entitlement.entitlementId)).status, 'CANCELLED');
        }
      } finally {
        await twin.closeTwin();
      }
    });
  }
});
