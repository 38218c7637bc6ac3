/**
 * Matchers for the shapes the merchant API and the merchant callbacks exchange. Interactions
 * match shapes, not values; a literal stays only where the value is the point of the
 * interaction (the status a change leads to, a product or id the request named).
 * The generic helpers mirror `packages/reseller-client/test/pact/shapes.ts`.
 */
import { MatchersV3 } from '@pact-foundation/pact';

import { ActionParametersActionEnum, EntitlementStatus } from '../../src';

const { fromProviderState, integer, like, regex, uuid } = MatchersV3;

/** Example values recorded in the pact; the provider's real values only need the same shape. */
export const EXAMPLE = {
  entitlementId: '7d3f2c4e-1b2a-4c5d-9e8f-0a1b2c3d4e5f',
  merchantEntitlementId: 'sub_8842',
  requestId: '0f5e6d7c-8b9a-4a1b-8c2d-3e4f5a6b7c8d',
  sharedCustomerId: 'sc_5Jk2mQ9xLr',
  created: '2026-12-03T10:00:00.000Z',
  activated: '2026-12-03T10:05:00.000Z',
  updated: '2026-12-03T10:05:00.000Z',
  ends: '2099-01-01T00:00:00.000Z',
} as const;

/** ISO 8601 in UTC: a fraction of a second is optional, the `Z` is not. */
const ISO_UTC = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?Z$';

/** A timestamp as Tessera writes them (ISO 8601, UTC). */
export const isoDateTime = (example: string) => regex(ISO_UTC, example);

/** One of an enum's values. */
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

/** `/merchant/v1/entitlement/{entitlementId}{suffix}` with the id the provider state seeded. */
export const seededEntitlementPath = (suffix = '') =>
  fromProviderState(
    `/merchant/v1/entitlement/\${entitlementId}${suffix}`,
    `/merchant/v1/entitlement/${EXAMPLE.entitlementId}${suffix}`,
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

/** An entitlement as its merchant sees it, in `status`, with the dates that status implies. */
export function merchantEntitlement(
  status: EntitlementStatus,
  overrides: Record<string, unknown> = {},
) {
  return {
    entitlementId: uuid(EXAMPLE.entitlementId),
    merchantEntitlementId: like(EXAMPLE.merchantEntitlementId),
    status,
    sharedCustomerId: like(EXAMPLE.sharedCustomerId),
    resellerKey: like('DEMO_TELCO'),
    merchantAccountKey: 'DEMO_MUSIC',
    productKey: like('MUSIC'),
    merchantExtensionData: like({}),
    routeExtensionData: like({}),
    dateCreated: isoDateTime(EXAMPLE.created),
    dateLastUpdated: isoDateTime(EXAMPLE.updated),
    version: integer(1),
    ...datesByStatus[status],
    ...overrides,
  };
}

/** The answer to a merchant call on one entitlement: the record plus the call's result. */
export function merchantEntitlementResponse(
  status: EntitlementStatus,
  overrides: Record<string, unknown> = {},
) {
  return {
    ...merchantEntitlement(status, overrides),
    responseCode: 'OK',
    responseMessage: like('Success'),
  };
}

/** `ETag: "<version>"`. */
export const etag = (version = 1) => regex('^"\\d+"$', `"${version}"`);

/** `Content-Type` of an error: problem details, per RFC 9457. */
export const problemContentType = () =>
  regex('^application/problem\\+json(;.*)?$', 'application/problem+json');

/** An RFC 9457 problem as a merchant answers one: `type`, `title`, `status`, `responseCode`. */
export function merchantProblem(status: number, responseCode: string): Record<string, unknown> {
  return {
    type: like(`https://tessera.dev/problems/${responseCode.toLowerCase().replace(/_/g, '-')}`),
    title: like('Problem title'),
    status,
    responseCode,
  };
}

/** An RFC 9457 problem as Tessera answers one: also its `requestId`. */
export function problem(
  status: number,
  responseCode: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { ...merchantProblem(status, responseCode), requestId: like(EXAMPLE.requestId), ...extra };
}

/** `/entitlements/{merchantEntitlementId}{suffix}` (a callback) with the id the merchant gave. */
export const subscriptionPath = (suffix = '') =>
  fromProviderState(
    `/entitlements/\${merchantEntitlementId}${suffix}`,
    `/entitlements/${EXAMPLE.merchantEntitlementId}${suffix}`,
  );

/** `parameters` telling the user to sign up at the merchant's URL before it expires. */
export const signUpParameters = () => ({
  action: ActionParametersActionEnum.NAVIGATE_TO_URL,
  url: regex('^https?://\\S+$', 'https://music.merchant.test/signup/7d3f2c4e'),
  urlExpiry: isoDateTime('2026-12-04T10:00:00.000Z'),
});

/** `parameters` telling the user to enter an activation code at the merchant. */
export const codeParameters = () => ({
  action: ActionParametersActionEnum.ENTER_ACTIVATION_CODE,
  activationCode: like('7K3Q-9PXD'),
});
