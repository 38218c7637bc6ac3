import type { Tx } from '../database/transaction';
import { resellerNow } from '../domain/clock';
import type { RequestMeta } from '../domain/principals';
import {
  type Actor,
  type EntitlementStatus,
  statusAfter,
  type Transition,
} from '../domain/state-machine';
import { EntitlementRecord } from '../entities';
import {
  ConflictProblem,
  NotFoundProblem,
  PreconditionFailedProblem,
} from '../errors/http-problems';
import type {
  EntitlementChanges,
  EntitlementRepository,
  EntitlementScope,
  EntitlementView,
} from '../repositories/entitlement.repository';
import type { EntitlementDeps } from './entitlement-deps';
import type { EventRecorder } from './event-recorder';

/** One transition to apply to an entitlement as it was read. */
export interface ChangeRequest {
  transition: Transition;
  actor: Actor;
  requestId: string | null;
  occurredAt: Date;
  /** Further columns the change sets (dates, reasons, product…). */
  fields?: EntitlementChanges;
  /** The caller's `If-Match` version, to answer 412 rather than 409 when the row moved. */
  expectedVersion?: number;
}

/**
 * Applies state-machine transitions to entitlements: the new status and fields, the version
 * bump, and the event, all in the caller's transaction.
 */
export class EntitlementChangeWriter {
  constructor(
    private readonly entitlements: EntitlementRepository,
    private readonly recorder: EventRecorder,
  ) {}

  /**
   * Applies `change` to `current` if the row is still at `current.version` and records the
   * event; otherwise throws 412 (the caller sent `If-Match`) or 409 (it did not).
   *
   * @returns the entitlement after the change.
   */
  async apply(tx: Tx, current: EntitlementView, change: ChangeRequest): Promise<EntitlementView> {
    // A row still provisioning has no status yet as far as anyone outside knows.
    const before: EntitlementStatus | null = current.provisioning ? null : current.status;
    const status = statusAfter(change.transition, before);
    const changes: EntitlementChanges = {
      ...change.fields,
      status,
      provisioning: false,
      awaitingMerchant: null,
      dateLastUpdated: change.occurredAt,
    };
    const applied = await this.entitlements.applyChange(tx, current.id, current.version, changes);
    if (!applied) {
      throw versionConflict(change.expectedVersion);
    }

    // The row was still at `current.version`, and every write but `markAwaiting` (which this
    // change clears) bumps it, so the row now is `current` with `changes`: no need to read it.
    const updated = Object.assign(new EntitlementRecord(), current, {
      version: current.version + 1,
    }) as EntitlementView;
    for (const [column, value] of Object.entries(changes)) {
      // TypeORM's UPDATE leaves columns given as undefined alone, and so does this.
      if (value !== undefined) {
        Object.assign(updated, { [column]: value });
      }
    }
    await this.recorder.record(tx, {
      entitlement: updated,
      transition: change.transition,
      actor: change.actor,
      requestId: change.requestId,
      statusBefore: before,
      occurredAt: change.occurredAt,
    });
    return updated;
  }
}

/**
 * The entitlement `entitlementId` if the caller's `scope` holds it (404 otherwise, exactly as
 * for one that does not exist), at the caller's `If-Match` version (412 otherwise).
 */
export async function loadEntitlement(
  deps: Pick<EntitlementDeps, 'transactions' | 'entitlements'>,
  entitlementId: string,
  scope: EntitlementScope,
  meta?: RequestMeta,
): Promise<EntitlementView> {
  const view = await deps.transactions.read((tx) =>
    deps.entitlements.findVisible(tx, entitlementId, scope),
  );
  if (view === null) {
    throw new NotFoundProblem(`No entitlement ${entitlementId}.`);
  }
  const expected = meta?.expectedVersion;
  if (expected !== undefined && expected !== view.version) {
    throw versionConflict(expected, view.version);
  }
  return view;
}

/**
 * Applies `transition` by `actor` to `view` as it was read, with its event, in one transaction,
 * at the time of the entitlement's reseller (its test clock in the sandbox).
 */
export function applyTransition(
  deps: Pick<EntitlementDeps, 'transactions' | 'writer' | 'clock'>,
  view: EntitlementView,
  meta: RequestMeta,
  change: { transition: Transition; actor: Actor; fields: EntitlementChanges },
): Promise<EntitlementView> {
  return deps.transactions.run((tx) =>
    deps.writer.apply(tx, view, {
      ...change,
      requestId: meta.requestId,
      occurredAt: resellerNow(deps.clock, view.reseller),
      expectedVersion: meta.expectedVersion,
    }),
  );
}

/** The answer to a change that lost a race, or that names a stale version. */
export function versionConflict(expectedVersion: number | undefined, actual?: number): Error {
  if (expectedVersion !== undefined) {
    const now = actual === undefined ? '' : ` (it is now at version ${actual})`;
    return new PreconditionFailedProblem(
      `The entitlement is no longer at version ${expectedVersion}${now}; read it again.`,
    );
  }
  return new ConflictProblem(
    'The entitlement changed while this request was being handled; read it again and retry.',
  );
}
