import { cpus, loadavg } from 'node:os';

import { timelineFor } from '../growth/seed';
import { type GrowthStore, postgresStore, sqliteStore, type StoredSample } from '../growth/stores';
import {
  createLoad,
  getLoad,
  listLoad,
  type LoadOptions,
  type LoadResult,
  pathsLoad,
} from '../load';
import { measure } from '../measure';
import {
  BENCH_MERCHANT_TARGET,
  type BenchMerchant,
  registerBenchMerchant,
  startBenchMerchant,
} from '../merchant/merchant-process';
import {
  type BenchContext,
  type BenchSettings,
  markdownTable,
  ms,
  type Section,
  type SectionReport,
  type TargetResult,
  whole,
} from '../section';
import { type BenchServer, SANDBOX_AUTHORIZATION } from '../server-process';
import type { Measurement } from '../stats';

/**
 * The requests measured at every level, in the order they run: the reads first, on exactly
 * the level's entitlements, then the create, whose rows count towards the next level.
 */
const REQUESTS = [
  {
    kind: 'get',
    label: 'get by id',
    what: '`GET /v1/entitlement/{id}`, over up to 2,000 entitlements picked at random in the table',
  },
  {
    kind: 'customer',
    label: "customer's list",
    what:
      '`GET /v1/entitlement?customerIdentifier=…&limit=50`, over the customers of those ' +
      "entitlements (1 to 3 entitlements each): how a reseller lists one customer's entitlements",
  },
  {
    kind: 'first',
    label: 'first page',
    what: '`GET /v1/entitlement?limit=50`: the first page, oldest first, of the whole list',
  },
  {
    kind: 'deep',
    label: 'deep page',
    what:
      '`GET /v1/entitlement?limit=50&cursor=…` with 100 cursors the server issued for ' +
      'positions spread evenly over the table, from its start to its end (keyset pagination ' +
      'on creation time and id; half the table before the position on average)',
  },
  {
    kind: 'create',
    label: 'create',
    what:
      '`POST /v1/entitlement` to the bench merchant, a new customer and `Idempotency-Key` per ' +
      "request, as in the throughput part: before inserting, a create looks up the customer's " +
      'shared id on the route, its live entitlements and an identical pending create, among ' +
      'rows of the same reseller, route and product as the seeded ones, so a lookup that walks ' +
      'an index instead of seeking in it shows here',
  },
] as const;

type RequestKind = (typeof REQUESTS)[number]['kind'];

/** Connections of every read load: enough to keep the server busy, few enough not to queue. */
const CONNECTIONS = 8;
/** Unmeasured seconds of each load before it is measured (JIT, caches, pools). */
const WARMUP_SECONDS = 1;
/** Measured seconds per load at most, so that 32 loads fit the section's time budget. */
const MAX_LOAD_SECONDS = 5;
/** Entitlements created through the API; the first is the template every seeded row copies. */
const API_ENTITLEMENTS = 3;
/**
 * Most creates per create load (warm-up and measured each), so that the rows they add stay well
 * below the next level's (10 times as many) on a machine of any speed.
 */
const MAX_CREATES_PER_LOAD = 2_500;
/** Longest wait for the creates in flight when the create load ends. */
const SETTLE_TIMEOUT_MS = 10_000;
const SAMPLE_SIZE = 2_000;
const DEEP_CURSORS = 100;
const PAGE_SIZE = 50;
/** The target: latency at the largest level at most this many times that at the smallest. */
const MAX_RATIO = 1.5;

// Seeding cost per row measured on the 2-core development machine under other load, the time
// to start a server (migrations, sandbox) and stop it again, and per level the sample, the
// cursors and the slow requests a load waits for after its duration.
const SEED_SECONDS_PER_ROW = { sqlite: 32e-6, postgres: 65e-6 };
const SERVER_START_STOP_SECONDS = 6;
const LEVEL_OVERHEAD_SECONDS = 5;

/** What one level measured on one database. */
interface LevelResult {
  level: number;
  /** Seconds the direct inserts up to this level took. */
  seedSeconds: number;
  /** 1-minute load average of the machine just before the level's loads: how busy it was. */
  loadAverage: number;
  measurements: Record<RequestKind, Measurement>;
}

/** One database's levels, or why it has none. */
interface StoreGrowth {
  label: string;
  levels: LevelResult[];
  /** Set when the database was skipped or its run failed. */
  problem?: string;
}

/** Issue #8: get, list and create latency with 10³ to 10⁶ entitlements stored. */
export const growthSection: Section = {
  id: 'growth',
  title: 'Growth: latency as entitlements accumulate',

  estimateSeconds(settings: BenchSettings): number {
    const levels = settings.growthLevels;
    const rows = Math.max(...levels);
    const loads = levels.length * REQUESTS.length * (WARMUP_SECONDS + loadSeconds(settings));
    const starts =
      (levels.length + 1) * SERVER_START_STOP_SECONDS + levels.length * LEVEL_OVERHEAD_SECONDS;
    return (
      2 * (loads + starts) + rows * (SEED_SECONDS_PER_ROW.sqlite + SEED_SECONDS_PER_ROW.postgres)
    );
  },

  async run(context: BenchContext): Promise<SectionReport> {
    const stores: StoreGrowth[] = [];
    // One merchant process for the whole part: its URL is stored with the merchant, in every
    // database, and called by each server started on it.
    const merchant = await startBenchMerchant();
    try {
      stores.push(await measureStore(context, merchant, 'SQLite (better-sqlite3)', sqliteStore));
      if ('skipped' in context.postgres) {
        stores.push({ label: 'PostgreSQL', levels: [], problem: context.postgres.skipped });
      } else {
        const adminUrl = context.postgres.adminUrl;
        stores.push(
          await measureStore(context, merchant, 'PostgreSQL', () => postgresStore(adminUrl)),
        );
      }
    } finally {
      await merchant.stop();
    }
    return {
      title: growthSection.title,
      markdown: render(context.settings, stores),
      targets: stores.flatMap((store) => targetsOf(context.settings, store)),
    };
  },
};

function loadSeconds(settings: BenchSettings): number {
  return Math.min(settings.loadSeconds, MAX_LOAD_SECONDS);
}

// A database that fails is reported as such; the other one's figures still stand.
async function measureStore(
  context: BenchContext,
  merchant: BenchMerchant,
  label: string,
  open: () => Promise<GrowthStore>,
): Promise<StoreGrowth> {
  let store: GrowthStore | undefined;
  try {
    store = await open();
    return { label, levels: await measureLevels(context, merchant, store) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    context.log(`${label}: FAILED: ${message}`);
    return { label, levels: [], problem: `failed: ${message}` };
  } finally {
    await store?.remove();
  }
}

async function measureLevels(
  context: BenchContext,
  merchant: BenchMerchant,
  store: GrowthStore,
): Promise<LevelResult[]> {
  const { settings } = context;
  const templateId = await withServer(context, store, async (server) => {
    await registerBenchMerchant(server, merchant);
    return createThroughApi(server);
  });
  const template = await store.template(templateId);
  const timeline = timelineFor(Math.max(...settings.growthLevels));

  const results: LevelResult[] = [];
  let seeded = 0; // rows of the seed plan already inserted
  for (const level of settings.growthLevels) {
    const started = Date.now();
    // Rows created through the API (the template's, the previous levels' creates) count too.
    const stored = await store.count();
    if (stored > level) {
      throw new Error(
        `${store.label} already holds ${whole(stored)} entitlements, more than the next ` +
          `level (${whole(level)}): the levels are too close for the creates between them`,
      );
    }
    await store.seed(template, timeline, seeded, seeded + level - stored);
    seeded += level - stored;
    const seedSeconds = (Date.now() - started) / 1000;

    const sample = await store.sample(SAMPLE_SIZE);
    if (sample.total !== level) {
      throw new Error(`${store.label} holds ${sample.total} entitlements, not ${level}`);
    }
    context.log(
      `${store.label}: ${whole(level)} entitlements (inserted in ${seedSeconds.toFixed(1)} s)`,
    );
    const loadAverage = loadavg()[0] ?? 0;
    const measurements = await withServer(context, store, async (server) => {
      const measured = await measureRequests(context, server, sample, level);
      await createsFinished(store);
      return measured;
    });
    results.push({ level, seedSeconds, loadAverage, measurements });
  }
  return results;
}

/**
 * Waits until no create is still at the merchant, at most {@link SETTLE_TIMEOUT_MS}. autocannon
 * drops the requests in flight when its time is up; stopped at once, the server (on
 * PostgreSQL) can leave their rows provisioning, hidden from reads, until its stale-create job
 * fails them minutes later, at another level.
 */
async function createsFinished(store: GrowthStore): Promise<void> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  while ((await store.provisioning()) > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function withServer<T>(
  context: BenchContext,
  store: GrowthStore,
  work: (server: BenchServer) => Promise<T>,
): Promise<T> {
  const server = await store.start(context.serverMain);
  try {
    return await work(server);
  } finally {
    await server.stop();
  }
}

// A few real creates give the seed a row exactly as the server writes it (every column, the
// sandbox reseller's route to the bench merchant, its product), so the copies need no
// knowledge of them, and the creates measured later land among the seeded rows.
async function createThroughApi(server: BenchServer): Promise<string> {
  const ids: string[] = [];
  for (let index = 0; index < API_ENTITLEMENTS; index += 1) {
    const response = await fetch(`${server.url}/v1/entitlement`, {
      method: 'POST',
      headers: { authorization: SANDBOX_AUTHORIZATION, 'content-type': 'application/json' },
      body: JSON.stringify({
        customerIdentifier: `growth-api-customer-${index}`,
        ...BENCH_MERCHANT_TARGET,
      }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    if (response.status !== 200) {
      throw new Error(`POST /v1/entitlement answered ${response.status}: ${text}`);
    }
    ids.push((JSON.parse(text) as { entitlementId: string }).entitlementId);
  }
  return ids[0] ?? '';
}

async function measureRequests(
  context: BenchContext,
  server: BenchServer,
  sample: StoredSample,
  level: number,
): Promise<Record<RequestKind, Measurement>> {
  const cursors = await deepCursors(server, spread(sample.createdAt, DEEP_CURSORS));
  let createLoads = 0; // customer ids must be new across the warm-up, the measurement, levels
  const loads: Record<RequestKind, (options: LoadOptions) => Promise<LoadResult>> = {
    get: (options) => getLoad(options, sample.entitlementIds),
    customer: (options) =>
      pathsLoad(
        options,
        sample.customers.map(
          (customer) =>
            `/v1/entitlement?customerIdentifier=${encodeURIComponent(customer)}` +
            `&limit=${PAGE_SIZE}`,
        ),
      ),
    first: (options) => listLoad(options),
    deep: (options) =>
      pathsLoad(
        options,
        cursors.map((cursor) => `/v1/entitlement?limit=${PAGE_SIZE}&cursor=${cursor}`),
      ),
    create: async (options) => {
      createLoads += 1;
      const bounded = {
        ...options,
        maxRequests: Math.min(options.maxRequests, MAX_CREATES_PER_LOAD),
      };
      const prefix = `growth-${level}-${createLoads}`;
      return (await createLoad(bounded, prefix, BENCH_MERCHANT_TARGET)).result;
    },
  };

  const seconds = loadSeconds(context.settings);
  const options = (durationSeconds: number): LoadOptions => ({
    url: server.url,
    connections: CONNECTIONS,
    durationSeconds,
    maxRequests: Math.max(1_000, durationSeconds * 50_000),
  });
  const measurements: Partial<Record<RequestKind, Measurement>> = {};
  for (const { kind, label } of REQUESTS) {
    await loads[kind](options(WARMUP_SECONDS));
    const measured = await measure(server, `growth ${label}`, () => loads[kind](options(seconds)));
    measurements[kind] = measured;
    context.log(
      `  ${label}: ${whole(measured.requestsPerSecond)} req/s, p50 ${ms(measured.p50Ms)} ms, ` +
        `p99 ${ms(measured.p99Ms)} ms`,
    );
  }
  return measurements as Record<RequestKind, Measurement>;
}

/**
 * `count` of `instants` evenly spaced in time order, so that the deep pages start from the
 * table's beginning to its end whatever order the sample came in.
 */
function spread(instants: readonly string[], count: number): string[] {
  const sorted = [...instants].sort();
  const step = Math.max(1, sorted.length / count);
  const picked: string[] = [];
  for (let index = 0; index < sorted.length && picked.length < count; index += step) {
    picked.push(sorted[Math.floor(index)] ?? '');
  }
  return picked;
}

// Cursors are opaque: the server issues one for a position when a page ends there. A page of
// one entitlement created at or after `createdAt` ends at that entitlement.
async function deepCursors(server: BenchServer, createdAt: string[]): Promise<string[]> {
  const cursors: string[] = [];
  for (const instant of createdAt) {
    const path = `/v1/entitlement?limit=1&createdFrom=${encodeURIComponent(instant)}`;
    const response = await fetch(`${server.url}${path}`, {
      headers: { authorization: SANDBOX_AUTHORIZATION },
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    if (response.status !== 200) {
      throw new Error(`GET ${path} answered ${response.status}: ${text}`);
    }
    const cursor = (JSON.parse(text) as { nextCursor: string | null }).nextCursor;
    if (cursor !== null) {
      cursors.push(encodeURIComponent(cursor));
    }
  }
  if (cursors.length === 0) {
    throw new Error('no cursor for the deep page workload');
  }
  return cursors;
}

/** `10³`-style for powers of ten, digits otherwise. */
function levelLabel(level: number): string {
  const exponent = Math.log10(level);
  if (!Number.isInteger(exponent)) {
    return whole(level);
  }
  const superscripts = '⁰¹²³⁴⁵⁶⁷⁸⁹';
  return `10${[...String(exponent)].map((digit) => superscripts[Number(digit)]).join('')}`;
}

interface Ratio {
  p50: number;
  p99: number;
  smallest: Measurement;
  largest: Measurement;
}

function ratioOf(store: StoreGrowth, kind: RequestKind): Ratio | undefined {
  const smallest = store.levels[0]?.measurements[kind];
  const largest = store.levels.at(-1)?.measurements[kind];
  if (smallest === undefined || largest === undefined || store.levels.length < 2) {
    return undefined;
  }
  return {
    p50: largest.p50Ms / Math.max(smallest.p50Ms, 0.001),
    p99: largest.p99Ms / Math.max(smallest.p99Ms, 0.001),
    smallest,
    largest,
  };
}

function targetsOf(settings: BenchSettings, store: StoreGrowth): TargetResult[] {
  const levels = settings.growthLevels;
  const span = `${levelLabel(Math.max(...levels))} vs ${levelLabel(Math.min(...levels))}`;
  return REQUESTS.map(({ kind, label }) => {
    const within = `within ${MAX_RATIO}× (${store.label})`;
    const target = `${label}: p50 and p99 at ${span} entitlements ${within}`;
    const ratio = ratioOf(store, kind);
    if (ratio === undefined) {
      const why = store.problem ?? 'not measured';
      return { target, measured: 'not measured', met: false, why };
    }
    const met = ratio.p50 <= MAX_RATIO && ratio.p99 <= MAX_RATIO;
    const measured =
      `p50 ×${ratio.p50.toFixed(2)} (${change(ratio, 'p50Ms')}), ` +
      `p99 ×${ratio.p99.toFixed(2)} (${change(ratio, 'p99Ms')})`;
    if (met) {
      return { target, measured, met };
    }
    return { target, measured, met, why: whyNotMet(store, ratio) };
  });
}

// The server's CPU per request tells where the extra time went: into the server process
// (SQLite runs inside it), or elsewhere (PostgreSQL's own processes, or other work on the
// machine, which the load average shows).
function whyNotMet(store: StoreGrowth, ratio: Ratio): string {
  const cpu = (measurement: Measurement) => measurement.serverCpuMsPerRequest;
  const cpuRatio = cpu(ratio.largest) / Math.max(cpu(ratio.smallest), 0.001);
  const cpuChange =
    `server CPU per request ×${cpuRatio.toFixed(2)} ` +
    `(${cpu(ratio.smallest).toFixed(2)} → ${cpu(ratio.largest).toFixed(2)} ms)`;
  // CPU that grew about as much as the latency explains it; much less, it does not.
  if (cpuRatio >= MAX_RATIO && cpuRatio * 2 >= ratio.p50) {
    return `${cpuChange}: the request does more work in the server process as the table grows`;
  }
  const load = (result: LevelResult | undefined) => (result?.loadAverage ?? 0).toFixed(1);
  const machine = `machine load average ${load(store.levels[0])} → ${load(store.levels.at(-1))}`;
  const outside = store.label.startsWith('PostgreSQL')
    ? 'in PostgreSQL or waiting for a core'
    : 'waiting for a core or for reads of the file (SQLite runs inside the server process)';
  return `${cpuChange} while latency grew: the time is spent ${outside} (${machine})`;
}

function change(ratio: Ratio, field: 'p50Ms' | 'p99Ms'): string {
  return `${ms(ratio.smallest[field])} → ${ms(ratio.largest[field])} ms`;
}

function render(settings: BenchSettings, stores: StoreGrowth[]): string {
  const levels = settings.growthLevels.map(levelLabel).join(', ');
  const seconds = loadSeconds(settings);
  const method = [
    `Latency of the reseller's reads and creates with ${levels} entitlements stored, on ` +
      'SQLite (better-sqlite3, the default driver) and on PostgreSQL. Storing 10⁶ ' +
      'entitlements through the API would take hours, so the server is started once to ' +
      'migrate the database and seed the sandbox, the bench merchant is registered through ' +
      'the admin API (`BENCH_MERCHANT`, its product `BENCH_PRODUCT` and a route from the ' +
      'sandbox reseller, as in the throughput part: a bare `node:http` merchant in a process ' +
      'of its own, answering the create callback 200 with a new `merchantEntitlementId`; one ' +
      'process serves the whole part, and its URL stays registered in the database across ' +
      `the servers started on it), ${API_ENTITLEMENTS} entitlements are created at it through ` +
      '`POST /v1/entitlement`, and the server is stopped. Further rows are then inserted ' +
      'straight into the database with one `INSERT … SELECT` per level (a recursive CTE on ' +
      'SQLite, `generate_series` on PostgreSQL), copying every column of the first created ' +
      'row except those a read filters, sorts or shows: a random UUID id, customer, shared ' +
      'customer id (with its `shared_customer` row), merchant entitlement id, product, ' +
      'status, dates and reasons. All belong to the sandbox reseller, its route to the bench ' +
      "merchant and that route's product. Customers have 1 to 3 entitlements (2 on average); " +
      "all but a customer's last are ended (cancelled, revoked or failed); the last is active " +
      '70 %, cancelled 10 %, revoked, pending, suspended or ending 5 % each, so no customer ' +
      "has more than the route's one live entitlement. Creation dates run evenly over the " +
      'two years before the run, in insertion order; future end and expiry dates are beyond ' +
      'the run, so the scheduler has nothing to do. No row is still provisioning (all are visible) and no ' +
      'event rows are added: no read touches them and a create only appends its own (its ' +
      "sequence number comes from the reseller's row), so the event table holds only the " +
      "creates' events at every level. PostgreSQL is vacuumed and analyzed " +
      'after each insert, as autovacuum would soon do; SQLite is not analyzed, as the server ' +
      'never does it.',
    '',
    `At each level a fresh server is started on the database and each request below is ` +
      `loaded with [autocannon](https://github.com/mcollina/autocannon), ${CONNECTIONS} ` +
      `connections, as the sandbox reseller: ${WARMUP_SECONDS} s unmeasured, then ${seconds} s ` +
      'measured. Every answer must be 2xx. Latency is per request as autocannon sees it; ' +
      'server CPU is the process time over the measured load divided by its requests. On a ' +
      'shared machine latency also counts waiting for a core, so the load average is given ' +
      "with each database's results, and server CPU per request is the steadier signal (it " +
      "does not include PostgreSQL's own processes, nor the merchant's).",
    '',
    ...REQUESTS.map(({ label, what }) => `- **${label}**: ${what}.`),
    '',
    "The create runs last at each level, so the reads see exactly the level's entitlements. " +
      `Its warm-up and its measured load are each stopped after ` +
      `${whole(MAX_CREATES_PER_LOAD)} requests if their time has not run out first, and the ` +
      'server is stopped once the creates still in flight have finished; the rows they add ' +
      "(new customers, `ACTIVE`) count towards the next level's, of which the " +
      'direct inserts then add that many fewer. At the smallest level the table therefore ' +
      'grows during the measured creates, by up to a few thousand rows.',
    '',
    `Target: for get, for each list and for create, p50 **and** p99 at the largest ` +
      `level are at most ${MAX_RATIO}× their value at the smallest level (largest / smallest ` +
      `≤ ${MAX_RATIO}).`,
  ].join('\n');
  return [method, ...stores.map(renderStore)].join('\n\n');
}

function renderStore(store: StoreGrowth): string {
  const heading = `#### ${store.label}`;
  if (store.levels.length === 0) {
    return `${heading}\n\nNot measured: ${store.problem ?? 'no level ran'}.`;
  }
  const rows = store.levels.flatMap((result) =>
    REQUESTS.map(({ kind, label }) => {
      const measurement = result.measurements[kind];
      return [
        levelLabel(result.level),
        label,
        whole(measurement.requestsPerSecond),
        ms(measurement.p50Ms),
        ms(measurement.p99Ms),
        measurement.serverCpuMsPerRequest.toFixed(2),
      ];
    }),
  );
  const table = markdownTable(
    ['Stored', 'Request', 'req/s', 'p50 ms', 'p99 ms', 'Server CPU ms/req'],
    rows,
  );
  const ratios = markdownTable(
    ['Request', 'p50 largest / smallest', 'p99 largest / smallest', `Within ${MAX_RATIO}×`],
    REQUESTS.map(({ kind, label }) => {
      const ratio = ratioOf(store, kind);
      if (ratio === undefined) {
        return [label, '–', '–', '–'];
      }
      const met = ratio.p50 <= MAX_RATIO && ratio.p99 <= MAX_RATIO;
      return [label, `${ratio.p50.toFixed(2)}×`, `${ratio.p99.toFixed(2)}×`, met ? 'yes' : 'no'];
    }),
  );
  const seeding = store.levels
    .map((result) => `${levelLabel(result.level)} in ${result.seedSeconds.toFixed(1)} s`)
    .join(', ');
  const load = store.levels
    .map((result) => `${levelLabel(result.level)} ${result.loadAverage.toFixed(1)}`)
    .join(', ');
  const problem = store.problem === undefined ? '' : `\n\nIncomplete: ${store.problem}.`;
  const inserts =
    `Direct inserts up to each level: ${seeding}. Machine load average (1 minute) when each ` +
    `level was measured, on ${cpus().length} cores: ${load}.${problem}`;
  return [heading, table, ratios, inserts].join('\n\n');
}
