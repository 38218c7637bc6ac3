import { performance } from 'node:perf_hooks';

import { SANDBOX_AUTHORIZATION, type BenchServer } from '../server-process';

const JSON_HEADERS = { authorization: SANDBOX_AUTHORIZATION, 'content-type': 'application/json' };

async function call(
  server: BenchServer,
  method: string,
  path: string,
  body: unknown,
  key?: string,
) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: key === undefined ? JSON_HEADERS : { ...JSON_HEADERS, 'idempotency-key': key },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`${method} ${path} on ${server.label} answered ${response.status}: ${text}`);
  }
  return JSON.parse(text) as { entitlementId: string };
}

/**
 * Creates one sandbox entitlement per URL given (`null`: no URL of its own, so the reseller's
 * default applies), through the same synchronous product as the create workload.
 */
export async function createEntitlements(
  server: BenchServer,
  notificationUrls: Array<string | null>,
  customerPrefix: string,
): Promise<string[]> {
  return Promise.all(
    notificationUrls.map(async (notificationUrl, index) => {
      const customerIdentifier = `${customerPrefix}-${index}`;
      const created = await call(
        server,
        'POST',
        '/v1/entitlement',
        {
          customerIdentifier,
          merchantAccountKey: 'DEMO_MUSIC',
          productKey: 'MUSIC',
          ...(notificationUrl === null ? {} : { notificationUrl }),
        },
        `bench-${customerIdentifier}`,
      );
      return created.entitlementId;
    }),
  );
}

/** How many metadata updates a run made and how fast. */
export interface UpdateRun {
  updates: number;
  seconds: number;
}

/**
 * Sends `total` data changes (`entitlementDisplayName`), each of which records a
 * `METADATA_UPDATE` event and, in the same transaction, writes its outbox delivery. One
 * sequential loop per entitlement, all loops at once: an entitlement is never changed by two
 * requests at the same time, so every change answers 200 and yields exactly one event.
 *
 * @throws on any answer outside 2xx
 */
export async function updateEntitlements(
  server: BenchServer,
  entitlementIds: readonly string[],
  total: number,
): Promise<UpdateRun> {
  const started = performance.now();
  const perEntitlement = entitlementIds.map(
    (_, index) =>
      Math.floor(total / entitlementIds.length) + (index < total % entitlementIds.length ? 1 : 0),
  );
  await Promise.all(
    entitlementIds.map(async (id, index) => {
      for (let change = 0; change < perEntitlement[index]!; change += 1) {
        await call(server, 'PATCH', `/v1/entitlement/${id}`, {
          entitlementDisplayName: `bench ${index}.${change}`,
        });
      }
    }),
  );
  return { updates: total, seconds: (performance.now() - started) / 1000 };
}
