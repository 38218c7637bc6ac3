/**
 * Notification dispatch (issue #8): how fast the outbox drains to a receiver that answers 200
 * at once, against a plain loop of POSTs to the same receiver.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { machineBusy, withCpu } from '../dispatch/cpu';
import { createEntitlements, updateEntitlements } from '../dispatch/entitlement-changes';
import { runPostLoop, type PostLoopResult } from '../dispatch/post-loop';
import {
  countOf,
  postgresDatabase,
  sqliteDatabase,
  type ServerDatabase,
} from '../dispatch/server-database';
import { createScratchDatabase, type ScratchDatabase } from '../postgres';
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
import { startServer, type BenchServer } from '../server-process';
import {
  adminRequest,
  BENCH_SERVER_ENV,
  notifySandboxResellerAt,
  SANDBOX_RESELLER_KEY,
} from '../tessera-api';
import { makeTempDir, removeTempDir } from '../leftovers';

/** Issue #8's targets. */
const TARGET_PER_SECOND = 1000;
const TARGET_RATIO = 0.5;

/** Notification URLs of the many-endpoint case (one queue, one lease each). */
const MANY_ENDPOINTS = 16;

/**
 * Entitlements whose changes fill the outbox: one sequential loop of changes each, so that the
 * fill runs 16 requests at once without ever changing one entitlement twice at the same time.
 */
const ENTITLEMENTS = 16;

// Re-enabling wakes the dispatcher at once; the poll interval only matters if a wake is missed.
const DISPATCH_ENV = { ...BENCH_SERVER_ENV, NOTIFICATION_POLL_INTERVAL_MS: '50' };

const START_TIMEOUT_MS = 60_000;

// `node:http` rather than the global fetch: on this kind of machine fetch managed fewer POSTs
// per second than the dispatcher itself (it costs far more CPU per request), so it would be no
// ceiling to compare with. `node:http` is the cheapest client the bench has without a new
// dependency; the server sends with undici's `request`, which is cheaper still.
const BASELINE_CLIENT = 'http';

/** One shape of the outbox: which URLs its deliveries go to. */
interface Shape {
  name: string;
  /** Receiver paths the deliveries go to. */
  paths: string[];
  /** Whether the entitlements carry their own URL (else the reseller's default applies). */
  ownUrl: boolean;
}

const SHAPES: Shape[] = [
  { name: '1 endpoint', paths: ['/one'], ownUrl: false },
  {
    name: `${MANY_ENDPOINTS} endpoints`,
    paths: Array.from({ length: MANY_ENDPOINTS }, (_, index) => `/r/${index}`),
    ownUrl: true,
  },
];

/** What one shape measured on one database. */
interface ShapeResult {
  shape: Shape;
  deliveries: number;
  /** Deliveries received, of `deliveries`, before the drain's time limit. */
  received: number;
  fillPerSecond: number;
  /** From the re-enable request to the first delivery received. */
  firstAfterMs: number;
  /** Deliveries per second between the first and the last received. */
  perSecond: number;
  drainSeconds: number;
  serverCpuMsPerDelivery: number;
  /** Server CPU time over the drain's wall time (1 = one core busy). */
  serverCores: number;
  /** How busy the machine's cores were during the drain (0 to 1), other processes included. */
  machineBusy: number;
  baseline: PostLoopResult;
  /** Receiver counts over the drain (differences). */
  counts: ReceiverCounts;
  /** Delivery rows of the shape's endpoints not DELIVERED after the drain. */
  undelivered: number;
}

/** `dispatch`: deliveries per second from the outbox, SQLite and PostgreSQL. */
export const dispatchSection: Section = {
  id: 'dispatch',
  title: 'Notification dispatch',
  estimateSeconds: (settings) =>
    // Start, then per shape: setup, the fill (PATCHes at ~60/s on a busy machine), the drain
    // and the baseline.
    2 * (20 + SHAPES.length * (10 + settings.dispatchCount / 60 + settings.dispatchCount / 250)),
  run: async (context) => {
    const results: Array<{ label: string; shapes?: ShapeResult[]; skipped?: string }> = [];
    results.push({ label: 'SQLite (better-sqlite3)', shapes: await onSqlite(context) });
    if ('skipped' in context.postgres) {
      results.push({ label: 'PostgreSQL', skipped: context.postgres.skipped });
    } else {
      const scratch = await createScratchDatabase(context.postgres.adminUrl, 'dispatch');
      try {
        const shapes = await measureOn(context, { kind: 'postgres', url: scratch.url }, scratch);
        results.push({ label: `PostgreSQL ${context.postgres.version.split(' ')[0]}`, shapes });
      } finally {
        await scratch.drop();
      }
    }
    return report(context, results);
  },
};

async function onSqlite(context: BenchContext): Promise<ShapeResult[]> {
  // A folder of the section's own (startServer's is private to it), so that the section can
  // open the server's SQLite file to park endpoints and check the outbox.
  const dir = await makeTempDir('dispatch');
  try {
    return await measureOn(context, { kind: 'sqlite', file: join(dir, 'tessera.sqlite') });
  } finally {
    await removeTempDir(dir);
  }
}

async function measureOn(
  context: BenchContext,
  target: { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string },
  scratch?: ScratchDatabase,
): Promise<ShapeResult[]> {
  const receiver = new NotificationReceiver();
  const receiverUrl = await receiver.start();
  let server: BenchServer | undefined;
  let database: ServerDatabase | undefined;
  try {
    server = await startServer({
      serverMain: context.serverMain,
      database:
        target.kind === 'sqlite'
          ? { kind: 'sqlite', driver: 'better-sqlite3' }
          : { kind: 'postgres', url: target.url },
      startTimeoutMs: START_TIMEOUT_MS,
      env:
        target.kind === 'sqlite'
          ? { ...DISPATCH_ENV, DATABASE_URL: `sqlite:${target.file}` }
          : DISPATCH_ENV,
    });
    database = target.kind === 'sqlite' ? sqliteDatabase(target.file) : postgresDatabase(scratch!);
    await notifySandboxResellerAt(server, `${receiverUrl}/one`);
    const results: ShapeResult[] = [];
    for (const shape of SHAPES) {
      context.log(`${server.label}: ${shape.name}`);
      results.push(await measureShape(context, server, database, receiver, receiverUrl, shape));
    }
    return results;
  } finally {
    database?.close();
    await stopAll([server]);
    await receiver.stop();
  }
}

/**
 * Fills the outbox while the shape's endpoints are disabled (their deliveries wait as
 * `ENDPOINT_DISABLED`), re-enables them through the admin API and times the drain.
 */
async function measureShape(
  context: BenchContext,
  server: BenchServer,
  database: ServerDatabase,
  receiver: NotificationReceiver,
  receiverUrl: string,
  shape: Shape,
): Promise<ShapeResult> {
  const count = context.settings.dispatchCount;
  const urls = shape.paths.map((path) => `${receiverUrl}${path}`);
  const entitlementUrls = Array.from({ length: ENTITLEMENTS }, (_, index) =>
    shape.ownUrl ? urls[index % urls.length]! : null,
  );
  const ids = await createEntitlements(server, entitlementUrls, `dispatch-${shape.paths.length}`);

  // A first change per entitlement creates the endpoint rows (the outbox makes them on first
  // use) and warms the dispatcher's path before it is timed.
  const warm = receiver.snapshot();
  await updateEntitlements(server, ids, ids.length);
  await receiver.waitForDistinct(warm.distinctEvents + ids.length, 30_000);

  await park(database, urls);
  const fill = await updateEntitlements(server, ids, count);
  await assertParked(database, receiver, urls, count, warm.distinctEvents + ids.length);

  const before = receiver.snapshot();
  const timeoutMs = Math.max(30_000, (count / 50) * 1000);
  // Each resolves (or gives up, at the drain's time limit) as the receiver records the event.
  const at = (distinct: number) =>
    receiver.waitForDistinct(distinct, timeoutMs).then(
      () => performance.now(),
      () => undefined,
    );
  const firstAt = at(before.distinctEvents + 1);
  const lastAt = at(before.distinctEvents + count);
  const started = performance.now();
  const { value: ended, cpu } = await withCpu([server], async () => {
    await Promise.all(
      urls.map((url) =>
        adminRequest(server, 'POST', '/notificationEndpoints/reenable', {
          resellerKey: SANDBOX_RESELLER_KEY,
          url,
        }),
      ),
    );
    return (await lastAt) ?? performance.now();
  });
  const cpuMs = cpu.servers[0]! * 1000;
  const after = receiver.snapshot();
  const received = after.distinctEvents - before.distinctEvents;
  const firstMs = (await firstAt) ?? ended;
  const undelivered = await settledUndelivered(database, urls);

  const baseline = await plainLoop(database, urls, count, receiverUrl, shape);
  return {
    shape,
    deliveries: count,
    received,
    fillPerSecond: count / fill.seconds,
    firstAfterMs: firstMs - started,
    perSecond: received > 1 ? ((received - 1) * 1000) / (ended - firstMs) : 0,
    drainSeconds: (ended - started) / 1000,
    serverCpuMsPerDelivery: cpuMs / Math.max(received, 1),
    serverCores: cpuMs / (ended - started),
    machineBusy: machineBusy(cpu),
    baseline,
    counts: difference(after, before),
    undelivered,
  };
}

// The receiver counts a delivery before the server has recorded it as DELIVERED, so the last
// few rows may still be PENDING for a moment after the receiver saw the last one.
const SETTLE_MS = 10_000;

/** Delivery rows of `urls` not DELIVERED, once none changes any more (or after SETTLE_MS). */
async function settledUndelivered(database: ServerDatabase, urls: string[]): Promise<number> {
  const deadline = Date.now() + SETTLE_MS;
  for (;;) {
    const undelivered = await countOf(
      database,
      `SELECT count(*) AS count FROM notification_delivery d
        JOIN notification_endpoint e ON e.id = d.endpoint_id
        WHERE e.url IN (${placeholders(urls)}) AND d.state <> 'DELIVERED'`,
      urls,
    );
    if (undelivered === 0 || Date.now() > deadline) {
      return undelivered;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Disables the endpoints the way the dispatcher does after a `410 Gone` (state and time; their
 * new deliveries are then written `ENDPOINT_DISABLED`). The admin API re-enables endpoints but
 * has no call to disable one, hence SQL.
 */
async function park(database: ServerDatabase, urls: string[]): Promise<void> {
  await database.query(
    `UPDATE notification_endpoint SET state = 'DISABLED', disabled_at = ${database.nowSql}
      WHERE url IN (${placeholders(urls)})`,
    urls,
  );
  const parked = await countOf(
    database,
    `SELECT count(*) AS count FROM notification_endpoint
      WHERE state = 'DISABLED' AND url IN (${placeholders(urls)})`,
    urls,
  );
  if (parked !== urls.length) {
    throw new Error(`disabled ${parked} of ${urls.length} notification endpoints`);
  }
}

// The measurement needs the whole backlog waiting before the clock starts; if the server sent
// anything while its endpoints were disabled, the method no longer holds and the run says so.
async function assertParked(
  database: ServerDatabase,
  receiver: NotificationReceiver,
  urls: string[],
  count: number,
  receivedBefore: number,
): Promise<void> {
  const waiting = await countOf(
    database,
    `SELECT count(*) AS count FROM notification_delivery d
      JOIN notification_endpoint e ON e.id = d.endpoint_id
      WHERE e.url IN (${placeholders(urls)}) AND d.state = 'ENDPOINT_DISABLED'`,
    urls,
  );
  const received = receiver.snapshot().distinctEvents;
  if (waiting !== count || received !== receivedBefore) {
    throw new Error(
      `the outbox did not hold the backlog: ${waiting} of ${count} deliveries waiting ` +
        `ENDPOINT_DISABLED, ${received - receivedBefore} sent while the endpoints were disabled`,
    );
  }
}

/** The baseline: the same count of POSTs of a real notification's size, from a child process. */
async function plainLoop(
  database: ServerDatabase,
  urls: string[],
  count: number,
  receiverUrl: string,
  shape: Shape,
): Promise<PostLoopResult> {
  const rows = await database.query<{ payload: string }>(
    'SELECT payload FROM notification_delivery WHERE url = $1 LIMIT 1',
    [urls[0]],
  );
  const body = rows[0]?.payload ?? '{}';
  const result = await runPostLoop(
    {
      // Paths of their own, so the baseline's requests never mix with the dispatcher's counts.
      urls: shape.paths.map((path) => `${receiverUrl}/plain${path}`),
      body,
      client: BASELINE_CLIENT,
      warmupPerLoop: Math.ceil(200 / urls.length),
      requestsPerLoop: Math.ceil(count / urls.length),
    },
    120_000,
  );
  if (result.failed > 0) {
    throw new Error(`the plain POST loop got ${result.failed} answers outside 2xx`);
  }
  return result;
}

function placeholders(values: unknown[]): string {
  return values.map((_, index) => `$${index + 1}`).join(', ');
}

function difference(after: ReceiverCounts, before: ReceiverCounts): ReceiverCounts {
  return {
    requests: after.requests - before.requests,
    distinctEvents: after.distinctEvents - before.distinctEvents,
    repeats: after.repeats - before.repeats,
    concurrentDuplicates: after.concurrentDuplicates - before.concurrentDuplicates,
    overlappingPerPath: after.overlappingPerPath - before.overlappingPerPath,
  };
}

function baselinePerSecond(result: ShapeResult): number {
  return result.baseline.requests / result.baseline.seconds;
}

function report(
  context: BenchContext,
  results: Array<{ label: string; shapes?: ShapeResult[]; skipped?: string }>,
): SectionReport {
  const count = context.settings.dispatchCount;
  const rows = results.flatMap(({ label, shapes }) =>
    (shapes ?? []).map((each) => [
      label,
      each.shape.name,
      `${whole(each.received)} of ${whole(each.deliveries)}`,
      whole(each.perSecond),
      whole(baselinePerSecond(each)),
      percent(each.perSecond / baselinePerSecond(each)),
      ms(each.firstAfterMs),
      each.serverCpuMsPerDelivery.toFixed(2),
      percent(each.serverCores),
      percent(each.machineBusy),
      whole(each.fillPerSecond),
    ]),
  );
  const checks = results.flatMap(({ label, shapes }) =>
    (shapes ?? []).map((each) => [
      label,
      each.shape.name,
      whole(each.counts.requests),
      whole(each.counts.distinctEvents),
      whole(each.counts.repeats),
      whole(each.counts.concurrentDuplicates),
      whole(each.counts.overlappingPerPath),
      whole(each.undelivered),
    ]),
  );
  const skipped = results
    .filter((each) => each.skipped !== undefined)
    .map((each) => `**${each.label} skipped:** ${each.skipped}.`);

  const markdown = [
    `Method: the server runs with \`NOTIFICATION_POLL_INTERVAL_MS=50\` (other settings default: ` +
      `\`NOTIFICATION_CONCURRENCY=16\`) and a loopback receiver in the bench process that ` +
      `answers 200 at once. For each shape, ${ENTITLEMENTS} sandbox entitlements are created ` +
      `and changed once (this creates the endpoints and warms the dispatcher); then their ` +
      `endpoints are disabled with SQL, as the dispatcher does after a \`410\`, and ` +
      `${whole(count)} data changes (\`PATCH entitlementDisplayName\`, 16 at a time, one ` +
      `\`METADATA_UPDATE\` event each) fill the outbox, whose rows the server writes ` +
      `\`ENDPOINT_DISABLED\`. The endpoints are re-enabled through the admin API ` +
      `(\`POST /admin/v1/notificationEndpoints/reenable\`, which queues the backlog due now and ` +
      `wakes the dispatcher) and the drain is timed from the first to the last delivery the ` +
      `receiver sees. Shapes: **1 endpoint** (the reseller's default URL: one strict-order ` +
      `queue, so one request at a time by design) and **${MANY_ENDPOINTS} endpoints** ` +
      `(each entitlement's own URL, ${MANY_ENDPOINTS} paths of the receiver).`,
    `Baseline: a plain loop of POSTs with \`node:http\` (keep-alive agent) in a child ` +
      `process, sequential (each POST waits for its answer): one loop for 1 endpoint, ` +
      `${MANY_ENDPOINTS} loops at once for ${MANY_ENDPOINTS} endpoints, ${whole(count)} POSTs ` +
      `in all after 200 unmeasured, of a real notification's body with the same five headers ` +
      `(content-type, user-agent, webhook-id/-timestamp/-signature; no HMAC computed), to the ` +
      `same receiver. Not \`fetch\`: it costs so much more CPU per request that on this ` +
      `machine it was slower than the dispatcher, and so no ceiling.`,
    ...skipped,
    markdownTable(
      [
        'Database',
        'Shape',
        'Received',
        'Dispatch /s',
        'Plain POST loop /s',
        'Dispatch / loop',
        'First after re-enable (ms)',
        'Server CPU ms/delivery',
        'Server CPU (of one core)',
        'Machine CPU (all cores)',
        'Fill (changes/s)',
      ],
      rows,
    ),
    'Checks after each drain (receiver counts over the drain, and the outbox):',
    markdownTable(
      [
        'Database',
        'Shape',
        'Requests',
        'Distinct webhook-ids',
        'Repeats',
        'Sent twice at once',
        'Overlapping per URL',
        'Rows not DELIVERED',
      ],
      checks,
    ),
  ].join('\n\n');

  return { title: dispatchSection.title, markdown, targets: targetsOf(results) };
}

function targetsOf(
  results: Array<{ label: string; shapes?: ShapeResult[]; skipped?: string }>,
): TargetResult[] {
  return results.flatMap(({ label, shapes, skipped }): TargetResult[] => {
    if (shapes === undefined) {
      return SHAPES.map((shape) => ({
        target: throughputTarget(label, shape),
        measured: 'not measured',
        met: false,
        why: `PostgreSQL skipped: ${skipped ?? 'unavailable'}`,
      }));
    }
    const throughput = shapes.map((each): TargetResult => {
      const loop = baselinePerSecond(each);
      const ratio = each.perSecond / loop;
      const met = each.perSecond >= TARGET_PER_SECOND && ratio >= TARGET_RATIO;
      const perDeliveryMs = 1000 / Math.max(each.perSecond, 1e-9);
      return {
        target: throughputTarget(label, each.shape),
        measured: `${whole(each.perSecond)}/s, ${percent(ratio)} of ${whole(loop)}/s`,
        met,
        ...(met
          ? {}
          : {
              why:
                `one delivery every ${perDeliveryMs.toFixed(2)} ms; the server process spent ` +
                `${each.serverCpuMsPerDelivery.toFixed(2)} ms of CPU on each, over all its ` +
                'threads (garbage collection and I/O run beside the main one), and its CPU ' +
                `came to ${percent(each.serverCores)} of one core while draining (the ` +
                `machine's cores were ${percent(each.machineBusy)} busy` +
                (each.machineBusy >= 0.9
                  ? ': CPU-bound, the server shares the cores with the receiver, the database ' +
                    'and whatever else runs'
                  : each.serverCores >= 0.8
                    ? ': CPU-bound in the server process'
                    : '; the rest is waiting: database round trips and the one-at-a-time send') +
                ')',
            }),
      };
    });
    const broken = shapes.filter((each) => problemsOf(each).length > 0);
    const invariant: TargetResult = {
      target: `every delivery received, none sent twice at once, one at a time per URL (${label})`,
      measured:
        broken.length === 0
          ? `${shapes.map((each) => `${whole(each.counts.distinctEvents)}`).join(' + ')} ` +
            'distinct, 0 concurrent duplicates, 0 overlaps'
          : broken.map((each) => `${each.shape.name}: ${problemsOf(each).join(', ')}`).join('; '),
      met: broken.length === 0,
      ...(broken.length === 0 ? {} : { why: 'see the checks table' }),
    };
    return [...throughput, invariant];
  });
}

function throughputTarget(label: string, shape: Shape): string {
  return (
    `dispatch ≥ ${whole(TARGET_PER_SECOND)} deliveries/s and ≥ ${percent(TARGET_RATIO)} ` +
    `of the plain POST loop (${label}, ${shape.name})`
  );
}

function problemsOf(result: ShapeResult): string[] {
  const problems: string[] = [];
  if (result.counts.distinctEvents !== result.deliveries) {
    problems.push(`${result.counts.distinctEvents} of ${result.deliveries} received`);
  }
  if (result.counts.concurrentDuplicates > 0) {
    problems.push(`${result.counts.concurrentDuplicates} sent twice at once`);
  }
  if (result.counts.overlappingPerPath > 0) {
    problems.push(`${result.counts.overlappingPerPath} overlapping on one URL`);
  }
  if (result.undelivered > 0) {
    problems.push(`${result.undelivered} rows not DELIVERED`);
  }
  return problems;
}
