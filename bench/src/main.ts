/**
 * `pnpm bench`: how close Tessera comes to the machine's limit, and whether it meets issue #8's
 * targets. Runs each section (throughput against a bare baseline, notification dispatch,
 * growth, soak, two servers on one PostgreSQL) against the built server over loopback, on
 * SQLite and on PostgreSQL, and writes BENCHMARKS.md at the repository's root.
 *
 * A section that fails is reported as failed (with its error) and the run exits 1 after the
 * report is written; a watchdog bounds the whole run in time.
 */
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import * as prettier from 'prettier';

import { renderBenchmarks, type SectionOutcome } from './benchmarks-report';
import { describeEnvironment, serverPackageDir, sourceNewerThanBuild } from './environment';
import { postgresAdminUrl, postgresVersion } from './postgres';
import type { BenchContext, BenchSettings, PostgresAvailability, Section } from './section';
import { clusterSection } from './sections/cluster';
import { dispatchSection } from './sections/dispatch';
import { growthSection } from './sections/growth';
import { soakSection } from './sections/soak';
import { throughputSection } from './sections/throughput';
import { abandon, guardRun } from './run-guard';

const BENCH_DIR = resolve(__dirname, '..');
const ROOT = resolve(BENCH_DIR, '..');
/** The build measured unless `--server` names another one's `main.js`. */
const SERVER_MAIN = join(ROOT, 'packages', 'server', 'dist', 'main.js');
const FIXES_LOG = join(BENCH_DIR, 'FIXES.md');
/** Where `--quick` writes unless told otherwise (git-ignored). */
const QUICK_REPORT = 'BENCHMARKS.quick.md';

/** In running order. */
const SECTIONS: Section[] = [
  throughputSection,
  dispatchSection,
  growthSection,
  clusterSection,
  soakSection,
];

// The issue allows 30 minutes for the whole run on a fresh clone (install and build included);
// the watchdog allows the estimate plus this much slack before it stops everything.
const WATCHDOG_SLACK = 1.5;

async function main(): Promise<void> {
  const started = Date.now();
  const { settings, sections, out, command, serverMain, typedIn } = readArguments();
  assertBuilt(serverMain);
  assertWritable(out);

  const environment = describeEnvironment(ROOT, serverMain, BENCH_DIR);
  const postgres = await findPostgres();
  const estimate = sections.reduce((sum, each) => sum + each.estimateSeconds(settings), 0);
  guardRun(estimate * WATCHDOG_SLACK + 120);
  console.log(
    `pnpm bench: ${sections.map((each) => each.id).join(', ')}; at most about ` +
      `${Math.ceil(estimate / 60)} min. PostgreSQL: ` +
      ('adminUrl' in postgres ? 'yes' : `skipped (${postgres.skipped})`) +
      `. Load average now ${environment.loadAverageAtStart.toFixed(2)}.`,
  );

  const context: BenchContext = {
    settings,
    serverMain,
    postgres,
    log: (message) => console.log(`  ${message}`),
  };
  const outcomes: SectionOutcome[] = [];
  for (const section of sections) {
    outcomes.push(await runSection(section, context));
  }

  const report = renderBenchmarks({
    command,
    date: new Date(started),
    wallSeconds: (Date.now() - started) / 1000,
    environment,
    settings,
    postgres,
    outcomes,
    fixesLog: existsSync(FIXES_LOG) ? readFileSync(FIXES_LOG, 'utf8') : undefined,
  });
  await writeFile(out, await format(report, out));

  const failed = outcomes.filter((each) => each.error !== undefined);
  const targets = outcomes.flatMap((each) => each.report?.targets ?? []);
  console.log(
    `\nTargets met: ${targets.filter((each) => each.met).length} of ${targets.length}. ` +
      `Wrote ${relative(typedIn, out) || out} in ${Math.round((Date.now() - started) / 1000)} s.`,
  );
  if (failed.length > 0) {
    console.error(`Failed sections: ${failed.map((each) => each.section.id).join(', ')}`);
    process.exitCode = 1;
  }
}

async function runSection(section: Section, context: BenchContext): Promise<SectionOutcome> {
  const started = Date.now();
  console.log(`\n== ${section.title}`);
  try {
    const report = await section.run(context);
    for (const target of report.targets) {
      console.log(`  ${target.met ? 'met    ' : 'NOT MET'} ${target.target}: ${target.measured}`);
    }
    return { section, report, seconds: (Date.now() - started) / 1000 };
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    console.error(`  FAILED: ${message}`);
    return { section, error: message, seconds: (Date.now() - started) / 1000 };
  }
}

function readArguments(): {
  settings: BenchSettings;
  sections: Section[];
  out: string;
  command: string;
  serverMain: string;
  /** Where the command was typed: relative paths in options and messages are from there. */
  typedIn: string;
} {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      server: { type: 'string' },
      'growth-levels': { type: 'string' },
      'sqlite-synchronous': { type: 'string', default: 'full' },
      out: { type: 'string' },
      // The throughput part's CPU profiles (src/profile/): --no-profile, --keep-profiles <dir>.
      profile: { type: 'boolean', default: true },
      'keep-profiles': { type: 'string' },
    },
    allowNegative: true,
  });
  const quick = values.quick === true;
  const sqliteSynchronous = values['sqlite-synchronous'];
  if (sqliteSynchronous !== 'full' && sqliteSynchronous !== 'normal') {
    throw new Error(`--sqlite-synchronous must be full or normal, not "${sqliteSynchronous}"`);
  }
  const settings: BenchSettings = {
    quick,
    loadSeconds: quick ? 3 : 10,
    warmupSeconds: quick ? 1 : 3,
    connections: 64,
    soakSeconds: quick ? 40 : 600,
    soakWarmupSeconds: quick ? 10 : 60,
    growthLevels:
      growthLevels(values['growth-levels']) ??
      (quick ? [1_000, 10_000] : [1_000, 10_000, 100_000, 1_000_000]),
    dispatchCount: quick ? 1_000 : 5_000,
    sqliteSynchronous,
    profile: values.profile !== false,
    keepProfiles: keptProfilesDir(values['keep-profiles'], values.profile !== false),
  };
  const wanted = values.only?.split(',').map((each) => each.trim());
  const unknown = wanted?.filter((id) => !SECTIONS.some((each) => each.id === id)) ?? [];
  if (unknown.length > 0) {
    throw new Error(
      `--only: unknown section ${unknown.join(', ')}; ` +
        `choose from ${SECTIONS.map((each) => each.id).join(', ')}`,
    );
  }
  const extra = process.argv.slice(2).filter((arg) => arg !== '--');
  // pnpm runs the script in bench/; a relative path means relative to where it was typed.
  const typedIn = process.env.INIT_CWD ?? process.cwd();
  return {
    settings,
    sections: SECTIONS.filter((each) => wanted === undefined || wanted.includes(each.id)),
    // A quick run's figures are not the ones the targets are judged on: by default it leaves
    // the committed report alone.
    out: resolve(typedIn, values.out ?? join(ROOT, quick ? QUICK_REPORT : 'BENCHMARKS.md')),
    command: ['npm run bench', ...(extra.length > 0 ? ['--', ...extra] : [])].join(' '),
    serverMain: values.server === undefined ? SERVER_MAIN : resolve(typedIn, values.server),
    typedIn,
  };
}

// Checked before the run rather than after it, when the figures would be lost.
function assertWritable(out: string): void {
  try {
    accessSync(dirname(out), constants.W_OK);
  } catch {
    console.error(`--out: cannot write ${out}: ${dirname(out)} is missing or read-only.`);
    process.exit(2);
  }
}

function keptProfilesDir(dir: string | undefined, profile: boolean): string | undefined {
  if (dir !== undefined && !profile) {
    throw new Error('--keep-profiles keeps the CPU profiles that --no-profile does not take');
  }
  return dir === undefined ? undefined : resolve(process.env.INIT_CWD ?? process.cwd(), dir);
}

/** `--growth-levels 1000,100000`: the stored entitlements of each growth level, ascending. */
function growthLevels(option: string | undefined): number[] | undefined {
  if (option === undefined) {
    return undefined;
  }
  const levels = option.split(',').map((each) => Number(each.trim()));
  const ascending = levels.every((level, i) => i === 0 || level > levels[i - 1]!);
  if (levels.length < 2 || !ascending || levels.some((l) => !Number.isInteger(l) || l < 100)) {
    throw new Error(
      `--growth-levels takes two or more ascending whole numbers ≥ 100, not "${option}"`,
    );
  }
  return levels;
}

async function findPostgres(): Promise<PostgresAvailability> {
  const adminUrl = postgresAdminUrl();
  const answer = await postgresVersion(adminUrl);
  if ('version' in answer) {
    return { adminUrl, version: answer.version };
  }
  const problem = answer.problem;
  if (process.env.BENCH_REQUIRE_POSTGRES === '1') {
    throw new Error(`PostgreSQL is required (BENCH_REQUIRE_POSTGRES=1) but: ${problem}`);
  }
  return { skipped: `no PostgreSQL at ${new URL(adminUrl).host}: ${problem}` };
}

// The benchmark builds nothing itself (`tools/tessera.sh bench` builds first), so that it
// measures exactly what `npm run sandbox` would run. Another build (`--server`) is the
// caller's to build; its own src/ is compared with it.
function assertBuilt(serverMain: string): void {
  if (serverMain !== SERVER_MAIN) {
    if (!existsSync(serverMain) || !statSync(serverMain).isFile()) {
      console.error(
        `--server: ${serverMain} is not a file. Give the main.js of a built server, e.g. ` +
          '<checkout>/packages/server/dist/main.js (built there with ' +
          '`pnpm install && pnpm --filter @tessera/server... build`).',
      );
      process.exit(2);
    }
  } else if (!existsSync(SERVER_MAIN)) {
    console.error(
      `${relative(ROOT, SERVER_MAIN)} is missing. Build the server first:\n` +
        '  pnpm --filter @tessera/server... build   (or run `pnpm bench` from the root)',
    );
    process.exit(2);
  }
  const serverDir = serverPackageDir(serverMain);
  const source = join(serverDir, 'src');
  if (existsSync(source) && sourceNewerThanBuild(source, serverMain)) {
    const shown = (path: string) => (serverMain === SERVER_MAIN ? relative(ROOT, path) : path);
    console.warn(
      `Warning: ${shown(source)} changed after ${shown(dirname(serverMain))} was built; the ` +
        'numbers are for the older build.',
    );
  }
}

async function format(markdown: string, file: string): Promise<string> {
  const config = await prettier.resolveConfig(file);
  return prettier.format(markdown, { ...config, parser: 'markdown' });
}

main().catch((error: unknown) => {
  abandon(1, error instanceof Error ? error.message : String(error));
});
