import type { Environment } from './environment';
import type { Workload } from './load';
import { SQLITE_DRIVERS, type ProcessMemory, type SqliteDriver } from './server-process';
import type { Comparison, Run, Verdict } from './stats';

/** How the benchmark was run, for the report. */
export interface Settings {
  rounds: number;
  warmupSeconds: number;
  durationSeconds: number;
  connections: Record<Workload, number>;
  maxRequests: number;
}

/** Everything the report is made of. */
export interface ReportInput {
  command: string;
  date: Date;
  wallSeconds: number;
  environment: Environment;
  settings: Settings;
  runs: readonly Run[];
  comparisons: readonly Comparison[];
  verdict: Verdict;
  memory: Record<SqliteDriver, ProcessMemory>;
  /** `SQLITE_DRIVER`'s default in packages/server/src/config/config.ts when this ran. */
  defaultAtRun: SqliteDriver;
  /** The default the measurement argues for (the current one when within noise). */
  recommended: SqliteDriver;
}

const WHAT: Record<Workload, string> = {
  create:
    '`POST /v1/entitlement`, a new customer and `Idempotency-Key` per request, to a bare ' +
    'merchant in a process of its own that answers 200 (`ACTIVE`)',
  get: '`GET /v1/entitlement/{id}` over the entitlements the create workload made',
  list: '`GET /v1/entitlement?limit=50` (the first page, oldest first)',
};

/** The report as Markdown (not yet formatted: the caller runs it through Prettier). */
export function renderReport(input: ReportInput): string {
  return [
    '# SQLite drivers: better-sqlite3 or sqlite3',
    '',
    `Measured ${input.date.toISOString().slice(0, 16).replace('T', ' ')} UTC by ` +
      `\`${input.command}\` (${Math.round(input.wallSeconds)} s); written by the benchmark, ` +
      'so rerun it rather than editing this file. [README.md](README.md) explains the method.',
    '',
    ...conclusion(input),
    ...workloadTables(input),
    ...ratioTable(input.comparisons),
    ...memoryTable(input.memory),
    ...machine(input),
    ...caveats(input),
    ...rawRuns(input.runs),
  ].join('\n');
}

function conclusion(input: ReportInput): string[] {
  const { verdict, comparisons, recommended, defaultAtRun } = input;
  const band = percent(verdict.noise);
  const lines = ['## Conclusion', ''];
  const perWorkload = comparisons
    .map((each) => `${each.workload} ${times(each.throughputRatio)}`)
    .join(', ');

  if (verdict.faster === null) {
    lines.push(
      `**Default: \`${recommended}\`.** The drivers are within noise on this machine: ` +
        `better-sqlite3 served ${times(verdict.throughputRatio)} the requests of sqlite3 ` +
        `(geometric mean of the three workloads; ${perWorkload}), inside the ±${band} band ` +
        'that the rounds of the noisiest workload span. Nothing measured here justifies ' +
        `changing the default, so it stays \`${defaultAtRun}\`.`,
    );
  } else {
    const other = SQLITE_DRIVERS.find((driver) => driver !== verdict.faster)!;
    const factor =
      verdict.faster === 'better-sqlite3' ? verdict.throughputRatio : 1 / verdict.throughputRatio;
    lines.push(
      `**Default: \`${recommended}\`.** It served ${times(factor)} the requests of ` +
        `\`${other}\` (geometric mean of the three workloads, each weighing the same; ` +
        `better-sqlite3 / sqlite3 per workload: ${perWorkload}), beyond the ±${band} band ` +
        'that the rounds of the noisiest workload span.',
    );
  }
  lines.push('');

  for (const each of comparisons) {
    const call = each.faster === null ? 'within noise' : `\`${each.faster}\` faster`;
    const range = (driver: SqliteDriver) =>
      `${driver} ${fixed(each.byDriver[driver].slowestRound, 0)}–` +
      `${fixed(each.byDriver[driver].fastestRound, 0)}`;
    lines.push(
      `- **${each.workload}**: ${call}: throughput ratio ${times(each.throughputRatio)} ` +
        `(noise ±${percent(each.noise)}); rounds ${range('better-sqlite3')} vs ` +
        `${range('sqlite3')} req/s, ${each.separated ? 'no overlap' : 'overlapping'}; ` +
        `server CPU per request ${times(each.cpuRatio)}.`,
    );
  }
  if (verdict.faster === 'better-sqlite3') {
    // Not measured by this run but found by reading the code and profiling the server (see
    // README.md); it tells a reader why the gap is structural rather than this machine's.
    lines.push(
      '',
      'Why: on SQLite the server runs all database work one unit at a time behind a mutex ' +
        '(`packages/server/src/database/transaction.ts`), so the time a query spends in the ' +
        'driver is time every other request waits. better-sqlite3 runs each statement ' +
        'synchronously; sqlite3 makes a thread-pool round trip per statement and, loaded as ' +
        'TypeORM loads it (`sqlite3.verbose()`), wraps every call to capture a stack trace and ' +
        'format its arguments. The higher server CPU per request of sqlite3 above is that cost.',
    );
  }
  lines.push(
    '',
    defaultAtRun === recommended
      ? `\`SQLITE_DRIVER\` defaulted to \`${defaultAtRun}\` when this ran, which this confirms.`
      : `\`SQLITE_DRIVER\` defaulted to \`${defaultAtRun}\` when this ran; this measurement ` +
          `moves it to \`${recommended}\` (packages/server/src/config/config.ts and the ` +
          "server README's configuration table).",
    '',
  );
  return lines;
}

function workloadTables(input: ReportInput): string[] {
  const { settings } = input;
  const lines = [
    `## Results (median of ${settings.rounds} rounds per driver)`,
    '',
    'Requests/s counts completed requests over the whole run. Latencies are autocannon’s ' +
      '(from request written to response read, on loopback). Server CPU is the server ' +
      "process's user + system time (/proc) during the workload, per request: it is less " +
      'sensitive than throughput to other work on the machine. Spread is (max − min) / ' +
      'median of requests/s over the rounds.',
    '',
  ];
  for (const each of input.comparisons) {
    lines.push(
      `### ${each.workload}: ${WHAT[each.workload]}, ` +
        `${settings.connections[each.workload]} connections, ${settings.durationSeconds} s`,
      '',
      '| Driver | Requests/s | p50 (ms) | p99 (ms) | Server CPU (ms/req) | Non-2xx | Spread |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const driver of SQLITE_DRIVERS) {
      const s = each.byDriver[driver];
      lines.push(
        `| ${driver} | ${fixed(s.requestsPerSecond, 0)} | ${fixed(s.p50Ms, 0)} | ` +
          `${fixed(s.p99Ms, 0)} | ${fixed(s.serverCpuMsPerRequest, 2)} | ${s.non2xx} | ` +
          `${percent(s.spread)} |`,
      );
    }
    lines.push(
      `| better-sqlite3 / sqlite3 | ${times(each.throughputRatio)} | ${times(each.p50Ratio)} | ` +
        `${times(each.p99Ratio)} | ${times(each.cpuRatio)} | | |`,
      '',
    );
  }
  return lines;
}

function ratioTable(comparisons: readonly Comparison[]): string[] {
  const lines = [
    '## Ratios (better-sqlite3 / sqlite3)',
    '',
    'Above 1 in requests/s, or below 1 in latency and CPU, means better-sqlite3 did better.',
    '',
    '| Workload | Requests/s | p50 | p99 | Server CPU/req | Noise band | Faster |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const each of comparisons) {
    lines.push(
      `| ${each.workload} | ${times(each.throughputRatio)} | ${times(each.p50Ratio)} | ` +
        `${times(each.p99Ratio)} | ${times(each.cpuRatio)} | ±${percent(each.noise)} | ` +
        `${each.faster ?? 'within noise'} |`,
    );
  }
  lines.push('');
  return lines;
}

function memoryTable(memory: Record<SqliteDriver, ProcessMemory>): string[] {
  const mib = (kb: number) => fixed(kb / 1024, 0);
  return [
    '## Server memory (median over the rounds)',
    '',
    'RSS (VmRSS) after the three workloads, and the highest RSS of the run (VmHWM).',
    '',
    '| Driver | RSS at end (MiB) | Peak RSS (MiB) |',
    '| --- | ---: | ---: |',
    ...SQLITE_DRIVERS.map(
      (driver) => `| ${driver} | ${mib(memory[driver].rssKb)} | ${mib(memory[driver].peakRssKb)} |`,
    ),
    `| better-sqlite3 / sqlite3 | ${times(
      memory['better-sqlite3'].rssKb / memory.sqlite3.rssKb,
    )} | ${times(memory['better-sqlite3'].peakRssKb / memory.sqlite3.peakRssKb)} |`,
    '',
  ];
}

function machine(input: ReportInput): string[] {
  const { environment: env, settings } = input;
  const connections = Object.entries(settings.connections)
    .map(([workload, count]) => `${workload} ${count}`)
    .join(', ');
  // A list, not a table: one long row would pad every other row of a table to its width.
  return [
    '## Machine and method',
    '',
    `- **CPU**: ${env.cpuModel}, ${env.cores} cores; **memory**: ${env.memoryGiB} GiB; ` +
      `**kernel**: Linux ${env.kernel}`,
    `- **Node.js** ${env.node}; **better-sqlite3** ${env.versions['better-sqlite3']} ` +
      `(SQLite ${env.sqliteLibrary['better-sqlite3']}); **sqlite3** ${env.versions.sqlite3} ` +
      `(SQLite ${env.sqliteLibrary.sqlite3}); **TypeORM** ${env.versions.typeorm}; ` +
      `**autocannon** ${env.versions.autocannon}`,
    `- **Server**: \`${env.serverDist}\` built from ${env.serverRevision}`,
    `- **Command**: \`${input.command}\``,
    `- **Order**: ${order(input.runs)}`,
    `- **Per server**: ${settings.warmupSeconds} s create warm-up (not measured), then ` +
      `create, get and list for ${settings.durationSeconds} s each (at most ` +
      `${settings.maxRequests} requests each); connections: ${connections}`,
    '- **Server settings**: fresh SQLite file (WAL) in a temporary folder, `SANDBOX=true`, ' +
      '`LOG_LEVEL=warn`, `RATE_LIMIT_PER_SECOND=100000`, `RATE_LIMIT_BURST=1000000`, ' +
      'listening on 127.0.0.1; autocannon on the same machine',
    '',
  ];
}

function caveats(input: ReportInput): string[] {
  const loads = input.runs.map((run) => run.loadAverage);
  const entitlements = (driver: SqliteDriver) =>
    input.runs.filter((run) => run.driver === driver).map((run) => run.entitlements);
  return [
    '## Caveats',
    '',
    '- **Shared machine.** Other test runs may have used the same cores during this ' +
      'benchmark: the 1-minute load average was ' +
      `${fixed(input.environment.loadAverageAtStart, 2)} ` +
      `at the start and ${fixed(Math.min(...loads), 2)} to ${fixed(Math.max(...loads), 2)} ` +
      'when the servers started (the benchmark itself accounts for up to about 2). The rounds ' +
      'are interleaved so that such noise hits both drivers, and differences inside the noise ' +
      'band are reported as such, not as wins.',
    `- **Client and server share the ${input.environment.cores} cores.** autocannon runs on ` +
      'the same machine, so absolute requests/s are lower than on a dedicated server; the ' +
      'ratios are what this compares.',
    '- **Reads run on the rows the create workload made**, so the faster creator reads from ' +
      'a slightly larger table (entitlements per run: better-sqlite3 ' +
      `${entitlements('better-sqlite3').join(', ')}; sqlite3 ` +
      `${entitlements('sqlite3').join(', ')}). Both are primary-key or index lookups, which ` +
      'that size hardly changes.',
    '- **Each driver embeds its own SQLite** (versions above), so this compares the packages ' +
      'as installed, library included, which is what the default chooses.',
    '',
  ];
}

function rawRuns(runs: readonly Run[]): string[] {
  const lines = [
    '## Every run',
    '',
    '| Round | Driver | Load avg | Create req/s | Create p99 | Get req/s | Get p99 | ' +
      'List req/s | List p99 | RSS end (MiB) |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const run of runs) {
    const { create, get, list } = run.measurements;
    lines.push(
      `| ${run.round} | ${run.driver} | ${fixed(run.loadAverage, 2)} | ` +
        `${fixed(create.requestsPerSecond, 0)} | ${fixed(create.p99Ms, 0)} | ` +
        `${fixed(get.requestsPerSecond, 0)} | ${fixed(get.p99Ms, 0)} | ` +
        `${fixed(list.requestsPerSecond, 0)} | ${fixed(list.p99Ms, 0)} | ` +
        `${fixed(run.memory.rssKb / 1024, 0)} |`,
    );
  }
  lines.push('');
  return lines;
}

function order(runs: readonly Run[]): string {
  return (
    runs.map((run) => (run.driver === 'better-sqlite3' ? 'B' : 'S')).join(' ') +
    ' (B = better-sqlite3, S = sqlite3)'
  );
}

function fixed(value: number, digits: number): string {
  return value.toFixed(digits);
}

function times(ratio: number): string {
  return `${ratio.toFixed(2)}×`;
}

function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)} %`;
}
