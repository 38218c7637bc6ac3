import type { Environment } from './environment';
import {
  type BenchSettings,
  markdownTable,
  type PostgresAvailability,
  type Section,
  type SectionReport,
} from './section';

/** How one section went. */
export interface SectionOutcome {
  section: Section;
  report?: SectionReport;
  /** Set when the section failed: its error, stack included. */
  error?: string;
  seconds: number;
}

/** Everything BENCHMARKS.md is made from. */
export interface BenchmarksInput {
  command: string;
  date: Date;
  wallSeconds: number;
  environment: Environment;
  settings: BenchSettings;
  postgres: PostgresAvailability;
  outcomes: SectionOutcome[];
  /** bench/FIXES.md: what profiling found and the before/after figures of each fix. */
  fixesLog?: string;
}

/** BENCHMARKS.md (Markdown; the caller formats it with prettier). */
export function renderBenchmarks(input: BenchmarksInput): string {
  return [
    '# Tessera benchmarks',
    '',
    `Measured ${input.date.toISOString().slice(0, 16).replace('T', ' ')} UTC by ` +
      `\`${input.command}\` in ${Math.round(input.wallSeconds / 60)} min. Written by the ` +
      'benchmark: rerun it rather than editing this file. ' +
      '[bench/README.md](bench/README.md) explains each measurement.',
    '',
    ...(input.settings.quick
      ? [
          '> **Quick run** (`--quick`): short loads and small data, for trying the benchmark. ' +
            'Its figures are not the ones the targets are judged on.',
          '',
        ]
      : []),
    ...targetSummary(input.outcomes),
    ...machine(input),
    ...input.outcomes.flatMap(sectionText),
    ...(input.fixesLog === undefined ? [] : fixesLog(input.fixesLog)),
    ...reproduce(),
  ].join('\n');
}

function targetSummary(outcomes: readonly SectionOutcome[]): string[] {
  const targets = outcomes.flatMap((each) => each.report?.targets ?? []);
  const rows = targets.map((each) => [
    each.target,
    each.measured,
    each.met ? 'met' : '**not met**',
    each.why ?? '',
  ]);
  const failed = outcomes.filter((each) => each.error !== undefined);
  return [
    '## Targets',
    '',
    `${targets.filter((each) => each.met).length} of ${targets.length} met. Every ratio is ` +
      'between two figures of this same run on this same machine.',
    '',
    markdownTable(['Target', 'Measured', 'Result', 'Why not, measured'], rows),
    '',
    ...(failed.length === 0
      ? []
      : [
          '**Failed sections** (no figures): ' +
            `${failed.map((each) => each.section.title).join(', ')}.`,
          '',
        ]),
  ];
}

function machine(input: BenchmarksInput): string[] {
  const env = input.environment;
  const postgres =
    'version' in input.postgres
      ? `PostgreSQL ${input.postgres.version} on loopback (a scratch database per part)`
      : `PostgreSQL skipped: ${input.postgres.skipped}`;
  return [
    '## Machine',
    '',
    `- **CPU**: ${env.cpuModel}, ${env.cores} cores, shared by the server(s), the load ` +
      `generator and the databases; **memory**: ${env.memoryGiB} GiB; **kernel**: Linux ` +
      `${env.kernel}; load average at start ${env.loadAverageAtStart.toFixed(2)}`,
    `- **Node.js** ${env.node}; **better-sqlite3** ${env.versions['better-sqlite3']} (SQLite ` +
      `${env.sqliteLibrary['better-sqlite3']}); **TypeORM** ${env.versions.typeorm}; ` +
      `**autocannon** ${env.versions.autocannon}; ${postgres}`,
    `- **Server**: \`${env.serverDist}\` built from ${env.serverRevision}, run as a child ` +
      'process with `LOG_LEVEL=warn`, `SANDBOX=true` and the rate limiter raised out of the way',
    '',
  ];
}

function sectionText(outcome: SectionOutcome): string[] {
  const time = `_${Math.round(outcome.seconds)} s._`;
  if (outcome.error !== undefined) {
    return [
      `## ${outcome.section.title}`,
      '',
      `**Failed** after ${Math.round(outcome.seconds)} s:`,
      '',
      '```text',
      outcome.error,
      '```',
      '',
    ];
  }
  return [`## ${outcome.report!.title}`, '', outcome.report!.markdown.trim(), '', time, ''];
}

// FIXES.md is a document of its own with a top-level heading; inside the report it is a section,
// and says it is not this run's.
function fixesLog(markdown: string): string[] {
  const [heading, ...rest] = markdown
    .trim()
    .replace(/^(#+) /gm, '#$1 ')
    .split('\n');
  return [
    heading!,
    '',
    '> Kept by hand in [bench/FIXES.md](bench/FIXES.md), not measured by this run: its figures ' +
      'come from the before/after runs it describes.',
    ...rest,
    '',
  ];
}

function reproduce(): string[] {
  return [
    '## Reproduce',
    '',
    '```sh',
    'git clone <this repository> tessera && cd tessera',
    'npm run bench                                  # installs, builds, then about 25 minutes',
    'npm run bench -- --quick                       # a few minutes of short loads, small data',
    'npm run bench -- --only throughput,dispatch    # some parts only',
    '```',
    '',
    'PostgreSQL is used when one answers on 127.0.0.1:5432 (or `BENCH_POSTGRES_URL`, or the ' +
      '`PG*` variables); its parts are skipped and say so otherwise. Every load runs on ' +
      'loopback, bounded in time and in requests.',
    '',
  ];
}
