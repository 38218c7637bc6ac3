/**
 * `pnpm bench:drivers`: which SQLite driver serves this server's workload faster?
 *
 * Starts the built server (`packages/server/dist`, which this does not build) once per driver
 * and round, interleaved, drives the create, get and list workloads at it over loopback with
 * autocannon, and writes the medians, ratios and the resulting default to bench/DRIVERS.md.
 * Any non-2xx answer or connection error voids the run: exit 1 and no report.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import * as prettier from 'prettier';

import { describeEnvironment, sourceNewerThanBuild } from './environment';
import { createLoad, getLoad, listLoad, type LoadOptions } from './load';
import {
  BENCH_MERCHANT_TARGET,
  type BenchMerchant,
  registerBenchMerchant,
  startBenchMerchant,
} from './merchant/merchant-process';
import { renderReport, type Settings } from './report';
import { abandon, guardRun } from './run-guard';
import { SQLITE_DRIVERS, type SqliteDriver, startServer } from './server-process';
import { assertClean, measure } from './measure';
import { compare, decide, medianMemory, type Run } from './stats';
import { BENCH_SERVER_ENV } from './tessera-api';

const BENCH_DIR = resolve(__dirname, '..');
const ROOT = resolve(BENCH_DIR, '..');
const SERVER_DIR = join(ROOT, 'packages', 'server');
const SERVER_MAIN = join(SERVER_DIR, 'dist', 'main.js');
const CONFIG_SOURCE = join(SERVER_DIR, 'src', 'config', 'config.ts');

const START_TIMEOUT_MS = 30_000;
// Per server on top of the load itself: start (migrations, seed), stop, and some slack.
const OVERHEAD_PER_SERVER_SECONDS = 45;

async function main(): Promise<void> {
  const started = Date.now();
  const { settings, out, command } = readArguments();
  assertBuilt();
  armWatchdog(settings);

  const environment = describeEnvironment(ROOT, SERVER_MAIN, BENCH_DIR);
  const order = SQLITE_DRIVERS.join(', then ');
  console.log(
    `Benchmarking ${order}, ${settings.rounds} rounds interleaved; about ` +
      `${Math.ceil(budgetSeconds(settings, 5) / 60)} min. Load average now ` +
      `${environment.loadAverageAtStart.toFixed(2)}.`,
  );

  const runs: Run[] = [];
  // The creates' merchant, in a process of its own as in production, for every server.
  const merchant = await startBenchMerchant();
  try {
    for (let round = 1; round <= settings.rounds; round += 1) {
      // A B A B...: a burst of other work on the shared machine lands on both drivers alike.
      for (const driver of SQLITE_DRIVERS) {
        const run = await measureServer(driver, round, settings, merchant);
        runs.push(run);
        console.log(describeRun(run, settings.rounds));
      }
    }
  } finally {
    await merchant.stop();
  }

  const comparisons = compare(runs);
  const verdict = decide(comparisons);
  const defaultAtRun = currentDefault();
  const report = renderReport({
    command,
    date: new Date(started),
    wallSeconds: (Date.now() - started) / 1000,
    environment,
    settings,
    runs,
    comparisons,
    verdict,
    memory: medianMemory(runs),
    defaultAtRun,
    recommended: verdict.faster ?? defaultAtRun,
  });
  await writeFile(out, await format(report, out));

  console.log(
    `\nbetter-sqlite3 / sqlite3 requests/s: ` +
      comparisons.map((each) => `${each.workload} ${each.throughputRatio.toFixed(2)}×`).join(', ') +
      `; overall ${verdict.throughputRatio.toFixed(2)}× (noise ±` +
      `${(verdict.noise * 100).toFixed(1)} %): ` +
      (verdict.faster === null ? 'within noise' : `${verdict.faster} is faster`) +
      `. Default was ${defaultAtRun}; recommended ${verdict.faster ?? defaultAtRun}.` +
      `\nWrote ${relative(process.cwd(), out) || out} in ` +
      `${Math.round((Date.now() - started) / 1000)} s.`,
  );
}

function readArguments(): { settings: Settings; out: string; command: string } {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      duration: { type: 'string', default: '15' },
      warmup: { type: 'string', default: '2' },
      out: { type: 'string', default: join(BENCH_DIR, 'DRIVERS.md') },
    },
  });
  const rounds = wholeNumber('--rounds', values.rounds, 2, 10);
  const durationSeconds = wholeNumber('--duration', values.duration, 1, 60);
  const warmupSeconds = wholeNumber('--warmup', values.warmup, 0, 30);
  const extra = process.argv.slice(2).filter((arg) => arg !== '--');
  return {
    settings: {
      rounds,
      warmupSeconds,
      durationSeconds,
      connections: { create: 16, get: 32, list: 16 },
      // Far above what 2 cores serve in 60 s; only there so that no run is unbounded.
      maxRequests: 1_000_000,
    },
    // pnpm runs the script in bench/; a relative --out means relative to where it was typed.
    out: resolve(process.env.INIT_CWD ?? process.cwd(), values.out),
    command: ['pnpm bench:drivers', ...extra].join(' '),
  };
}

function wholeNumber(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}, not "${text}"`);
  }
  return value;
}

// This package builds nothing: the server under test is the one `pnpm build` produced, so
// that the benchmark measures exactly what `pnpm start` would run.
function assertBuilt(): void {
  if (!existsSync(SERVER_MAIN)) {
    console.error(
      `${relative(ROOT, SERVER_MAIN)} is missing. Build the server first:\n` +
        '  pnpm --filter @tessera/server... build',
    );
    process.exit(2);
  }
  if (sourceNewerThanBuild(join(SERVER_DIR, 'src'), SERVER_MAIN)) {
    console.warn(
      'Warning: packages/server/src changed after dist/ was built; the numbers are for the ' +
        'older build. Rebuild with `pnpm --filter @tessera/server... build` to measure it.',
    );
  }
}

function budgetSeconds(settings: Settings, overheadPerServer: number): number {
  const perServer = settings.warmupSeconds + 3 * settings.durationSeconds + overheadPerServer;
  return settings.rounds * SQLITE_DRIVERS.length * perServer;
}

// Bounds the whole benchmark in time even if a server or the load hangs.
function armWatchdog(settings: Settings): void {
  guardRun(budgetSeconds(settings, OVERHEAD_PER_SERVER_SECONDS));
}

async function measureServer(
  driver: SqliteDriver,
  round: number,
  settings: Settings,
  merchant: BenchMerchant,
) {
  const loadAverage = loadavg()[0] ?? 0;
  const server = await startServer({
    serverMain: SERVER_MAIN,
    database: { kind: 'sqlite', driver },
    startTimeoutMs: START_TIMEOUT_MS,
    env: BENCH_SERVER_ENV,
  });
  try {
    await registerBenchMerchant(server, merchant);
    const options = (connections: number): LoadOptions => ({
      url: server.url,
      connections,
      durationSeconds: settings.durationSeconds,
      maxRequests: settings.maxRequests,
    });
    const entitlementIds: string[] = [];

    // JIT compilation, SQLite's page cache and the merchant client's connection pool all warm
    // up in the first seconds; the same warm-up for both drivers keeps that out of the numbers.
    if (settings.warmupSeconds > 0) {
      const warmup = { ...options(settings.connections.create) };
      warmup.durationSeconds = settings.warmupSeconds;
      const { result, entitlementIds: ids } = await createLoad(
        warmup,
        `r${round}-warmup`,
        BENCH_MERCHANT_TARGET,
      );
      assertClean(server, 'create warm-up', result);
      entitlementIds.push(...ids);
    }

    const create = await measure(server, 'create', async () => {
      const created = await createLoad(
        options(settings.connections.create),
        `r${round}`,
        BENCH_MERCHANT_TARGET,
      );
      entitlementIds.push(...created.entitlementIds);
      return created.result;
    });
    const get = await measure(server, 'get', () =>
      getLoad(options(settings.connections.get), entitlementIds),
    );
    const list = await measure(server, 'list', () => listLoad(options(settings.connections.list)));

    return {
      round,
      driver,
      loadAverage,
      measurements: { create, get, list },
      memory: await server.memory(),
      entitlements: entitlementIds.length,
    } satisfies Run;
  } finally {
    await server.stop();
  }
}

function describeRun(run: Run, rounds: number): string {
  const parts = Object.entries(run.measurements).map(
    ([name, m]) => `${name} ${m.requestsPerSecond.toFixed(0)} req/s p99 ${m.p99Ms.toFixed(0)} ms`,
  );
  return (
    `round ${run.round}/${rounds} ${run.driver.padEnd(14)} ${parts.join(' | ')} | ` +
    `RSS ${(run.memory.rssKb / 1024).toFixed(0)} MiB`
  );
}

// The default is read from the server's source, not assumed, so that the report says whether
// the measurement confirms it or argues for the other driver.
function currentDefault(): SqliteDriver {
  const source = readFileSync(CONFIG_SOURCE, 'utf8');
  const found = /SQLITE_DRIVER:\s*optional\([\s\S]*?\)\s*\.default\('([^']+)'\)/.exec(source)?.[1];
  const driver = SQLITE_DRIVERS.find((each) => each === found);
  if (driver === undefined) {
    throw new Error(`cannot find the SQLITE_DRIVER default in ${relative(ROOT, CONFIG_SOURCE)}`);
  }
  return driver;
}

async function format(markdown: string, file: string): Promise<string> {
  const config = await prettier.resolveConfig(file);
  return prettier.format(markdown, { ...config, parser: 'markdown' });
}

main().catch((error: unknown) => {
  abandon(1, error instanceof Error ? error.message : String(error));
});
