import assert from 'node:assert/strict';

import type { Entitlement } from '../../src/domain/principals';
import {
  ACTORS,
  allowedTransitions,
  type Actor,
  type EntitlementStatus,
  resolveTransition,
  STATUSES,
  statusAfter,
  type Transition,
  TRANSITIONS,
} from '../../src/domain/state-machine';
import { ConflictProblem } from '../../src/errors/http-problems';
import { ProblemError } from '../../src/errors/problem';
import { describeEachDatabase } from '../helpers/databases';
import { type DomainWorld, type Tenant, useDomainWorld } from './helpers/domain-world';
import { entitlementIn } from './helpers/entitlements';
import { signUpParameters } from '../helpers/merchant-stub';

const HOUR = 3600_000;
const CHANGES = TRANSITIONS.filter((row) => row.trigger !== 'create');
const NOT_RENEWED = { reasonCategory: 'CUSTOMER_CANCELLED', reasonCode: 'NOT_RENEWED' } as const;

/** How a test fires one row of the table as one actor, through the services. */
interface Driver {
  /** Dates the entitlement needs before it is brought to the status under test. */
  setup?: (world: DomainWorld) => { dateExpiry?: Date; endsIn?: number };
  fire(world: DomainWorld, tenant: Tenant, entitlement: Entitlement): Promise<unknown>;
}

const inAnHour = (world: DomainWorld) => new Date(world.clock.now().getTime() + HOUR).toISOString();

/** Runs the scheduler until nothing more is due. */
async function runScheduler(world: DomainWorld): Promise<void> {
  world.clock.advance(2 * HOUR);
  while ((await world.services.scheduler.runOnce()) > 0) {
    // Keep going: a pass handles a bounded batch per job.
  }
}

function resellerDrivers(): Record<string, Driver> {
  const update = (body: object) => ({
    fire: (world: DomainWorld, t: Tenant, e: Entitlement) =>
      world.services.entitlements.update(t.reseller, e.entitlementId, body, world.meta()),
  });
  return {
    'cancel:scheduled': {
      fire: (world, t, e) => {
        world.stub.answer('terminate', { status: 200, body: { terminationDate: inAnHour(world) } });
        return world.services.entitlements.cancel(
          t.reseller,
          e.entitlementId,
          NOT_RENEWED,
          world.meta(),
        );
      },
    },
    'cancel:immediate': {
      fire: (world, t, e) =>
        world.services.entitlements.cancel(t.reseller, e.entitlementId, NOT_RENEWED, world.meta()),
    },
    revoke: {
      fire: (world, t, e) =>
        world.services.entitlements.revoke(
          t.reseller,
          e.entitlementId,
          { reasonCategory: 'REVOKED', reasonCode: 'FRAUD' },
          world.meta(),
        ),
    },
    revertCancellation: update({ revertCancellation: true }),
    suspend: update({ entitlementBenefits: 'SUSPENDED' }),
    resume: update({ entitlementBenefits: 'NORMAL' }),
    updateData: update({ entitlementDisplayName: 'Renamed' }),
    'changeProduct:done': {
      fire: (world, t, e) =>
        world.services.entitlements.update(
          t.reseller,
          e.entitlementId,
          { productKey: t.otherProductKey },
          world.meta(),
        ),
    },
    'changeProduct:actionRequired': {
      fire: (world, t, e) => {
        world.stub.answer('update', {
          status: 202,
          body: { parameters: signUpParameters('upgrade') },
        });
        return world.services.entitlements.update(
          t.reseller,
          e.entitlementId,
          { productKey: t.otherProductKey },
          world.meta(),
        );
      },
    },
  };
}

function merchantDrivers(): Record<string, Driver> {
  const service = (world: DomainWorld) => world.services.merchantEntitlements;
  return {
    activate: { fire: (w, t, e) => service(w).activate(t.merchant, e.entitlementId, {}, w.meta()) },
    'cancel:scheduled': {
      fire: (w, t, e) =>
        service(w).terminate(
          t.merchant,
          e.entitlementId,
          { immediate: false, terminationDate: inAnHour(w), ...NOT_RENEWED },
          w.meta(),
        ),
    },
    'cancel:immediate': {
      fire: (w, t, e) =>
        service(w).terminate(
          t.merchant,
          e.entitlementId,
          { immediate: false, ...NOT_RENEWED },
          w.meta(),
        ),
    },
    revoke: {
      fire: (w, t, e) =>
        service(w).terminate(
          t.merchant,
          e.entitlementId,
          { immediate: true, reasonCategory: 'REVOKED', reasonCode: 'ACCOUNT_TERMINATED' },
          w.meta(),
        ),
    },
    suspend: { fire: (w, t, e) => service(w).suspend(t.merchant, e.entitlementId, {}, w.meta()) },
    resume: { fire: (w, t, e) => service(w).resume(t.merchant, e.entitlementId, {}, w.meta()) },
    'changeProduct:done': {
      fire: (w, t, e) =>
        service(w).update(t.merchant, e.entitlementId, { productKey: t.otherProductKey }, w.meta()),
    },
    updateData: {
      fire: (w, t, e) =>
        service(w).update(
          t.merchant,
          e.entitlementId,
          { merchantExtensionData: { tier: 'gold' } },
          w.meta(),
        ),
    },
    markNotEligible: {
      fire: (w, t, e) => service(w).markNotEligible(t.merchant, e.entitlementId, {}, w.meta()),
    },
  };
}

function schedulerDrivers(): Record<string, Driver> {
  return {
    endPeriod: { fire: (world) => runScheduler(world) },
    expire: {
      // The period (if any) ends well after the expiry, so that expiry is what fires.
      setup: (world) => ({
        dateExpiry: new Date(world.clock.now().getTime() + HOUR),
        endsIn: 10 * HOUR,
      }),
      fire: (world) => runScheduler(world),
    },
  };
}

const DRIVERS: Record<Actor, Record<string, Driver>> = {
  RESELLER: resellerDrivers(),
  MERCHANT: merchantDrivers(),
  SCHEDULER: schedulerDrivers(),
  OPERATOR: {},
};

/** Where the contract deliberately answers 200 without a change instead of 409. */
const IDEMPOTENT: Record<string, EntitlementStatus[]> = { 'MERCHANT:activate': ['ACTIVE'] };

const rowKey = (row: Transition) => (row.outcome ? `${row.trigger}:${row.outcome}` : row.trigger);

describe('state machine table (pure)', () => {
  for (const row of TRANSITIONS) {
    for (const actor of ACTORS) {
      const from: (EntitlementStatus | null)[] = row.from ?? [null];
      for (const status of row.from === null ? [null] : STATUSES) {
        const allowed = row.actors.includes(actor) && from.includes(status);
        const verdict = allowed ? 'allowed' : 'refused';
        it(`${rowKey(row)} by ${actor} from ${status ?? 'nothing'}: ${verdict}`, () => {
          const resolve = () => resolveTransition(row.trigger, status, actor, row.outcome);
          if (allowed) {
            assert.equal(statusAfter(resolve(), status), row.to === 'same' ? status : row.to);
          } else {
            assert.throws(resolve, ConflictProblem);
          }
        });
      }
    }
  }
});

describeEachDatabase('state machine through the services', (db) => {
  let world: DomainWorld;
  let tenant: Tenant;
  useDomainWorld(db, (opened, first) => {
    world = opened;
    tenant = first;
  });

  for (const row of CHANGES) {
    for (const actor of ACTORS) {
      const driver = DRIVERS[actor][rowKey(row)];
      if (driver === undefined) {
        continue; // No API lets this actor fire it; the pure suite covers the refusal.
      }
      for (const status of STATUSES) {
        const applies = row.actors.includes(actor) && (row.from?.includes(status) ?? false);
        const otherRow = allowedTransitions(row.trigger, status, actor).length > 0;
        if (!applies && otherRow) {
          continue; // Another outcome of the same trigger covers this status.
        }
        const idempotent = IDEMPOTENT[`${actor}:${row.trigger}`]?.includes(status) ?? false;
        const verdict = applies ? 'applies' : idempotent ? 'changes nothing' : 'is refused';
        it(`${rowKey(row)} by ${actor} from ${status} ${verdict}`, async () => {
          const setup = driver.setup?.(world) ?? {};
          const before = await entitlementIn(world, tenant, status, setup);
          const history = await world.services.entitlements.listHistory(
            tenant.reseller,
            before.entitlementId,
          );
          const calls = world.stub.calls.length;

          const outcome = await driver.fire(world, tenant, before).then(
            () => null,
            (error: unknown) => error,
          );
          const after = await world.services.entitlements.get(
            tenant.reseller,
            before.entitlementId,
          );
          const events = await world.services.entitlements.listHistory(
            tenant.reseller,
            before.entitlementId,
          );

          if (applies) {
            assert.equal(outcome, null, String(outcome));
            assertApplied(row, actor, before, after, events.at(-1));
            assert.equal(events.length, history.length + 1);
          } else {
            if (actor !== 'SCHEDULER' && !idempotent) {
              assert.ok(outcome instanceof ProblemError, `expected 409, got ${String(outcome)}`);
              assert.equal(outcome.responseCode, 'CONFLICT');
            }
            assert.equal(after.version, before.version);
            assert.equal(after.status, before.status);
            assert.equal(events.length, history.length);
            // Refused before the merchant was called.
            assert.equal(world.stub.calls.length, calls);
          }
        });
      }
    }
  }
});

function assertApplied(
  row: Transition,
  actor: Actor,
  before: Entitlement,
  after: Entitlement,
  event:
    | {
        reason: string;
        actor: string;
        statusBefore: string | null;
        statusAfter: string;
        version: number;
      }
    | undefined,
): void {
  const expected = row.to === 'same' ? before.status : row.to;
  assert.equal(after.status, expected);
  assert.equal(after.version, before.version + 1);
  assert.ok(event);
  assert.equal(event.reason, row.reason);
  assert.equal(event.actor, actor);
  assert.equal(event.statusBefore, before.status);
  assert.equal(event.statusAfter, expected);
  assert.equal(event.version, after.version);
  if (row.reasonCategory !== undefined) {
    assert.equal(after.reasonCategory, row.reasonCategory);
    assert.equal(after.reasonCode, row.reasonCode);
  }
}
