import autocannon from 'autocannon';

import { type OpenLoopRequest, openLoopLoad } from './open-loop';
import { SANDBOX_AUTHORIZATION } from './server-process';

/** The workloads, in the order they run against each server. */
export const WORKLOADS = ['create', 'get', 'list'] as const;

/** One of {@link WORKLOADS}. */
export type Workload = (typeof WORKLOADS)[number];

/** What one workload measured against one server. */
export interface LoadResult {
  /** Completed requests (any status). */
  requests: number;
  /** How long the load ran, in seconds. */
  seconds: number;
  /** Completed requests per second over the whole run. */
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers outside 2xx; any makes the measurement void. */
  non2xx: number;
  /** Connection errors, timeouts included; any makes the measurement void too. */
  errors: number;
  /** Count per status code, to say what went wrong when `non2xx` is not 0. */
  statusCodes: Record<string, number>;
}

/** Settings shared by every workload. */
export interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  /**
   * Stops the load after this many requests even if the duration has not passed, so that a run
   * is bounded in requests as well as in time whatever the machine's speed.
   */
  maxRequests: number;
  /**
   * Requests per second sent evenly over all connections, on an open-loop schedule (see
   * open-loop.ts); unset, each connection sends its next request as soon as the previous one
   * is answered (autocannon).
   */
  overallRate?: number;
}

/** The merchant and product a create names. */
export interface CreateTarget {
  merchantAccountKey: string;
  productKey: string;
}

/**
 * The sandbox's simulated merchant (served inside the Tessera server process) and its product
 * that activates synchronously (200 ACTIVE), so that a create runs the whole path: auth,
 * validation, idempotency, merchant call, event and outbox rows. Throughput figures use a
 * merchant of their own process instead (`merchant/merchant-process.ts`).
 */
export const SANDBOX_CREATE_TARGET: CreateTarget = {
  merchantAccountKey: 'DEMO_MUSIC',
  productKey: 'MUSIC',
};

// A request that gets no answer in this time counts as an error (and voids the run).
const REQUEST_TIMEOUT_SECONDS = 10;

/**
 * `POST /v1/entitlement` with a new customer and idempotency key per request: the route allows
 * one live entitlement per customer, so a repeated id would answer 409, not create. Resolves
 * with the load's numbers and the ids of the entitlements it created.
 *
 * @param customerPrefix Makes customer ids unique across the creates sent to one server.
 * @param target The merchant and product to create at; the sandbox merchant unless given.
 */
export async function createLoad(
  options: LoadOptions,
  customerPrefix: string,
  target: CreateTarget = SANDBOX_CREATE_TARGET,
): Promise<{ result: LoadResult; entitlementIds: string[]; customerIdentifiers: string[] }> {
  const entitlementIds: string[] = [];
  const customerIdentifiers: string[] = [];
  let sequence = 0;
  const { merchantAccountKey, productKey } = target;

  const result = await fire(options, {
    requests: [
      {
        method: 'POST',
        path: '/v1/entitlement',
        // Called for every request (autocannon rebuilds requests that have this hook), so
        // every request carries a customer id and an idempotency key never sent before.
        setupRequest: (request) => {
          sequence += 1;
          const customerIdentifier = `${customerPrefix}-${sequence}`;
          return {
            ...request,
            headers: { ...request.headers, 'idempotency-key': `bench-${customerIdentifier}` },
            body: JSON.stringify({ customerIdentifier, merchantAccountKey, productKey }),
          };
        },
        onResponse: (status, body) => {
          if (status >= 200 && status < 300) {
            const created = JSON.parse(body) as {
              entitlementId: string;
              customerIdentifier: string;
            };
            entitlementIds.push(created.entitlementId);
            customerIdentifiers.push(created.customerIdentifier);
          }
        },
      },
    ],
    headers: { 'content-type': 'application/json' },
  });
  return { result, entitlementIds, customerIdentifiers };
}

/** `GET /v1/entitlement/{id}` over `entitlementIds`, spread over the whole table. */
export function getLoad(
  options: LoadOptions,
  entitlementIds: readonly string[],
): Promise<LoadResult> {
  if (entitlementIds.length === 0) {
    throw new Error('the get workload needs entitlements; the create workload made none');
  }
  return pathsLoad(
    options,
    entitlementIds.map((id) => `/v1/entitlement/${id}`),
  );
}

/** `GET /v1/entitlement?customerIdentifier=…`: one customer's entitlements, over `customers`. */
export function customerListLoad(
  options: LoadOptions,
  customers: readonly string[],
): Promise<LoadResult> {
  if (customers.length === 0) {
    throw new Error('the customer list workload needs customers; the create workload made none');
  }
  return pathsLoad(
    options,
    customers.map(
      (customer) => `/v1/entitlement?customerIdentifier=${encodeURIComponent(customer)}`,
    ),
  );
}

/**
 * `GET` of each of `paths` (query strings included) in turn as the sandbox reseller. Stepping
 * by a prime that does not divide the count visits every path, in an order that is not the
 * insertion order, so reads are not served from one warm corner of the B-tree.
 */
export function pathsLoad(options: LoadOptions, paths: readonly string[]): Promise<LoadResult> {
  if (paths.length === 0) {
    throw new Error('a paths load needs at least one path');
  }
  const step = coprimeStep(paths.length);
  let position = 0;
  return fire(options, {
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => {
          position = (position + step) % paths.length;
          return { ...request, path: paths[position] };
        },
      },
    ],
  });
}

/** Any autocannon load against `options.url`, summarised like the workloads above. */
export function customLoad(
  options: LoadOptions,
  request: Partial<autocannon.Options>,
): Promise<LoadResult> {
  return fire(options, request);
}

/** `GET /v1/entitlement?limit=50`: the first page, oldest first, of the reseller's list. */
export function listLoad(options: LoadOptions): Promise<LoadResult> {
  return fire(options, { requests: [{ method: 'GET', path: '/v1/entitlement?limit=50' }] });
}

function fire(options: LoadOptions, request: Partial<autocannon.Options>): Promise<LoadResult> {
  if (options.overallRate !== undefined) {
    return paced(options, options.overallRate, request);
  }
  const headers = { authorization: SANDBOX_AUTHORIZATION, ...request.headers };
  const settings: autocannon.Options = {
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    maxOverallRequests: options.maxRequests,
    timeout: REQUEST_TIMEOUT_SECONDS,
    ...request,
    headers,
  };

  return new Promise((resolve, reject) => {
    autocannon(settings, (error: unknown, result: autocannon.Result) => {
      if (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      resolve(summarize(result));
    });
  });
}

/**
 * The same requests sent on an open-loop schedule (see {@link openLoopLoad}): the one request
 * definition these workloads use, its `setupRequest` called for each request as autocannon
 * would.
 */
function paced(
  options: LoadOptions,
  ratePerSecond: number,
  request: Partial<autocannon.Options>,
): Promise<LoadResult> {
  const [definition] = (request.requests ?? []) as autocannon.Request[];
  const base: OpenLoopRequest = {
    method: (definition?.method ?? 'GET') as OpenLoopRequest['method'],
    path: definition?.path ?? '/',
    headers: {
      authorization: SANDBOX_AUTHORIZATION,
      ...(request.headers as Record<string, string> | undefined),
      ...(definition?.headers as Record<string, string> | undefined),
    },
    body: definition?.body as string | undefined,
  };
  return openLoopLoad({
    url: options.url,
    connections: options.connections,
    ratePerSecond,
    durationSeconds: options.durationSeconds,
    maxRequests: options.maxRequests,
    timeoutSeconds: REQUEST_TIMEOUT_SECONDS,
    next: () => {
      const setup = definition?.setupRequest as
        ((r: OpenLoopRequest) => OpenLoopRequest) | undefined;
      return setup === undefined ? base : setup({ ...base, headers: { ...base.headers } });
    },
    onResponse: (status, body) => {
      (definition?.onResponse as ((s: number, b: string) => void) | undefined)?.(status, body);
    },
  });
}

function summarize(result: autocannon.Result): LoadResult {
  const statusCodes: Record<string, number> = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) {
    statusCodes[code] = stats.count ?? 0;
  }
  return {
    requests: result.requests.total,
    seconds: result.duration,
    requestsPerSecond: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors, // autocannon counts a timeout as an error too
    statusCodes,
  };
}

function coprimeStep(count: number): number {
  const primes = [7919, 7907, 7901];
  return primes.find((prime) => count % prime !== 0) ?? 1;
}
