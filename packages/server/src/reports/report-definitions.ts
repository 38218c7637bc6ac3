import type { EntitlementStatus, EventReason } from '../domain/state-machine';
import { LIVE_STATUSES, STATUSES } from '../domain/state-machine';

/**
 * What the reports count, as SQL conditions on one `entitlement_event` row aliased `event`.
 * Written once here so that the summary, the SR export and the documentation agree; see
 * {@link ReportService} for the definitions in words.
 */

/** Reasons that are a change of an entitlement that stays in force. */
export const CHANGE_REASONS: readonly EventReason[] = [
  'PRODUCT_UPDATE',
  'METADATA_UPDATE',
  'SUSPENSION_SUCCESS',
  'RESUMPTION_SUCCESS',
];

/** `'A', 'B'` for constant lists written into SQL (never request input). */
function sqlList(values: readonly string[]): string {
  return values.map((value) => `'${value.replace(/'/g, "''")}'`).join(', ');
}

/** An activation: the merchant activated a PENDING entitlement, or a create activated at once. */
export function isActivationSql(event: string): string {
  return (
    `(${event}.reason = 'ACTIVATION_SUCCESS' OR ` +
    `(${event}.reason = 'ENTITLEMENT_CREATED' AND ${event}.status_after = 'ACTIVE'))`
  );
}

/**
 * A cancellation: a scheduled one (`TERMINATION_PENDING`, into `ACTIVE-ENDING`) or an immediate
 * end (`TERMINATION_SUCCESS`: cancel now, revoke, expiry), except the end of an entitlement that
 * was already `ACTIVE-ENDING`, whose cancellation was counted when it was scheduled.
 */
export function isCancellationSql(event: string): string {
  return (
    `(${event}.reason = 'TERMINATION_PENDING' OR ` +
    `(${event}.reason = 'TERMINATION_SUCCESS' AND ${event}.status_before <> 'ACTIVE-ENDING'))`
  );
}

/** A change: product or data updated (a reverted cancellation included), suspended, resumed. */
export function isChangeSql(event: string): string {
  return `${event}.reason IN (${sqlList(CHANGE_REASONS)})`;
}

/** A change of status; a create (no status before) is one. */
export function isStatusChangeSql(event: string): string {
  return `(${event}.status_before IS NULL OR ${event}.status_before <> ${event}.status_after)`;
}

/** The statuses an AR report lists: those still giving, or about to give, access. */
export const REPORTED_LIVE_STATUSES: readonly EntitlementStatus[] = LIVE_STATUSES;

/** Every status, in the state machine's order: the keys of `countsByStatus`, the SR columns. */
export const REPORT_STATUSES: readonly EntitlementStatus[] = STATUSES;

/** The status as Bango's reports spell it: `Active-Ending`, `Cancelled`... */
export function bangoStatus(status: EntitlementStatus): string {
  return status
    .toLowerCase()
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('-');
}
