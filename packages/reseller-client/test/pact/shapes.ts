/**
 * Matchers for the shapes the reseller API answers with. Interactions match shapes, not values:
 * ids are UUIDs, timestamps ISO 8601 UTC, enums one of the contract's values. A literal stays
 * only where the value is the point of the interaction (the status a change leads to, the
 * `responseCode`, a product the request named).
 */
import { MatchersV3, type Matcher } from '@pact-foundation/pact';

import { Actor, EntitlementStatus, EventReason, type NotificationReason } from '../../src';

const { eachLike, fromProviderState, integer, like, regex, uuid } = MatchersV3;

/** Example values recorded in the pact; the provider's real values only need the same shape. */
export const EXAMPLE = {
  entitlementId: '7d3f2c4e-1b2a-4c5d-9e8f-0a1b2c3d4e5f',
  eventId: '0b8f1c9e-6a3d-4f2b-9c7e-5d4a3b2c1d0e',
  requestId: '0f5e6d7c-8b9a-4a1b-8c2d-3e4f5a6b7c8d',
  customerIdentifier: '447700900123',
  sharedCustomerId: 'sc_5Jk2mQ9xLr',
  created: '2026-12-03T10:00:00.000Z',
  activated: '2026-12-03T10:05:00.000Z',
  updated: '2026-12-03T10:05:00.000Z',
  ends: '2027-01-03T10:00:00.000Z',
} as const;

/** ISO 8601 in UTC: a fraction of a second is optional, the `Z` is not. */
const ISO_UTC = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?Z$';

/** A timestamp as Tessera writes them (ISO 8601, UTC). */
export const isoDateTime = (example: string) => regex(ISO_UTC, example);

/** One of an enum's values, e.g. any `EntitlementStatus`. */
export const oneOf = (values: Record<string, string>, example: string) =>
  regex(`^(${Object.values(values).join('|')})$`, example);

/** `Authorization: Basic …` of the given credential (any Basic credential matches). */
export const basicAuth = (credential: { username: string; password: string }) =>
  regex(
    '^Basic [A-Za-z0-9+/]+={0,2}$',
    `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`,
  );

/** The entitlement id the provider state seeded, flowing back into the interaction. */
export const seededEntitlementId = () =>
  fromProviderState('${entitlementId}', EXAMPLE.entitlementId);

/** `/v1/entitlement/{entitlementId}{suffix}` with the id the provider state seeded. */
export const seededEntitlementPath = (suffix = '') =>
  fromProviderState(
    `/v1/entitlement/\${entitlementId}${suffix}`,
    `/v1/entitlement/${EXAMPLE.entitlementId}${suffix}`,
  );

// The date fields each status implies; the ones a status leaves open are not asserted.
const datesByStatus: Record<EntitlementStatus, Record<string, unknown>> = {
  [EntitlementStatus.PENDING]: { dateActivated: null, dateEnded: null },
  [EntitlementStatus.ACTIVE]: { dateActivated: isoDateTime(EXAMPLE.activated), dateEnded: null },
  [EntitlementStatus.ACTIVE_ENDING]: {
    dateActivated: isoDateTime(EXAMPLE.activated),
    dateEnded: isoDateTime(EXAMPLE.ends),
  },
  [EntitlementStatus.SUSPENDED]: {
    dateActivated: isoDateTime(EXAMPLE.activated),
    dateSuspended: isoDateTime(EXAMPLE.updated),
    dateEnded: null,
  },
  [EntitlementStatus.CANCELLED]: { dateEnded: isoDateTime(EXAMPLE.updated) },
  [EntitlementStatus.REVOKED]: { dateEnded: isoDateTime(EXAMPLE.updated) },
  [EntitlementStatus.FAILED]: { dateActivated: null },
};

/** The fields of every entitlement whatever its status. */
function entitlementCore(): Record<string, unknown> {
  return {
    entitlementId: uuid(EXAMPLE.entitlementId),
    customerIdentifier: like(EXAMPLE.customerIdentifier),
    sharedCustomerId: like(EXAMPLE.sharedCustomerId),
    merchantAccountKey: like('DEMO_MUSIC'),
    productKey: like('MUSIC'),
    merchantEntitlementId: like(EXAMPLE.entitlementId),
    extensionData: like({}),
    merchantExtensionData: like({}),
    dateCreated: isoDateTime(EXAMPLE.created),
    dateLastUpdated: isoDateTime(EXAMPLE.updated),
    version: integer(1),
  };
}

/** An entitlement record in `status`, with the dates that status implies. */
export function entitlement(status: EntitlementStatus, overrides: Record<string, unknown> = {}) {
  return { ...entitlementCore(), status, ...datesByStatus[status], ...overrides };
}

/** An entitlement record in any status (for lists whose items differ). */
export function anyEntitlement(overrides: Record<string, unknown> = {}) {
  return { ...entitlementCore(), status: oneOf(EntitlementStatus, 'ACTIVE'), ...overrides };
}

/** The answer to a call on one entitlement: the record plus the call's result. */
export function entitlementResponse(
  status: EntitlementStatus,
  responseCode: 'OK' | 'CREATED' | 'CLIENT_ACTION_REQUIRED' | 'ACCEPTED' | Matcher<string>,
  overrides: Record<string, unknown> = {},
) {
  return { ...entitlement(status, overrides), responseCode, responseMessage: like('Success') };
}

/** One event of an entitlement's history or of the reseller's feed. */
export function entitlementEvent() {
  return {
    eventId: uuid(EXAMPLE.eventId),
    sequence: integer(1),
    entitlementId: uuid(EXAMPLE.entitlementId),
    version: integer(1),
    reason: oneOf(EventReason, 'ENTITLEMENT_CREATED'),
    actor: oneOf(Actor, 'RESELLER'),
    statusAfter: oneOf(EntitlementStatus, 'ACTIVE'),
    occurredAt: isoDateTime(EXAMPLE.created),
    entitlement: anyEntitlement(),
  };
}

/**
 * The body of a notification Tessera sends for `reason`, with the entitlement as it is after the
 * change (in `status`); `entitlementId` is a UUID matcher unless a provider state supplies it.
 */
export function notification(
  reason: NotificationReason,
  status: EntitlementStatus,
  overrides: Record<string, unknown> = {},
  entitlementId: unknown = uuid(EXAMPLE.entitlementId),
) {
  return {
    eventId: uuid(EXAMPLE.eventId),
    reason,
    version: integer(2),
    sequence: integer(7),
    timestamp: isoDateTime(EXAMPLE.updated),
    entitlementId,
    entitlement: entitlement(status, { entitlementId, version: integer(2), ...overrides }),
  };
}

/** A list of at least one event. */
export const events = () => eachLike(entitlementEvent());

/** `ETag: "<version>"`. */
export const etag = (version = 1) => regex('^"\\d+"$', `"${version}"`);

/** `Content-Type` of an error: problem details, per RFC 9457. */
export const problemContentType = () =>
  regex('^application/problem\\+json(;.*)?$', 'application/problem+json');

/** An RFC 9457 problem with Tessera's `responseCode` and `requestId`. */
export function problem(
  status: number,
  responseCode: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    type: like(`https://tessera.dev/problems/${responseCode.toLowerCase().replace(/_/g, '-')}`),
    title: like('Problem title'),
    status,
    responseCode,
    requestId: like(EXAMPLE.requestId),
    ...extra,
  };
}
