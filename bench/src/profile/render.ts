/** The CPU profiles in BENCHMARKS.md: method, category tables, top functions, target notes. */
import { type BenchSettings, markdownTable } from '../section';
import { type Category, CATEGORIES, CATEGORY_LABELS, CATEGORY_SHORT_LABELS } from './categories';
import type { ProfileSummary } from './cpu-profile';
import { type DatabaseProfile, type ProfiledWorkload, profileTimings } from './profiled-run';

/** Functions listed per workload. */
const TOP_FUNCTIONS = 8;

/** How the profiles were taken and what their figures mean. */
export function profileMethod(settings: BenchSettings): string {
  if (!settings.profile) {
    return 'No CPU profile was taken (`--no-profile`).';
  }
  const timings = profileTimings(settings);
  return [
    '**Where the time goes.** After the measured loads on each database, a fresh server ' +
      'started with `node --cpu-prof` runs each workload once more, with the same ' +
      `${settings.connections} connections: ${timings.createWarmupSeconds} s of unprofiled ` +
      `creates, ${timings.loadSeconds} s of creates, then ${timings.warmupSeconds} s of ` +
      `warm-up and ${timings.loadSeconds} s of each of get and list (a warm-up goes on ` +
      `longer while it has fewer than ${2 * settings.connections} answers). V8 samples the ` +
      "server's main thread about once a millisecond; a sample is the stack at that moment, " +
      'and the time since the previous sample is charged to the function on top (its **self ' +
      'time**; a sample delayed by a blocking call, such as the fsync of a commit, is taken ' +
      'when the call returns, with the call on top). ' +
      'Only samples taken during the profiled load count (the profile and the load share ' +
      "Linux's monotonic clock), not start-up or warm-up. Each function is put in a category " +
      'by its file ([bench/src/profile/categories.ts](bench/src/profile/categories.ts)); ' +
      'Node internals, native functions and other packages (sockets, streams, crypto, ' +
      'lodash...) count for the library or code that called them, so a socket write by the ' +
      'database driver is the driver\u2019s. The better-sqlite3 statement runs synchronously ' +
      'inside TypeORM\u2019s `BetterSqlite3QueryRunner.query` (and `getStmt` prepares it), ' +
      'so their self time is the driver\u2019s. Profiling slows the server down and these ' +
      'runs are not part of the figures above: the tables are shares of the sampled time, ' +
      'not times.',
  ].join('\n');
}

/** One database's tables: workload × category, then each workload's top functions. */
export function profileMarkdown(profile: DatabaseProfile): string {
  if (profile.error !== undefined) {
    return `**CPU profile** (${profile.label}): failed: ${profile.error}`;
  }
  const summaries = profile.workloads.map((each) => each.summary);
  // Rows that would read 0.0 % everywhere (the in-process merchant when another one answers).
  const used = CATEGORIES.filter((category) =>
    summaries.some((summary) => summary.byCategory[category] >= summary.sampledUs * 0.0005),
  );
  const header = ['Share of main-thread time', ...profile.workloads.map((each) => each.workload)];
  const rows = [
    ...used.map((category) => [
      CATEGORY_LABELS[category],
      ...summaries.map((summary) => share(summary.byCategory[category], summary)),
    ]),
    [
      '_Samples (profiled seconds)_',
      ...summaries.map(
        (summary) => `${summary.samples} (${(summary.sampledUs / 1e6).toFixed(1)} s)`,
      ),
    ],
    // How much work the shares describe; slowed down by the profiler, so not a rate to quote.
    ['_Requests answered while profiled_', ...profile.workloads.map((each) => each.requests)],
  ];
  const functions = profile.workloads.flatMap((each) => [
    '',
    `Top functions by self time, **${each.workload}** (${profile.label}):`,
    '',
    leftAlignedTable(
      ['Function', 'Where', 'Category', 'Share'],
      each.summary.functions
        .slice(0, TOP_FUNCTIONS)
        .map((row) => [
          `\`${row.functionName}\``,
          `\`${row.location}\``,
          CATEGORY_SHORT_LABELS[row.category],
          share(row.us, each.summary),
        ]),
    ),
  ]);
  const kept =
    profile.keptFiles.length === 0
      ? []
      : [
          '',
          `Profiles kept (whole run, and each load's window): ${profile.keptFiles
            .map((file) => `\`${file}\``)
            .join(', ')}.`,
        ];
  return [
    `**Where the server's time goes** (${profile.label}, CPU profile of this run):`,
    '',
    markdownTable(header, rows),
    ...functions,
    ...kept,
  ].join('\n');
}

/**
 * For a target that is not met: the workload's largest categories, e.g. "its main thread's
 * time under get (CPU profile): TypeORM 31.4 %, database driver 22.0 %, HTTP and Koa 19.9 %";
 * undefined without a profile.
 */
export function profileWhy(
  profile: DatabaseProfile | undefined,
  workload: ProfiledWorkload,
  count = 3,
): string | undefined {
  const summary = profile?.workloads.find((each) => each.workload === workload)?.summary;
  if (summary === undefined || summary.sampledUs === 0) {
    return undefined;
  }
  const largest = [...CATEGORIES]
    .sort((a, b) => summary.byCategory[b] - summary.byCategory[a])
    .slice(0, count)
    .map(
      (category: Category) =>
        `${CATEGORY_SHORT_LABELS[category]} ${share(summary.byCategory[category], summary)}`,
    );
  return `its main thread's time under ${workload} (CPU profile): ${largest.join(', ')}`;
}

function share(us: number, summary: ProfileSummary): string {
  if (summary.sampledUs === 0 || us === 0) {
    return '–';
  }
  return `${((us / summary.sampledUs) * 100).toFixed(1)} %`;
}

// Like markdownTable, but only the last column (a share) is right-aligned: names read better.
function leftAlignedTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const align = header.map((_, index) => (index === header.length - 1 ? '---:' : '---'));
  return [line(header), line(align), ...rows.map(line)].join('\n');
}
