import { randomUUID } from 'node:crypto';

import {
  AdvanceClockRequestFromJSON,
  CreateEntitlementRequestFromJSON,
  TerminationRequestFromJSON,
  UpdateEntitlementRequestFromJSON,
} from '@tessera/reseller-client';

import { SANDBOX } from '../../environment/sandbox';
import type { ActionArgs } from '../../scenario/schema';
import { StepError, type ScenarioRun } from '../scenario-run';
import { exchange } from './exchange';

/** `create`: a new entitlement for a fresh customer (unless one is named), as the reseller. */
export async function create(run: ScenarioRun, args: ActionArgs<'create'>): Promise<void> {
  const { as, magic, ...fields } = args;
  const request = CreateEntitlementRequestFromJSON({
    merchantAccountKey: SANDBOX.merchantAccountKey,
    customerIdentifier: run.deps.newCustomer(),
    ...fields,
  });
  const answer = await exchange(run, () =>
    run.deps.reseller.entitlements.createEntitlementRaw({
      createEntitlementRequest: request,
      xMagicNumber: magic,
      idempotencyKey: randomUUID(),
    }),
  );
  // A failed create names the entitlement it left FAILED in the problem's `entitlementId`.
  const body = answer.json as Record<string, unknown> | undefined;
  if (typeof body?.entitlementId === 'string') {
    run.adopt(as ?? run.nextAlias(), body);
  }
}

/** `get`: the entitlement as it is now. */
export async function get(run: ScenarioRun, args: ActionArgs<'get'>): Promise<void> {
  const { id } = run.entitlement(args.entitlement);
  await exchange(run, () =>
    run.deps.reseller.entitlements.getEntitlementRaw({ entitlementId: id }),
  );
}

/** `update`: a sparse update (product change, suspend/resume, revert, data). */
export async function update(run: ScenarioRun, args: ActionArgs<'update'>): Promise<void> {
  const { entitlement, magic, ifMatch, ...fields } = args;
  const tracked = run.entitlement(entitlement);
  await exchange(run, () =>
    run.deps.reseller.entitlements.updateEntitlementRaw({
      entitlementId: tracked.id,
      updateEntitlementRequest: UpdateEntitlementRequestFromJSON(fields),
      xMagicNumber: magic,
      ifMatch: ifMatch ? `"${tracked.version}"` : undefined,
      idempotencyKey: randomUUID(),
    }),
  );
}

/** `cancel` (end of period) and `revoke` (now), with a termination reason. */
export async function terminate(
  run: ScenarioRun,
  args: ActionArgs<'cancel'>,
  how: 'cancel' | 'revoke',
): Promise<void> {
  const { entitlement, magic, ifMatch, ...reason } = args;
  const tracked = run.entitlement(entitlement);
  const request = {
    entitlementId: tracked.id,
    terminationRequest: TerminationRequestFromJSON(reason),
    xMagicNumber: magic,
    ifMatch: ifMatch ? `"${tracked.version}"` : undefined,
    idempotencyKey: randomUUID(),
  };
  const api = run.deps.reseller.entitlements;
  await exchange(run, () =>
    how === 'cancel' ? api.cancelEntitlementRaw(request) : api.revokeEntitlementRaw(request),
  );
}

/** `activationInfo`: a fresh sign-up URL while PENDING. */
export async function activationInfo(
  run: ScenarioRun,
  args: ActionArgs<'activationInfo'>,
): Promise<void> {
  const { id } = run.entitlement(args.entitlement);
  await exchange(run, () =>
    run.deps.reseller.entitlements.getActivationInfoRaw({
      entitlementId: id,
      xMagicNumber: args.magic,
    }),
  );
}

/** `events`: the entitlement's history. */
export async function events(run: ScenarioRun, args: ActionArgs<'events'>): Promise<void> {
  const { id } = run.entitlement(args.entitlement);
  await exchange(run, () =>
    run.deps.reseller.events.listEntitlementEventsRaw({ entitlementId: id }),
  );
}

/** `advanceClock`: moves the sandbox test clock by a duration or past an entitlement's end. */
export async function advanceClock(
  run: ScenarioRun,
  args: ActionArgs<'advanceClock'>,
): Promise<void> {
  const body =
    'by' in args
      ? { advanceBySeconds: Math.max(1, Math.round(args.by / 1000)) }
      : { to: pastDateEnded(run, args.entitlement, args.pastDateEnded) };
  await exchange(run, () =>
    run.deps.reseller.sandbox.advanceSandboxClockRaw({
      advanceClockRequest: AdvanceClockRequestFromJSON(body),
    }),
  );
}

function pastDateEnded(run: ScenarioRun, alias: string | undefined, marginMs: number): string {
  const tracked = run.entitlement(alias);
  const dateEnded = tracked.record.dateEnded;
  if (typeof dateEnded !== 'string') {
    throw new StepError(`${tracked.alias} has no dateEnded (status ${tracked.status})`);
  }
  return new Date(Date.parse(dateEnded) + marginMs).toISOString();
}
