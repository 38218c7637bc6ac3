import { randomInt, randomUUID } from 'node:crypto';

import type { Entitlement, RequestMeta } from '../../src/domain/principals';
import type { EntitlementStatus } from '../../src/domain/state-machine';
import { SANDBOX } from '../../src/services/seed.service';
import type { SeededTessera } from './fresh-tessera';

/** What an entitlement to seed looks like; unset fields take any valid value. */
export interface EntitlementSpec {
  status: EntitlementStatus;
  productKey: string;
  customerIdentifier?: string;
  merchantAccountKey?: string;
  merchantEntitlementId?: string;
  /** At least 1; reached with data changes, which keep the status. */
  version?: number;
}

/** The simulated merchant's answers the driver asks for (`X-Magic-Number`). */
const MAGIC = {
  activated: 'CREATE_REQUEST_RETURNS_ACTIVATED',
  // Waits for a sign-up; `…_CREATED` would activate by itself a few seconds later.
  signUp: 'CREATE_REQUEST_RETURNS_ACTIVATION_REQUIRED',
} as const;

const CANCEL = { reasonCategory: 'CUSTOMER_CANCELLED', reasonCode: 'NOT_RENEWED' } as const;
const REVOKE = { reasonCategory: 'REVOKED', reasonCode: 'FRAUD' } as const;
const ONE_PERIOD_MS = 30 * 24 * 3600 * 1000;

/**
 * Drives entitlements of the sandbox reseller into statuses, one step of the state machine at
 * a time, with the real services: the real simulated merchant answers every callback, and the
 * sandbox clock with its scheduler does what time does. Every step checks the status it leads
 * to, so a server that leaves the contract's state machine fails the state handler with a
 * sentence saying where.
 */
export class EntitlementDriver {
  constructor(private readonly tessera: SeededTessera) {}

  /** A new entitlement in `spec.status`, the way the state machine leads there. */
  async entitlementIn(spec: EntitlementSpec): Promise<Entitlement> {
    const reached = await this.reach(spec);
    return this.atVersion(reached, spec.version);
  }

  private async reach(spec: EntitlementSpec): Promise<Entitlement> {
    const { status } = spec;
    if (spec.merchantEntitlementId !== undefined && status !== 'ACTIVE') {
      // The merchant may name its subscription only when it reports the activation; the
      // simulated merchant keeps its own id, so no later callback would find this one.
      throw new Error(`Cannot seed a ${status} entitlement with a merchantEntitlementId`);
    }
    switch (status) {
      case 'PENDING':
        return this.create(spec, MAGIC.signUp, 'PENDING');
      case 'ACTIVE':
        return spec.merchantEntitlementId === undefined
          ? this.create(spec, MAGIC.activated, 'ACTIVE')
          : this.activate(await this.create(spec, MAGIC.signUp, 'PENDING'), {
              merchantEntitlementId: spec.merchantEntitlementId,
            });
      case 'SUSPENDED':
        return this.suspend(await this.reach({ ...spec, status: 'ACTIVE' }));
      case 'ACTIVE-ENDING':
        return this.cancel(await this.reach({ ...spec, status: 'ACTIVE' }));
      case 'CANCELLED':
        return this.endPeriod(await this.reach({ ...spec, status: 'ACTIVE-ENDING' }));
      case 'REVOKED':
        return this.revoke(await this.reach({ ...spec, status: 'ACTIVE' }));
      case 'FAILED':
        return this.markNotEligible(await this.reach({ ...spec, status: 'PENDING' }));
    }
  }

  /** Raises the version with data changes (`METADATA_UPDATE`), which keep the status. */
  private async atVersion(entitlement: Entitlement, version?: number): Promise<Entitlement> {
    if (version === undefined || version === entitlement.version) {
      return entitlement;
    }
    if (version < entitlement.version) {
      throw new Error(
        `Cannot seed version ${version}: reaching ${entitlement.status} takes ` +
          `${entitlement.version} versions`,
      );
    }
    let current = entitlement;
    while (current.version < version) {
      const name = `Demo Music, renamed at version ${current.version}`;
      current = await this.resellerUpdate(current, { entitlementDisplayName: name });
    }
    return current;
  }

  private async create(
    spec: EntitlementSpec,
    magicNumber: string,
    expected: EntitlementStatus,
  ): Promise<Entitlement> {
    const { entitlements } = this.tessera.server.services;
    const body = {
      customerIdentifier: spec.customerIdentifier ?? anyCustomer(),
      merchantAccountKey: spec.merchantAccountKey ?? SANDBOX.merchantAccountKey,
      productKey: spec.productKey,
    };
    const { entitlement } = await entitlements.create(
      this.tessera.reseller,
      body,
      meta(magicNumber),
    );
    return expectStatus(entitlement, expected, `a create answered ${magicNumber}`);
  }

  async activate(
    entitlement: Entitlement,
    body: { merchantEntitlementId?: string },
  ): Promise<Entitlement> {
    const { merchantEntitlements } = this.tessera.server.services;
    const { merchant } = this.tessera;
    await merchantEntitlements.activate(merchant, entitlement.entitlementId, body, meta());
    return this.expect(entitlement, 'ACTIVE', 'the merchant activated it');
  }

  async markNotEligible(entitlement: Entitlement): Promise<Entitlement> {
    const { merchantEntitlements } = this.tessera.server.services;
    const body = { reasonDescription: 'Already a direct subscriber' };
    await merchantEntitlements.markNotEligible(
      this.tessera.merchant,
      entitlement.entitlementId,
      body,
      meta(),
    );
    return this.expect(entitlement, 'FAILED', 'the merchant refused the customer');
  }

  suspend(entitlement: Entitlement): Promise<Entitlement> {
    return this.resellerUpdate(entitlement, { entitlementBenefits: 'SUSPENDED' }, 'SUSPENDED');
  }

  resume(entitlement: Entitlement): Promise<Entitlement> {
    return this.resellerUpdate(entitlement, { entitlementBenefits: 'NORMAL' }, 'ACTIVE');
  }

  async cancel(entitlement: Entitlement): Promise<Entitlement> {
    const { entitlements } = this.tessera.server.services;
    const { entitlementId } = entitlement;
    await entitlements.cancel(this.tessera.reseller, entitlementId, CANCEL, meta());
    // The simulated merchant answers the end of the billing period: access runs until then.
    return this.expect(entitlement, 'ACTIVE-ENDING', 'the reseller cancelled it');
  }

  async revoke(entitlement: Entitlement): Promise<Entitlement> {
    const { entitlements } = this.tessera.server.services;
    const { entitlementId } = entitlement;
    await entitlements.revoke(this.tessera.reseller, entitlementId, REVOKE, meta());
    return this.expect(entitlement, 'REVOKED', 'the reseller revoked it');
  }

  /** Moves the reseller's test clock past `dateEnded`: its scheduler ends the period. */
  async endPeriod(entitlement: Entitlement): Promise<Entitlement> {
    const { sandbox } = this.tessera.server.services;
    if (entitlement.dateEnded == null) {
      throw new Error(`The ${entitlement.status} entitlement has no dateEnded to wait for`);
    }
    const to = new Date(Date.parse(entitlement.dateEnded) + 1000).toISOString();
    await sandbox.advanceClock(this.tessera.reseller, { to });
    return this.expect(entitlement, 'CANCELLED', 'the test clock passed its dateEnded');
  }

  async merchantUpdate(
    entitlement: Entitlement,
    body: { productKey?: string; merchantExtensionData?: Record<string, string> },
  ): Promise<Entitlement> {
    const { merchantEntitlements } = this.tessera.server.services;
    const { entitlementId } = entitlement;
    await merchantEntitlements.update(this.tessera.merchant, entitlementId, body, meta());
    return this.expect(entitlement, entitlement.status, 'the merchant changed it');
  }

  async merchantSuspend(entitlement: Entitlement): Promise<Entitlement> {
    const { merchantEntitlements } = this.tessera.server.services;
    const { entitlementId } = entitlement;
    await merchantEntitlements.suspend(this.tessera.merchant, entitlementId, {}, meta());
    return this.expect(entitlement, 'SUSPENDED', 'the merchant suspended it');
  }

  async merchantResume(entitlement: Entitlement): Promise<Entitlement> {
    const { merchantEntitlements } = this.tessera.server.services;
    const { entitlementId } = entitlement;
    await merchantEntitlements.resume(this.tessera.merchant, entitlementId, {}, meta());
    return this.expect(entitlement, 'ACTIVE', 'the merchant resumed it');
  }

  async merchantCancel(entitlement: Entitlement): Promise<Entitlement> {
    const { merchantEntitlements } = this.tessera.server.services;
    const terminationDate = new Date(Date.now() + ONE_PERIOD_MS).toISOString();
    const body = { immediate: false, terminationDate, ...CANCEL };
    await merchantEntitlements.terminate(
      this.tessera.merchant,
      entitlement.entitlementId,
      body,
      meta(),
    );
    return this.expect(entitlement, 'ACTIVE-ENDING', 'the merchant cancelled it');
  }

  async resellerUpdate(
    entitlement: Entitlement,
    body: Parameters<SeededTessera['server']['services']['entitlements']['update']>[2],
    expected: EntitlementStatus = entitlement.status,
  ): Promise<Entitlement> {
    const { entitlements } = this.tessera.server.services;
    const { entitlementId } = entitlement;
    const result = await entitlements.update(this.tessera.reseller, entitlementId, body, meta());
    return expectStatus(result.entitlement, expected, `the update ${JSON.stringify(body)}`);
  }

  /** The entitlement as it is now, which must be in `status` after `what`. */
  private async expect(
    entitlement: Entitlement,
    status: EntitlementStatus,
    what: string,
  ): Promise<Entitlement> {
    const { entitlements } = this.tessera.server.services;
    const now = await entitlements.get(this.tessera.reseller, entitlement.entitlementId);
    return expectStatus(now, status, what);
  }
}

function expectStatus(entitlement: Entitlement, status: EntitlementStatus, what: string) {
  if (entitlement.status !== status) {
    throw new Error(
      `Expected ${what} to leave the entitlement ${status}, but it is ${entitlement.status}`,
    );
  }
  return entitlement;
}

function meta(magicNumber?: string): RequestMeta {
  return { requestId: randomUUID(), magicNumber };
}

/** A customer no other entitlement of this interaction has (one live entitlement each). */
function anyCustomer(): string {
  // 44771…: never the pacts' own 447700900123.
  return `44771${String(randomInt(10_000_000)).padStart(7, '0')}`;
}
