import stateMachineJson from '@tessera/contract/state-machine.json';

import { ConflictProblem } from '../errors/http-problems';
import type { components } from '../generated/contract';

/**
 * The entitlement state machine, read from the contract's `state-machine.json`: the server
 * enforces exactly that table and keeps no copy of its transitions.
 */

export type EntitlementStatus = components['schemas']['EntitlementStatus'];
export type Actor = components['schemas']['Actor'];
export type EventReason = components['schemas']['EventReason'];
export type ReasonCategory = components['schemas']['ReasonCategory'];
export type ReasonCode = components['schemas']['ReasonCode'];

/** The triggers the server fires; each must name at least one transition of the table. */
export type Trigger =
  | 'create'
  | 'activate'
  | 'cancel'
  | 'endPeriod'
  | 'revertCancellation'
  | 'revoke'
  | 'suspend'
  | 'resume'
  | 'changeProduct'
  | 'updateData'
  | 'expire'
  | 'markNotEligible';

/** One row of the table. */
export interface Transition {
  trigger: Trigger;
  /** Distinguishes the merchant's answers to one trigger, e.g. `scheduled` or `immediate`. */
  outcome?: string;
  /** `null` for a create. */
  from: EntitlementStatus[] | null;
  /** `same` keeps the status. */
  to: EntitlementStatus | 'same';
  actors: Actor[];
  reason: EventReason;
  notify: boolean;
  reasonCategory?: ReasonCategory;
  reasonCode?: ReasonCode;
  description: string;
}

interface StateMachineDocument {
  states: { name: EntitlementStatus; live: boolean }[];
  actors: Actor[];
  reasonCodes: Record<string, string[]>;
  transitions: Transition[];
}

const TABLE = stateMachineJson as unknown as StateMachineDocument;

const TRIGGERS: readonly Trigger[] = [
  'create',
  'activate',
  'cancel',
  'endPeriod',
  'revertCancellation',
  'revoke',
  'suspend',
  'resume',
  'changeProduct',
  'updateData',
  'expire',
  'markNotEligible',
];

// Fail at start, not at the first request, if the contract and the server drift apart.
for (const trigger of TRIGGERS) {
  if (!TABLE.transitions.some((transition) => transition.trigger === trigger)) {
    throw new Error(`The state machine has no transition for trigger "${trigger}"`);
  }
}

/** Every transition of the table, in table order. */
export const TRANSITIONS: readonly Transition[] = TABLE.transitions;

/** Every status, in table order. */
export const STATUSES: readonly EntitlementStatus[] = TABLE.states.map((state) => state.name);

/** Every actor. */
export const ACTORS: readonly Actor[] = TABLE.actors;

/** The statuses that still give (or may give) access: they count toward route limits. */
export const LIVE_STATUSES: readonly EntitlementStatus[] = TABLE.states
  .filter((state) => state.live)
  .map((state) => state.name);

/** Whether `status` is live (not terminal). */
export function isLive(status: EntitlementStatus): boolean {
  return LIVE_STATUSES.includes(status);
}

/** Whether `category`/`code` is one of the table's termination reason pairs. */
export function isValidReasonPair(category: string, code: string): boolean {
  return TABLE.reasonCodes[category]?.includes(code) ?? false;
}

/** The transitions `actor` may fire with `trigger` from `from` (`null`: a create). */
export function allowedTransitions(
  trigger: Trigger,
  from: EntitlementStatus | null,
  actor: Actor,
): Transition[] {
  return TRANSITIONS.filter(
    (transition) =>
      transition.trigger === trigger &&
      transition.actors.includes(actor) &&
      (from === null ? transition.from === null : (transition.from?.includes(from) ?? false)),
  );
}

/**
 * Throws 409 unless `actor` may fire `trigger` from `from` with some outcome. Checked before
 * calling a merchant, when the outcome is not known yet.
 */
export function assertAllowed(trigger: Trigger, from: EntitlementStatus, actor: Actor): void {
  if (allowedTransitions(trigger, from, actor).length === 0) {
    throw refusal(trigger, from, actor);
  }
}

/**
 * The transition `actor` fires with `trigger` from `from` for `outcome` (when the trigger has
 * several); throws 409 when the table has none.
 */
export function resolveTransition(
  trigger: Trigger,
  from: EntitlementStatus | null,
  actor: Actor,
  outcome?: string,
): Transition {
  const match = allowedTransitions(trigger, from, actor).find(
    (transition) => outcome === undefined || transition.outcome === outcome,
  );
  if (match === undefined) {
    throw refusal(trigger, from, actor);
  }
  return match;
}

/** The status after `transition` fires from `from`. */
export function statusAfter(
  transition: Transition,
  from: EntitlementStatus | null,
): EntitlementStatus {
  if (transition.to !== 'same') {
    return transition.to;
  }
  if (from === null) {
    throw new Error(`Transition ${transition.trigger} keeps a status but has none to keep`);
  }
  return from;
}

function refusal(trigger: Trigger, from: EntitlementStatus | null, actor: Actor): ConflictProblem {
  if (from !== null && !isLive(from)) {
    return new ConflictProblem(`The entitlement is ${from}, which is final: it cannot change.`);
  }
  const where = from === null ? 'on create' : `from ${from}`;
  return new ConflictProblem(
    `${describeTrigger(trigger)} is not allowed ${where} for the ${actor.toLowerCase()}.`,
  );
}

function describeTrigger(trigger: Trigger): string {
  const words = trigger.replace(/([A-Z])/g, ' $1').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
