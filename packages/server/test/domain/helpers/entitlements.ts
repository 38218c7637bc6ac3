import type { Entitlement } from '../../../src/domain/principals';
import type { EntitlementStatus } from '../../../src/domain/state-machine';
import { ProblemError } from '../../../src/errors/problem';
import type { DomainWorld, Tenant } from './domain-world';
import { signUpParameters } from '../../helpers/merchant-stub';

let customers = 0;

/** A customer id nobody used yet. */
export function newCustomer(): string {
  customers += 1;
  return `cust-${customers}-${Date.now()}`;
}

const HOUR = 3600_000;

/**
 * Brings a new entitlement of `tenant` to `status` the way real traffic would: a create
 * answered by the merchant stub, then merchant API calls. Returns it as the reseller sees it.
 */
export async function entitlementIn(
  world: DomainWorld,
  tenant: Tenant,
  status: EntitlementStatus,
  extra: { dateExpiry?: Date; endsIn?: number } = {},
): Promise<Entitlement> {
  const { entitlements, merchantEntitlements } = world.services;
  const create = {
    customerIdentifier: newCustomer(),
    merchantAccountKey: tenant.merchantAccountKey,
    productKey: tenant.productKey,
    ...(extra.dateExpiry ? { dateExpiry: extra.dateExpiry.toISOString() } : {}),
  };
  if (status === 'FAILED') {
    return failedCreate(world, tenant, create);
  }

  world.stub.answer(
    'create',
    status === 'PENDING'
      ? { status: 202, body: { parameters: signUpParameters('first') } }
      : { status: 200, body: {} },
  );
  let { entitlement } = await entitlements.create(tenant.reseller, create, world.meta());
  world.stub.reset();
  const m = tenant.merchant;
  const id = entitlement.entitlementId;
  const reason = { reasonCategory: 'CUSTOMER_CANCELLED', reasonCode: 'NOT_RENEWED' } as const;
  const endsAt = new Date(world.clock.now().getTime() + (extra.endsIn ?? HOUR));

  const steps: Partial<Record<EntitlementStatus, () => Promise<unknown>>> = {
    'ACTIVE-ENDING': () =>
      merchantEntitlements.terminate(
        m,
        id,
        { immediate: false, terminationDate: endsAt.toISOString(), ...reason },
        world.meta(),
      ),
    SUSPENDED: () => merchantEntitlements.suspend(m, id, {}, world.meta()),
    CANCELLED: () =>
      merchantEntitlements.terminate(m, id, { immediate: false, ...reason }, world.meta()),
    REVOKED: () =>
      merchantEntitlements.terminate(
        m,
        id,
        { immediate: true, reasonCategory: 'REVOKED', reasonCode: 'FRAUD' },
        world.meta(),
      ),
  };
  await steps[status]?.();
  entitlement = await entitlements.get(tenant.reseller, id);
  if (entitlement.status !== status) {
    throw new Error(`wanted ${status}, got ${entitlement.status}`);
  }
  return entitlement;
}

async function failedCreate(
  world: DomainWorld,
  tenant: Tenant,
  create: Parameters<DomainWorld['services']['entitlements']['create']>[1],
): Promise<Entitlement> {
  world.stub.answer('create', { status: 409, body: { title: 'Not eligible' } });
  try {
    await world.services.entitlements.create(tenant.reseller, create, world.meta());
  } catch (error) {
    if (error instanceof ProblemError && error.entitlementId !== undefined) {
      return world.services.entitlements.get(tenant.reseller, error.entitlementId);
    }
    throw error;
  } finally {
    world.stub.reset();
  }
  throw new Error('the create did not fail');
}
