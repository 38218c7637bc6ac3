import type { BenchServer } from './server-process';

/** How long and how big the benchmark runs; `--quick` shrinks everything for a smoke run. */
export interface BenchSettings {
  quick: boolean;
  /** Seconds each measured load runs. */
  loadSeconds: number;
  /** Seconds of unmeasured load before measuring (JIT, page cache, connection pools). */
  warmupSeconds: number;
  /** Connections of the throughput workloads (the p99 target is stated at 64). */
  connections: number;
  /** Seconds of mixed load in the soak. */
  soakSeconds: number;
  /** Seconds of the soak counted as warm-up; RSS at its end is the soak's reference. */
  soakWarmupSeconds: number;
  /** Entitlements stored before each growth measurement. */
  growthLevels: number[];
  /** Deliveries the dispatch measurement sends. */
  dispatchCount: number;
  /**
   * SQLite `synchronous` level of the throughput part's server and baseline (`--sqlite-
   * synchronous`); the server's default, `full`, unless comparing. Other parts use the default.
   */
  sqliteSynchronous: 'full' | 'normal';
  /**
   * Whether the throughput part profiles each workload once more after measuring it (CPU
   * profile of a fresh server, not measured); `--no-profile` skips it.
   */
  profile: boolean;
  /** `--keep-profiles <dir>`: where to keep the `.cpuprofile` files (otherwise deleted). */
  keepProfiles?: string;
}

/** Where PostgreSQL scratch databases are made, or why PostgreSQL is skipped. */
export type PostgresAvailability = { adminUrl: string; version: string } | { skipped: string };

/** What every section gets. */
export interface BenchContext {
  settings: BenchSettings;
  /** `packages/server/dist/main.js`. */
  serverMain: string;
  postgres: PostgresAvailability;
  /** Progress for the console (not the report). */
  log(message: string): void;
}

/** One target of issue #8 and what this run measured for it. */
export interface TargetResult {
  /** e.g. "create ≥ 50 % of the baseline's requests/s (SQLite)". */
  target: string;
  /** e.g. "41 % (420 of 1,020 req/s)". */
  measured: string;
  met: boolean;
  /** When not met: the measured bottleneck. */
  why?: string;
}

/** What a section adds to BENCHMARKS.md. */
export interface SectionReport {
  title: string;
  /** Markdown under the section's heading: method, tables, notes. */
  markdown: string;
  targets: TargetResult[];
}

/** One part of `pnpm bench`. */
export interface Section {
  /** For `--only`: throughput, dispatch, growth, soak, cluster. */
  id: string;
  title: string;
  /** Rough wall time in seconds with `settings`, for the time budget shown at the start. */
  estimateSeconds(settings: BenchSettings): number;
  run(context: BenchContext): Promise<SectionReport>;
}

/** A Markdown table; prettier aligns it when the report is written. */
export function markdownTable(header: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
  const align = header.map((_, index) => (index === 0 ? '---' : '---:'));
  return [line(header), line(align), ...rows.map(line)].join('\n');
}

/** `1234.5` → `1,235`. */
export function whole(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** Milliseconds with one decimal below 10, whole above. */
export function ms(value: number): string {
  return value < 10 ? value.toFixed(1) : whole(value);
}

/** `0.4567` → `45.7 %`. */
export function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)} %`;
}

/** MiB from kB. */
export function mib(kb: number): string {
  return (kb / 1024).toFixed(1);
}

/** Stops every server given, whatever happens to the others. */
export async function stopAll(servers: Array<BenchServer | undefined>): Promise<void> {
  await Promise.allSettled(servers.map((server) => server?.stop() ?? Promise.resolve()));
}
