import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';

import type { components } from '../../../src/generated/contract';
import type { ApiClient, ApiResponse } from '../../helpers/api-client';
import { createBody, type ApiSuite } from '../../helpers/api-world';
import { Receiver } from '../../notifications/helpers/receiver';

type Schemas = components['schemas'];
type Entitlement = Schemas['EntitlementResponse'];

/** The entitlements {@link seedReportWorld} made, by the name the tests use. */
export interface Seeded {
  /** Start (inclusive) and end (exclusive) of the reported period. */
  from: Date;
  to: Date;
  ids: Record<SeedName, string>;
}

/** The receivers behind TELCO_A's notification URLs (each entitlement names one). */
export interface Receivers {
  /** Answers 204. */
  healthy: Receiver;
  /** Answers 410: its endpoint is disabled. */
  gone: Receiver;
  /** Answers 503: its notifications wait for retries. */
  failing: Receiver;
}

/** Starts the {@link Receivers}. */
export async function startReceivers(): Promise<Receivers> {
  const [healthy, gone, failing] = await Promise.all(
    [204, 410, 503].map(async (status) => {
      const receiver = await new Receiver().start();
      receiver.answerAlways(status);
      return receiver;
    }),
  );
  return { healthy: healthy!, gone: gone!, failing: failing! };
}

/**
 * - before the period: A0 (MUSIC, suspended in it), A9 (MUSIC, only its data changed in it);
 * - in it, TELCO_A: A1 (MUSIC, data changed; revoked after it), A2 (cancelled at period end:
 *   ACTIVE-ENDING), A3 (revoked; its notification URL answers 410), A4 and A8 (MUSIC_PREMIUM,
 *   activated by the merchant), A5 (MUSIC_PREMIUM, still PENDING at the end; activated after),
 *   A6 (cancelled, then revoked; its URL answers 503);
 *   TELCO_B: B1 (VIDEO of MUSIC_B), B2 (MUSIC, refused by the merchant: FAILED);
 * - after it: A7 (MUSIC).
 */
export type SeedName =
  'A0' | 'A9' | 'A1' | 'A2' | 'A3' | 'A4' | 'A5' | 'A6' | 'A8' | 'B1' | 'B2' | 'A7';

/** The awkward display name and extension data A1 is given, to prove the CSV quoting. */
export const AWKWARD = {
  entitlementDisplayName: 'Rock, "Roll"\nLive',
  extensionData: { bundle: 'MOBILE,PLUS', note: 'say "hi"' },
};

/** A boundary: waits so that no server timestamp equals it, on either side. */
async function boundary(): Promise<Date> {
  await delay(5);
  const instant = new Date();
  await delay(5);
  return instant;
}

function ok<T>(response: ApiResponse<T>, status = 200): T {
  assert.equal(response.status, status, JSON.stringify(response.body));
  return response.body;
}

/** Polls `check` until it returns something other than undefined, or fails after 10 s. */
export async function eventually<T>(check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error('timed out waiting');
    }
    await delay(25);
  }
}

const REVOKE = { reasonCategory: 'REVOKED', reasonCode: 'IMMEDIATE_CANCELLATION' };
const CANCEL = { reasonCategory: 'CUSTOMER_CANCELLED', reasonCode: 'NOT_RENEWED' };

/**
 * Seeds a realistic mix through the real services over HTTP, with the test merchant stub,
 * around a period [from, to); see {@link SeedName}.
 */
export async function seedReportWorld(suite: ApiSuite, receivers: Receivers): Promise<Seeded> {
  const { admin, resellerA, resellerB, merchantA } = suite.world;
  const { healthy, gone, failing } = receivers;
  /** A TELCO_A create notified at `receiver`. */
  const telcoA = (productKey = 'MUSIC', receiver = healthy) => ({
    ...createBody(productKey),
    notificationUrl: receiver.url(),
  });

  const create = async (client: ApiClient, body: object, status = 200) =>
    ok(await client.post<Entitlement>('/v1/entitlement', body), status).entitlementId;
  const act = async (client: ApiClient, path: string, body: object = {}) =>
    ok(await client.post<Entitlement>(path, body));
  const patch = async (id: string, body: object) =>
    ok(await resellerA.patch<Entitlement>(`/v1/entitlement/${id}`, body));
  const activate = (id: string) => act(merchantA, `/merchant/v1/entitlement/${id}/activate`);
  const ids = {} as Record<SeedName, string>;

  ids.A0 = await create(resellerA, telcoA());
  ids.A9 = await create(resellerA, telcoA());
  const from = await boundary();

  await patch(ids.A0, { entitlementBenefits: 'SUSPENDED' });
  await patch(ids.A9, { entitlementDisplayName: 'Renamed' });
  ids.A1 = await create(resellerA, telcoA());
  await patch(ids.A1, AWKWARD);
  ids.A2 = await create(resellerA, telcoA());
  await act(resellerA, `/v1/entitlement/${ids.A2}/cancel`, CANCEL);
  ids.A3 = await create(resellerA, telcoA('MUSIC', gone));
  await act(resellerA, `/v1/entitlement/${ids.A3}/revoke`, REVOKE);
  ids.A4 = await create(resellerA, telcoA('MUSIC_PREMIUM'), 202);
  ids.A5 = await create(resellerA, telcoA('MUSIC_PREMIUM'), 202);
  await activate(ids.A4);
  ids.A6 = await create(resellerA, telcoA('MUSIC', failing));
  await act(resellerA, `/v1/entitlement/${ids.A6}/cancel`, CANCEL);
  await act(resellerA, `/v1/entitlement/${ids.A6}/revoke`, REVOKE);
  ids.A8 = await create(resellerA, telcoA('MUSIC_PREMIUM'), 202);
  await delay(30); // so that the funnel's two durations surely differ
  await activate(ids.A8);
  ids.B1 = await create(resellerB, { ...createBody('VIDEO'), merchantAccountKey: 'MUSIC_B' });
  suite.stub.answerNext('create', { status: 400, body: { detail: 'refused' } });
  ids.B2 = await create(resellerB, createBody(), 502);
  await settleDeliveries(admin);
  const to = await boundary();

  ids.A7 = await create(resellerA, telcoA());
  await act(resellerA, `/v1/entitlement/${ids.A1}/revoke`, REVOKE);
  await activate(ids.A5);
  return { from, to, ids };
}

/** Waits until TELCO_A's notifications of the period reached their final states. */
async function settleDeliveries(admin: ApiClient): Promise<void> {
  const count = async (state: string) =>
    ok(
      await admin.get<Schemas['NotificationDeliveryPage']>(
        `/admin/v1/notificationDeliveries?resellerKey=TELCO_A&state=${state}`,
      ),
    ).deliveries.length;
  await eventually(async () =>
    (await count('DELIVERED')) === 6 && (await count('FAILED')) === 1 ? true : undefined,
  );
  await eventually(async () => {
    const { endpoints } = ok(
      await admin.get<Schemas['NotificationEndpointList']>('/admin/v1/notificationEndpoints'),
    );
    return endpoints.some((endpoint) => endpoint.state === 'DISABLED') ? true : undefined;
  });
}
