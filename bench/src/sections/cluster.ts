/**
 * Two server processes on one PostgreSQL database (issue #8): both start on an empty database
 * at once, take creates together, and share the outbox; nothing may be lost or sent twice.
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';

import stateMachine from '@tessera/contract/state-machine.json';

import { machineBusy, sum, withCpu, type CpuShares } from '../dispatch/cpu';
import { createEntitlements, updateEntitlements } from '../dispatch/entitlement-changes';
import { countOf, postgresDatabase, type ServerDatabase } from '../dispatch/server-database';
import { createLoad, type LoadResult } from '../load';
import { createScratchDatabase } from '../postgres';
import { NotificationReceiver, type ReceiverCounts } from '../receiver';
import {
  markdownTable,
  ms,
  percent,
  stopAll,
  whole,
  type BenchContext,
  type Section,
  type SectionReport,
  type TargetResult,
} from '../section';
import { SANDBOX_AUTHORIZATION, startServer, type BenchServer } from '../server-process';
import { BENCH_SERVER_ENV, notifySandboxResellerAt } from '../tessera-api';

/** Connections of each server's load when both are loaded (64 in all, as the throughput). */
const CONNECTIONS_EACH = 32;

/** Notification URLs the change phase spreads its deliveries over. */
const ENDPOINTS = 16;

/**
 * Entitlements changed in the notification phase: two per URL, one changed through each
 * server, so that every URL's queue holds events written by both processes.
 */
const CHANGED_ENTITLEMENTS = 2 * ENDPOINTS;

const START_TIMEOUT_MS = 60_000;
const DRAIN_TIMEOUT_MS = 60_000;

// Notified events, by the contract's state machine: creates answer synchronously and are in
// the feed only, so their ENTITLEMENT_CREATED events have no delivery by design.
const NOTIFIED_REASONS: string[] = [...stateMachine.notificationReasons];

/** What the section found, for the report. */
interface ClusterRun {
  start: { together: boolean; problem?: string };
  /** Rows of the sandbox catalogue after both starts, by table. */
  seed: Record<string, number>;
  merchantServer: string;
  warm: LoadResult[];
  alone: { result: LoadResult; cpu: CpuShares; server: string };
  both: { results: LoadResult[]; cpu: CpuShares };
  creates2xx: number;
  /** A create on the other server once the one hosting the merchant's callbacks stopped. */
  withoutMerchantHost: string;
  updates: number;
  updateSeconds: number;
  drainSeconds: number;
  drained: boolean;
  counts: ReceiverCounts;
  checks: {
    entitlementsFound: number;
    distinctCreatedIds: number;
    entitlementRows: number;
    /**
     * Rows not among the 2xx answers, by the load that sent them (customer id prefix): creates
     * still in flight when autocannon's time was up, which the server completed but nobody
     * read; at most one per connection of that load.
     */
    unanswered: Record<string, number>;
    /** Unanswered rows beyond one per connection of their load, or of no load. */
    unexplained: number;
    notifiedEvents: number;
    eventsWithoutDelivery: number;
    deliveriesNotDelivered: number;
    duplicateSequences: number;
    outOfOrder: number;
  };
}

/** `cluster`: two servers on one PostgreSQL database. */
export const clusterSection: Section = {
  id: 'cluster',
  title: 'Two server processes on one PostgreSQL',
  estimateSeconds: (settings) =>
    40 + 2 * settings.warmupSeconds + 2 * settings.loadSeconds + settings.dispatchCount / 35,
  run: async (context) => {
    if ('skipped' in context.postgres) {
      return skippedReport(context.postgres.skipped);
    }
    const scratch = await createScratchDatabase(context.postgres.adminUrl, 'cluster');
    const receiver = new NotificationReceiver();
    const servers: BenchServer[] = [];
    try {
      const receiverUrl = await receiver.start();
      const database = postgresDatabase(scratch);
      const run = await runCluster(context, scratch.url, database, receiver, receiverUrl, servers);
      return report(context, run);
    } finally {
      await stopAll(servers);
      await receiver.stop();
      await scratch.drop();
    }
  },
};

async function runCluster(
  context: BenchContext,
  databaseUrl: string,
  database: ServerDatabase,
  receiver: NotificationReceiver,
  receiverUrl: string,
  servers: BenchServer[],
): Promise<ClusterRun> {
  const { settings } = context;
  const start = await startBoth(context, databaseUrl, servers);
  const seed = await seedRows(database);
  const [a, b] = servers as [BenchServer, BenchServer];
  const names = new Map([
    [a.url, 'A'],
    [b.url, 'B'],
  ]);
  const merchantServer = await merchantCallbackServer(database, names);
  // Creates are not notified; the default URL catches any other change the load may make.
  await notifySandboxResellerAt(a, `${receiverUrl}/default`);

  const loadOptions = (server: BenchServer, connections: number, seconds: number) => ({
    url: server.url,
    connections,
    durationSeconds: seconds,
    maxRequests: Math.ceil(seconds * 5000),
  });
  const createdIds: string[] = [];
  const keep = ({ result, entitlementIds }: { result: LoadResult; entitlementIds: string[] }) => {
    createdIds.push(...entitlementIds);
    return result;
  };

  context.log('warm-up: both servers');
  const warm = await Promise.all(
    servers.map(async (server, index) =>
      keep(
        await createLoad(
          loadOptions(server, CONNECTIONS_EACH, settings.warmupSeconds),
          `warm-${index}`,
        ),
      ),
    ),
  );

  // The server whose simulated merchant answers the creates' merchant calls is the one a
  // single-server deployment is: measured alone, with the other idle.
  const aloneServer = servers.find((server) => names.get(server.url) === merchantServer) ?? a;
  await settle(database);
  context.log(`one server alone (${names.get(aloneServer.url)})`);
  const alone = await withCpu(servers, async () =>
    keep(
      await createLoad(
        loadOptions(aloneServer, settings.connections, settings.loadSeconds),
        'alone',
      ),
    ),
  );

  await settle(database);
  context.log('both servers at once');
  const both = await withCpu(servers, () =>
    Promise.all(
      servers.map(async (server, index) =>
        keep(
          await createLoad(
            loadOptions(server, CONNECTIONS_EACH, settings.loadSeconds),
            `both-${index}`,
          ),
        ),
      ),
    ),
  );

  await settle(database);
  context.log('notification phase: changes through both servers');
  const changed = await notificationPhase(context, servers, receiver, receiverUrl, createdIds);

  const connections = new Map<string, number>([
    ['warm-0', CONNECTIONS_EACH],
    ['warm-1', CONNECTIONS_EACH],
    ['alone', settings.connections],
    ['both-0', CONNECTIONS_EACH],
    ['both-1', CONNECTIONS_EACH],
  ]);
  const checks = await checkDatabase(database, createdIds, connections);
  const withoutMerchantHost = await createWithoutMerchantHost(servers, names, merchantServer);
  return {
    withoutMerchantHost,
    start,
    seed,
    merchantServer,
    warm,
    alone: { result: alone.value, cpu: alone.cpu, server: names.get(aloneServer.url) ?? '?' },
    both: { results: both.value, cpu: both.cpu },
    creates2xx: createdIds.length,
    ...changed,
    checks,
  };
}

/**
 * Waits (at most 30 s) until the creates a load left in flight when its time was up are done,
 * i.e. the entitlement count held still for a second, so that they do not run into the next
 * phase's measurement.
 */
async function settle(database: ServerDatabase): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last = -1;
  for (;;) {
    const rows = await countOf(database, 'SELECT count(*) AS count FROM entitlement');
    if (rows === last || Date.now() > deadline) {
      return;
    }
    last = rows;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/**
 * Starts two servers on the empty database at the same moment: both run the migrations (an
 * advisory lock lets one through) and both try to seed the sandbox. A server that fails is
 * started again on its own, after the other, so that the rest can still be measured; the
 * failure is reported.
 */
async function startBoth(
  context: BenchContext,
  databaseUrl: string,
  servers: BenchServer[],
): Promise<ClusterRun['start']> {
  const options = {
    serverMain: context.serverMain,
    database: { kind: 'postgres' as const, url: databaseUrl },
    startTimeoutMs: START_TIMEOUT_MS,
    env: { ...BENCH_SERVER_ENV, NOTIFICATION_POLL_INTERVAL_MS: '50' },
  };
  const started = await Promise.allSettled([startServer(options), startServer(options)]);
  const problems: string[] = [];
  for (const outcome of started) {
    if (outcome.status === 'fulfilled') {
      servers.push(outcome.value);
    } else {
      problems.push((outcome.reason as Error).message);
    }
  }
  while (servers.length < 2) {
    servers.push(await startServer(options));
  }
  return problems.length === 0
    ? { together: true }
    : { together: false, problem: problems.join('\n') };
}

/** The sandbox seed makes one row in each of these but credential (two: reseller, merchant). */
const SEED_TABLES: Record<string, number> = {
  reseller: 1,
  merchant: 1,
  product: 2,
  route: 1,
  credential: 2,
};

/** Rows per seeded table: twice the seed if both servers seeded, the seed if one did. */
async function seedRows(database: ServerDatabase): Promise<Record<string, number>> {
  const rows: Record<string, number> = {};
  for (const table of Object.keys(SEED_TABLES)) {
    rows[table] = await countOf(database, `SELECT count(*) AS count FROM "${table}"`);
  }
  return rows;
}

function seededOnce(seed: Record<string, number>): boolean {
  return Object.entries(SEED_TABLES).every(([table, rows]) => seed[table] === rows);
}

/** Which server's simulated merchant the seeded merchant's callback URLs lead to. */
async function merchantCallbackServer(
  database: ServerDatabase,
  names: Map<string, string>,
): Promise<string> {
  const rows = await database.query<{ callback_urls: string }>(
    "SELECT callback_urls FROM merchant WHERE merchant_account_key = 'DEMO_MUSIC'",
  );
  const urls = JSON.parse(rows[0]?.callback_urls ?? '{}') as Record<string, string>;
  const origin = urls.create === undefined ? '' : new URL(urls.create).origin;
  return names.get(origin) ?? `neither (${origin || 'none'})`;
}

/**
 * Changes entitlements through both servers at once (each change one `METADATA_UPDATE` event
 * and its delivery to the entitlement's own URL, 16 URLs), then waits until the outbox is
 * empty and the receiver has every event, both bounded.
 */
async function notificationPhase(
  context: BenchContext,
  servers: BenchServer[],
  receiver: NotificationReceiver,
  receiverUrl: string,
  createdIds: string[],
) {
  const urls = Array.from(
    { length: CHANGED_ENTITLEMENTS },
    (_, index) => `${receiverUrl}/r/${index % ENDPOINTS}`,
  );
  const perServer = CHANGED_ENTITLEMENTS / servers.length;
  const ids: string[][] = [];
  for (const [index, server] of servers.entries()) {
    const mine = urls.slice(index * perServer, (index + 1) * perServer);
    const created = await createEntitlements(server, mine, `notified-${index}`);
    createdIds.push(...created);
    ids.push(created);
  }
  const before = receiver.snapshot();
  const each = Math.ceil(context.settings.dispatchCount / servers.length);
  const total = each * servers.length;
  const started = performance.now();
  await Promise.all(servers.map((server, index) => updateEntitlements(server, ids[index]!, each)));
  const updateSeconds = (performance.now() - started) / 1000;
  const drained = await receiver
    .waitForDistinct(before.distinctEvents + total, DRAIN_TIMEOUT_MS)
    .then(
      () => true,
      () => false,
    );
  const drainSeconds = (performance.now() - started) / 1000;
  const after = receiver.snapshot();
  return {
    updates: total,
    updateSeconds,
    drainSeconds,
    drained,
    counts: {
      requests: after.requests,
      distinctEvents: after.distinctEvents,
      repeats: after.repeats,
      concurrentDuplicates: after.concurrentDuplicates,
      overlappingPerPath: after.overlappingPerPath,
    },
  };
}

async function checkDatabase(
  database: ServerDatabase,
  createdIds: string[],
  connectionsPerLoad: Map<string, number>,
): Promise<ClusterRun['checks']> {
  // The receiver counts a delivery before its sender records it: give the last rows a moment.
  const deadline = Date.now() + 10_000;
  let deliveriesNotDelivered = 0;
  do {
    deliveriesNotDelivered = await countOf(
      database,
      "SELECT count(*) AS count FROM notification_delivery WHERE state <> 'DELIVERED'",
    );
    if (deliveriesNotDelivered > 0) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } while (deliveriesNotDelivered > 0 && Date.now() < deadline);

  const extra = await database.query<{ customer_identifier: string }>(
    'SELECT customer_identifier FROM entitlement WHERE NOT (id = ANY($1))',
    [createdIds],
  );
  const unanswered: Record<string, number> = {};
  for (const { customer_identifier: customer } of extra) {
    const load = customer.slice(0, customer.lastIndexOf('-'));
    unanswered[load] = (unanswered[load] ?? 0) + 1;
  }
  const unexplained = Object.entries(unanswered).reduce(
    (sum, [load, rows]) => sum + Math.max(0, rows - (connectionsPerLoad.get(load) ?? 0)),
    0,
  );

  const reasons = NOTIFIED_REASONS.map((_, index) => `$${index + 1}`).join(', ');
  return {
    entitlementsFound: await countOf(
      database,
      'SELECT count(*) AS count FROM entitlement WHERE id = ANY($1)',
      [createdIds],
    ),
    distinctCreatedIds: new Set(createdIds).size,
    entitlementRows: await countOf(database, 'SELECT count(*) AS count FROM entitlement'),
    unanswered,
    unexplained,
    notifiedEvents: await countOf(
      database,
      `SELECT count(*) AS count FROM entitlement_event WHERE reason IN (${reasons})`,
      NOTIFIED_REASONS,
    ),
    eventsWithoutDelivery: await countOf(
      database,
      `SELECT count(*) AS count FROM entitlement_event ev WHERE ev.reason IN (${reasons})
        AND NOT EXISTS (SELECT 1 FROM notification_delivery d WHERE d.event_id = ev.id)`,
      NOTIFIED_REASONS,
    ),
    deliveriesNotDelivered,
    duplicateSequences: await countOf(
      database,
      `SELECT count(*) AS count FROM (SELECT reseller_id, sequence FROM entitlement_event
        GROUP BY reseller_id, sequence HAVING count(*) > 1) AS repeated`,
    ),
    // Strict order per URL: a later notification was never sent before an earlier one.
    outOfOrder: await countOf(
      database,
      `SELECT count(*) AS count FROM (SELECT delivered_at, lag(delivered_at) OVER
        (PARTITION BY endpoint_id ORDER BY sequence) AS previous FROM notification_delivery
        WHERE state = 'DELIVERED') AS ordered WHERE delivered_at < previous`,
    ),
  };
}

/** What bounds the combined rate, from the CPU each party used. */
function cpuExplanation(run: ClusterRun): string {
  const both = machineBusy(run.both.cpu);
  const share = (seconds: number, cpu: CpuShares) => percent(seconds / cpu.wallSeconds);
  const phases = (pick: (cpu: CpuShares) => number) =>
    `${share(pick(run.alone.cpu), run.alone.cpu)} then ${share(pick(run.both.cpu), run.both.cpu)}`;
  return (
    `The machine's ${cpus().length} cores were ${percent(machineBusy(run.alone.cpu))} busy ` +
    `with one server loaded and ${percent(both)} with both; of one core, the server processes ` +
    `used ${phases((cpu) => sum(cpu.servers))}, PostgreSQL ${phases((cpu) => cpu.postgres)}, ` +
    `processes outside the benchmark ${phases((cpu) => cpu.rest)}. ` +
    (both >= 0.9
      ? 'With the cores saturated, a second server process does not bring CPU of its own: ' +
        'it competes with the first, autocannon and PostgreSQL for the same cores, so two ' +
        'servers can only add what one left idle (waiting on PostgreSQL round trips), and ' +
        'whatever else runs on the machine moves the ratio from run to run.'
      : 'The cores were not saturated: what held the combined rate back is waiting, not CPU — ' +
        "every create also increments its reseller's event counter (`last_event_sequence`, a " +
        'row lock held until commit), which serialises the creates of one reseller across ' +
        'both processes.')
  );
}

/**
 * Stops the server whose simulated merchant the seeded merchant's callbacks lead to, and sends
 * one create to the other: whether a sandbox of two processes survives losing that one.
 */
async function createWithoutMerchantHost(
  servers: BenchServer[],
  names: Map<string, string>,
  merchantServer: string,
): Promise<string> {
  const host = servers.find((server) => names.get(server.url) === merchantServer);
  const other = servers.find((server) => server !== host);
  if (host === undefined || other === undefined) {
    return 'not tried (the callbacks lead to neither server)';
  }
  await host.stop();
  const response = await fetch(`${other.url}/v1/entitlement`, {
    method: 'POST',
    headers: {
      authorization: SANDBOX_AUTHORIZATION,
      'content-type': 'application/json',
      'idempotency-key': 'bench-cluster-after-stop',
    },
    body: JSON.stringify({
      customerIdentifier: 'cluster-after-stop',
      merchantAccountKey: 'DEMO_MUSIC',
      productKey: 'MUSIC',
    }),
    signal: AbortSignal.timeout(60_000),
  });
  const code = /"responseCode":"(\w+)"/.exec(await response.text())?.[1];
  return code === undefined ? String(response.status) : `${response.status} ${code}`;
}

function skippedReport(reason: string): SectionReport {
  const why = `PostgreSQL skipped: ${reason}`;
  return {
    title: clusterSection.title,
    markdown: `**Skipped:** this section needs PostgreSQL, and ${reason}.`,
    targets: INVARIANTS.map((target) => ({ target, measured: 'not measured', met: false, why })),
  };
}

const INVARIANTS = [
  'two servers start together on one empty database (migrations, sandbox seed)',
  'no lost entitlement (every 2xx create is in the database; any other row is a create ' +
    'still in flight when its load ended)',
  'no notified event without its delivery',
  'no delivery sent twice at once, one at a time per URL',
  'every notified event delivered (distinct webhook-ids = events)',
];

function report(context: BenchContext, run: ClusterRun): SectionReport {
  const { settings } = context;
  const aloneRate = run.alone.result.requestsPerSecond;
  const combined = run.both.results.reduce((sum, each) => sum + each.requestsPerSecond, 0);
  const ratioText =
    aloneRate > 0 ? percent(combined / aloneRate) : 'n/a (no create completed alone)';
  const loadRow = (name: string, result: LoadResult) => [
    name,
    whole(result.requestsPerSecond),
    ms(result.p50Ms),
    ms(result.p99Ms),
    whole(result.non2xx),
    whole(result.errors),
  ];
  const cpuRow = (name: string, cpu: CpuShares) => [
    name,
    ...cpu.servers.map((seconds) => percent(seconds / cpu.wallSeconds)),
    percent(cpu.bench / cpu.wallSeconds),
    percent(cpu.postgres / cpu.wallSeconds),
    percent(cpu.rest / cpu.wallSeconds),
  ];
  const { checks, counts } = run;

  const markdown = [
    `Method: two built servers (A and B) are started at the same moment on one new, empty ` +
      `PostgreSQL database (both migrate — an advisory lock lets one through — and both try to ` +
      `seed the sandbox). After ${settings.warmupSeconds} s of creates on each, server ` +
      `${run.alone.server} takes creates alone (\`POST /v1/entitlement\`, autocannon, ` +
      `${settings.connections} connections, ${settings.loadSeconds} s) while the other idles; ` +
      `then both take creates at once (${CONNECTIONS_EACH} connections each, ` +
      `${settings.loadSeconds} s). Then ${CHANGED_ENTITLEMENTS} entitlements with their own ` +
      `notification URL (${ENDPOINTS} paths of one loopback receiver, each URL used by one ` +
      `entitlement changed through A and one through B) get ${whole(run.updates)} data changes ` +
      `(\`PATCH\`, half through each server), whose deliveries both dispatchers share; the ` +
      `section waits (at most ${DRAIN_TIMEOUT_MS / 1000} s) for the receiver to have every ` +
      `event, then checks the database and the receiver.`,
    (run.start.together
      ? 'Start: both servers started together.'
      : `**Start: starting both servers together failed**; the failed one was started again ` +
        `after the other. Error:\n\n\`\`\`\n${run.start.problem}\n\`\`\``) +
      ` Sandbox catalogue rows afterwards: ` +
      `${Object.entries(run.seed)
        .map(([table, rows]) => `${table} ${rows}`)
        .join(', ')} (` +
      (seededOnce(run.seed)
        ? 'seeded once, as on one server).'
        : '**not the seed of one server**).'),
    `The seeded merchant's callback URLs lead to server **${run.merchantServer}**: each start ` +
      `points them at its own simulated merchant, so the creates of both servers call the ` +
      `merchant inside ${run.merchantServer} (a sandbox property; a real merchant is external). ` +
      `After the checks below, ${run.merchantServer} was stopped and one create sent to the ` +
      `other server answered **${run.withoutMerchantHost}**.`,
    markdownTable(
      ['Creates', 'req/s', 'p50 (ms)', 'p99 (ms)', 'non-2xx', 'errors'],
      [
        loadRow(`${run.alone.server} alone, ${settings.connections} connections`, run.alone.result),
        loadRow(`A, with B (${CONNECTIONS_EACH} connections)`, run.both.results[0]!),
        loadRow(`B, with A (${CONNECTIONS_EACH} connections)`, run.both.results[1]!),
        ['A + B combined', whole(combined), '', '', '', ''],
      ],
    ),
    `Combined / one server alone: **${ratioText}**. CPU used during each phase (share of ` +
      `one core; the machine has ${cpus().length}):`,
    markdownTable(
      [
        'Phase',
        'Server A',
        'Server B',
        'Bench (autocannon, receiver)',
        'PostgreSQL',
        'Other processes',
      ],
      [cpuRow(`${run.alone.server} alone`, run.alone.cpu), cpuRow('both', run.both.cpu)],
    ),
    cpuExplanation(run),
    `Notification phase: ${whole(run.updates)} changes in ${run.updateSeconds.toFixed(1)} s; ` +
      `every event received after ${run.drainSeconds.toFixed(1)} s` +
      (run.drained ? '.' : ` — **not drained within ${DRAIN_TIMEOUT_MS / 1000} s**.`),
    markdownTable(
      ['Check', 'Measured'],
      [
        ['2xx creates (warm-up, loads, notified entitlements)', whole(run.creates2xx)],
        ['… distinct entitlement ids among them', whole(checks.distinctCreatedIds)],
        ['… found in the database', whole(checks.entitlementsFound)],
        ['entitlement rows in the database', whole(checks.entitlementRows)],
        [
          '… not answered to autocannon (in flight at its end), by load',
          Object.entries(checks.unanswered)
            .map(([load, rows]) => `${load}: ${rows}`)
            .join(', ') || '0',
        ],
        ['… more than one per connection of their load', whole(checks.unexplained)],
        ['notified events (SQL)', whole(checks.notifiedEvents)],
        ['… without a delivery row', whole(checks.eventsWithoutDelivery)],
        ['delivery rows not DELIVERED', whole(checks.deliveriesNotDelivered)],
        ['receiver: requests', whole(counts.requests)],
        ['receiver: distinct webhook-ids', whole(counts.distinctEvents)],
        ['receiver: repeats (at-least-once redeliveries)', whole(counts.repeats)],
        ['receiver: sent twice at once', whole(counts.concurrentDuplicates)],
        ['receiver: overlapping per URL', whole(counts.overlappingPerPath)],
        ['event sequences used twice', whole(checks.duplicateSequences)],
        ['deliveries sent before an earlier one to their URL', whole(checks.outOfOrder)],
      ],
    ),
  ].join('\n\n');

  return { title: clusterSection.title, markdown, targets: targetsOf(run) };
}

function targetsOf(run: ClusterRun): TargetResult[] {
  const { checks, counts } = run;
  const result = (target: string, met: boolean, measured: string, why: string) => ({
    target,
    measured,
    met,
    ...(met ? {} : { why }),
  });
  const lost =
    checks.entitlementsFound === run.creates2xx &&
    checks.distinctCreatedIds === run.creates2xx &&
    checks.unexplained === 0;
  return [
    result(
      INVARIANTS[0]!,
      run.start.together && seededOnce(run.seed),
      `${run.start.together ? 'both started' : 'one failed to start'}, ` +
        `${seededOnce(run.seed) ? 'seeded once' : `seed rows ${JSON.stringify(run.seed)}`}`,
      run.start.problem ?? 'the sandbox catalogue is not seeded exactly once',
    ),
    result(
      INVARIANTS[1]!,
      lost,
      `${whole(checks.entitlementsFound)} of ${whole(run.creates2xx)} found; ` +
        `${whole(checks.entitlementRows - checks.entitlementsFound)} more rows of creates ` +
        `whose answers the load no longer waited for, ${whole(checks.unexplained)} unexplained`,
      'see the checks table',
    ),
    result(
      INVARIANTS[2]!,
      checks.eventsWithoutDelivery === 0,
      `${whole(checks.eventsWithoutDelivery)} of ${whole(checks.notifiedEvents)} without one`,
      'see the checks table',
    ),
    result(
      INVARIANTS[3]!,
      counts.concurrentDuplicates === 0 && counts.overlappingPerPath === 0,
      `${whole(counts.concurrentDuplicates)} twice at once, ` +
        `${whole(counts.overlappingPerPath)} overlapping`,
      'see the checks table',
    ),
    result(
      INVARIANTS[4]!,
      counts.distinctEvents === checks.notifiedEvents && checks.deliveriesNotDelivered === 0,
      `${whole(counts.distinctEvents)} distinct of ${whole(checks.notifiedEvents)} events`,
      run.drained ? 'see the checks table' : `not drained within ${DRAIN_TIMEOUT_MS / 1000} s`,
    ),
  ];
}
