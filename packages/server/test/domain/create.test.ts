import assert from 'node:assert/strict';

import { TRANSITIONS } from '../../src/domain/state-machine';
import { describeEachDatabase } from '../helpers/databases';
import { rejectsWith } from './helpers/assertions';
import { type DomainWorld, type Tenant, useDomainWorld } from './helpers/domain-world';
import { newCustomer } from './helpers/entitlements';
import { signUpParameters, type StubAnswer } from '../helpers/merchant-stub';

/** The merchant answer that produces each create outcome of the table. */
const ANSWERS: Record<string, StubAnswer> = {
  activated: { status: 200, body: { merchantEntitlementId: 'sub-1' } },
  created: { status: 201, body: {} },
  actionRequired: { status: 202, body: { parameters: signUpParameters('welcome') } },
  failed: { status: 503, body: {} },
};

/** The service's result for each outcome. */
const RESULTS: Record<string, string> = {
  activated: 'done',
  created: 'created',
  actionRequired: 'actionRequired',
};

describeEachDatabase('creating entitlements', (db) => {
  let world: DomainWorld;
  let tenant: Tenant;
  useDomainWorld(db, (opened, first) => {
    world = opened;
    tenant = first;
  });

  const createFor = (customerIdentifier: string, productKey = tenant.productKey) => ({
    customerIdentifier,
    merchantAccountKey: tenant.merchantAccountKey,
    productKey,
  });

  for (const row of TRANSITIONS.filter((transition) => transition.trigger === 'create')) {
    const outcome = row.outcome as string;
    it(`records the ${outcome} outcome as ${row.to} with ${row.reason} (version 1)`, async () => {
      world.stub.answer('create', ANSWERS[outcome] as StubAnswer);
      const meta = world.meta();
      const { entitlementId, entitlement } = await createOutcome(
        world,
        tenant,
        createFor(newCustomer()),
        meta,
      );

      const stored = await world.services.entitlements.get(tenant.reseller, entitlementId);
      assert.equal(stored.status, row.to);
      assert.equal(stored.version, 1);
      const [event, ...more] = await world.services.entitlements.listHistory(
        tenant.reseller,
        entitlementId,
      );
      assert.equal(more.length, 0);
      assert.equal(event?.reason, row.reason);
      assert.equal(event?.statusBefore, null);
      assert.equal(event?.version, 1);
      assert.equal(event?.requestId, meta.requestId);
      assert.deepEqual(event?.entitlement, stored);
      if (entitlement !== undefined) {
        assert.equal(entitlement.result, RESULTS[outcome]);
      }
    });
  }

  it('answers 200 ACTIVE with the merchant id, 202 with the sign-up URL', async () => {
    world.stub.answer('create', ANSWERS.activated as StubAnswer);
    const active = await world.services.entitlements.create(
      tenant.reseller,
      createFor(newCustomer()),
      world.meta(),
    );
    assert.equal(active.entitlement.merchantEntitlementId, 'sub-1');
    assert.notEqual(active.entitlement.dateActivated, null);

    world.stub.answer('create', ANSWERS.actionRequired as StubAnswer);
    const pending = await world.services.entitlements.create(
      tenant.reseller,
      createFor(newCustomer()),
      world.meta(),
    );
    assert.equal(pending.result, 'actionRequired');
    assert.deepEqual(pending.parameters, signUpParameters('welcome'));
    assert.equal(pending.entitlement.merchantEntitlementId, pending.entitlement.entitlementId);
  });

  it('keeps an activation code the merchant asks the user to enter', async () => {
    const parameters = { action: 'ENTER_ACTIVATION_CODE', activationCode: 'ABC-123' };
    world.stub.answer('create', { status: 202, body: { parameters } });
    const result = await world.services.entitlements.create(
      tenant.reseller,
      createFor(newCustomer()),
      world.meta(),
    );
    assert.deepEqual(result.parameters, parameters);
    assert.equal(result.entitlement.activationCode, 'ABC-123');
  });

  it('leaves FAILED and names the entitlement when the merchant is unavailable (503)', async () => {
    world.stub.answer('create', { status: 503 });
    const problem = await rejectsWith(
      world.services.entitlements.create(tenant.reseller, createFor(newCustomer()), world.meta()),
      'MERCHANT_UNAVAILABLE',
    );
    assert.equal(problem.status, 503);
    assert.ok(problem.entitlementId);
    assert.equal(problem.toDocument('/v1/entitlement', 'r').entitlementId, problem.entitlementId);
    const failed = await world.services.entitlements.get(tenant.reseller, problem.entitlementId);
    assert.equal(failed.status, 'FAILED');
  });

  it('leaves FAILED with a 502 when the merchant refuses', async () => {
    world.stub.answer('create', { status: 409, body: { title: 'Already a subscriber' } });
    const problem = await rejectsWith(
      world.services.entitlements.create(tenant.reseller, createFor(newCustomer()), world.meta()),
      'MERCHANT_ERROR',
    );
    assert.equal(problem.status, 502);
    const failed = await world.services.entitlements.get(
      tenant.reseller,
      problem.entitlementId as string,
    );
    assert.equal(failed.status, 'FAILED');
  });

  it("refuses a second live entitlement beyond the route's limit (409 LIMIT_REACHED)", async () => {
    const customer = newCustomer();
    await world.services.entitlements.create(tenant.reseller, createFor(customer), world.meta());
    const problem = await rejectsWith(
      world.services.entitlements.create(
        tenant.reseller,
        { ...createFor(customer), offerKey: 'B' },
        world.meta(),
      ),
      'LIMIT_REACHED',
    );
    assert.equal(problem.status, 409);
    assert.match(problem.message, /Maximum number of subscriptions for user reached/);
  });

  it('does not count FAILED or ended entitlements toward the limit', async () => {
    const customer = newCustomer();
    world.stub.answer('create', { status: 503 });
    await rejectsWith(
      world.services.entitlements.create(tenant.reseller, createFor(customer), world.meta()),
      'MERCHANT_UNAVAILABLE',
    );
    world.stub.reset();
    const first = await world.services.entitlements.create(
      tenant.reseller,
      createFor(customer),
      world.meta(),
    );
    await world.services.merchantEntitlements.terminate(
      tenant.merchant,
      first.entitlement.entitlementId,
      { immediate: true, reasonCategory: 'REVOKED', reasonCode: 'OTHER' },
      world.meta(),
    );
    const second = await world.services.entitlements.create(
      tenant.reseller,
      createFor(customer),
      world.meta(),
    );
    assert.notEqual(second.entitlement.entitlementId, first.entitlement.entitlementId);
  });

  it('allows as many live entitlements as the route says', async () => {
    const roomy = await world.addTenant({ maxLive: 2 });
    const body = {
      customerIdentifier: newCustomer(),
      merchantAccountKey: roomy.merchantAccountKey,
      productKey: roomy.productKey,
    };
    await world.services.entitlements.create(roomy.reseller, body, world.meta());
    await world.services.entitlements.create(
      roomy.reseller,
      { ...body, offerKey: 'SECOND' },
      world.meta(),
    );
    await rejectsWith(
      world.services.entitlements.create(
        roomy.reseller,
        { ...body, offerKey: 'THIRD' },
        world.meta(),
      ),
      'LIMIT_REACHED',
    );
  });

  it('answers an identical create while PENDING: same entitlement, fresh URL', async () => {
    world.stub.answer('create', ANSWERS.actionRequired as StubAnswer);
    const body = createFor(newCustomer());
    const first = await world.services.entitlements.create(tenant.reseller, body, world.meta());
    const asked = world.stub.callsOf('activationInfo').length;

    const again = await world.services.entitlements.create(
      tenant.reseller,
      { ...body },
      world.meta(),
    );
    assert.equal(again.entitlement.entitlementId, first.entitlement.entitlementId);
    assert.equal(again.result, 'actionRequired');
    assert.match(again.parameters?.url ?? '', /signup\/fresh-/);
    assert.equal(world.stub.callsOf('activationInfo').length, asked + 1);
    const history = await world.services.entitlements.listHistory(
      tenant.reseller,
      first.entitlement.entitlementId,
    );
    assert.equal(history.length, 1, 'no new event');
    assert.equal(again.entitlement.version, 1);
  });

  it('LIMIT_REACHED: another create at the limit, or an identical one once ACTIVE', async () => {
    const body = createFor(newCustomer());
    world.stub.answer('create', ANSWERS.actionRequired as StubAnswer);
    await world.services.entitlements.create(tenant.reseller, body, world.meta());
    await rejectsWith(
      world.services.entitlements.create(
        tenant.reseller,
        { ...body, entitlementDisplayName: 'x' },
        world.meta(),
      ),
      'LIMIT_REACHED',
    );

    world.stub.answer('create', ANSWERS.activated as StubAnswer);
    const active = createFor(newCustomer());
    await world.services.entitlements.create(tenant.reseller, active, world.meta());
    await rejectsWith(
      world.services.entitlements.create(tenant.reseller, active, world.meta()),
      'LIMIT_REACHED',
    );
  });

  it('gives a customer one sharedCustomerId per route, and another on another route', async () => {
    const customer = newCustomer();
    const first = await world.services.entitlements.create(
      tenant.reseller,
      createFor(customer),
      world.meta(),
    );
    const second = await world.services.entitlements.create(
      tenant.reseller,
      createFor(customer, tenant.otherProductKey),
      world.meta(),
    );
    assert.match(first.entitlement.sharedCustomerId, /^sc_[0-9A-Za-z]{20}$/);
    assert.equal(second.entitlement.sharedCustomerId, first.entitlement.sharedCustomerId);

    const elsewhere = await world.addTenant({ resellerKey: tenant.resellerKey });
    const third = await world.services.entitlements.create(
      tenant.reseller,
      {
        customerIdentifier: customer,
        merchantAccountKey: elsewhere.merchantAccountKey,
        productKey: elsewhere.productKey,
      },
      world.meta(),
    );
    assert.notEqual(third.entitlement.sharedCustomerId, first.entitlement.sharedCustomerId);
    const sent = world.stub.callsOf('create').at(-1)?.body;
    assert.equal(sent?.sharedCustomerId, third.entitlement.sharedCustomerId);
  });

  it("sends the customer's own id to the merchant only where the route shares it", async () => {
    const customer = newCustomer();
    await world.services.entitlements.create(tenant.reseller, createFor(customer), world.meta());
    assert.equal(world.stub.callsOf('create').at(-1)?.body.customerIdentifier, undefined);

    const sharing = await world.addTenant({ shareCustomerIdentifier: true });
    await world.services.entitlements.create(
      sharing.reseller,
      {
        customerIdentifier: customer,
        merchantAccountKey: sharing.merchantAccountKey,
        productKey: sharing.productKey,
      },
      world.meta(),
    );
    const body = world.stub.callsOf('create').at(-1)?.body;
    assert.equal(body?.customerIdentifier, customer);
    assert.deepEqual(body?.routeExtensionData, { channel: 'test' });
    assert.equal(body?.resellerKey, sharing.resellerKey);
  });

  it('passes the magic number on for sandbox resellers only', async () => {
    const sandbox = await world.addTenant({ sandbox: true });
    const meta = world.meta({ magicNumber: '201' });
    await world.services.entitlements.create(
      sandbox.reseller,
      {
        customerIdentifier: newCustomer(),
        merchantAccountKey: sandbox.merchantAccountKey,
        productKey: sandbox.productKey,
      },
      meta,
    );
    assert.equal(world.stub.callsOf('create').at(-1)?.headers['x-magic-number'], '201');
    assert.equal(world.stub.callsOf('create').at(-1)?.body.requestId, meta.requestId);

    await world.services.entitlements.create(
      tenant.reseller,
      createFor(newCustomer()),
      world.meta({ magicNumber: '201' }),
    );
    assert.equal(world.stub.callsOf('create').at(-1)?.headers['x-magic-number'], undefined);
  });

  it('answers 404: unknown merchant, merchant without a route, product off the route', async () => {
    const entitlements = world.services.entitlements;
    const other = await world.addTenant();
    const customerIdentifier = newCustomer();
    await rejectsWith(
      entitlements.create(
        tenant.reseller,
        { customerIdentifier, merchantAccountKey: 'NOPE', productKey: tenant.productKey },
        world.meta(),
      ),
      'NOT_FOUND',
    );
    await rejectsWith(
      entitlements.create(
        tenant.reseller,
        {
          customerIdentifier,
          merchantAccountKey: other.merchantAccountKey,
          productKey: other.productKey,
        },
        world.meta(),
      ),
      'NOT_FOUND',
    );
    await rejectsWith(
      entitlements.create(
        tenant.reseller,
        { ...createFor(customerIdentifier), productKey: other.productKey },
        world.meta(),
      ),
      'NOT_FOUND',
    );
  });

  it('422 NOT_AVAILABLE if the merchant takes no creates; 400 for a past dateExpiry', async () => {
    const noCreate = await world.addTenant({ withoutCallbacks: ['create'] });
    await rejectsWith(
      world.services.entitlements.create(
        noCreate.reseller,
        {
          customerIdentifier: newCustomer(),
          merchantAccountKey: noCreate.merchantAccountKey,
          productKey: noCreate.productKey,
        },
        world.meta(),
      ),
      'NOT_AVAILABLE',
    );
    const past = new Date(world.clock.now().getTime() - 1000).toISOString();
    await rejectsWith(
      world.services.entitlements.create(
        tenant.reseller,
        { ...createFor(newCustomer()), dateExpiry: past },
        world.meta(),
      ),
      'BAD_REQUEST',
    );
  });
});

/** Creates, returning the entitlement id whether the create succeeded or failed. */
async function createOutcome(
  world: DomainWorld,
  tenant: Tenant,
  body: { customerIdentifier: string; merchantAccountKey: string; productKey: string },
  meta: ReturnType<DomainWorld['meta']>,
) {
  try {
    const entitlement = await world.services.entitlements.create(tenant.reseller, body, meta);
    return { entitlementId: entitlement.entitlement.entitlementId, entitlement };
  } catch (error) {
    const entitlementId = (error as { entitlementId?: string }).entitlementId;
    assert.ok(entitlementId, String(error));
    return { entitlementId, entitlement: undefined };
  }
}
