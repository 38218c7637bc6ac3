import type { LoadResult, Workload } from './load';
import { WORKLOADS } from './load';
import type { ProcessMemory, SqliteDriver } from './server-process';

/** One workload's numbers from one server, plus the server's CPU time it cost. */
export interface Measurement extends LoadResult {
  /** Server CPU time (user + system) per completed request, in ms. */
  serverCpuMsPerRequest: number;
}

/** Everything measured against one server (one driver, one round). */
export interface Run {
  round: number;
  driver: SqliteDriver;
  /** 1-minute load average just before the server started: how busy the machine was. */
  loadAverage: number;
  measurements: Record<Workload, Measurement>;
  /** The server's memory after the last workload. */
  memory: ProcessMemory;
  /** Entitlements in the database when the reads ran (warm-up and create workload). */
  entitlements: number;
}

/** Medians over the rounds of one driver for one workload. */
export interface WorkloadSummary {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  serverCpuMsPerRequest: number;
  /** Summed over the rounds. */
  non2xx: number;
  /** (max - min) / median of requests/s over the rounds: this driver's run-to-run noise. */
  spread: number;
  /** Slowest and fastest round, in requests/s. */
  slowestRound: number;
  fastestRound: number;
}

/** How one workload compares: better-sqlite3 over sqlite3, per metric. */
export interface Comparison {
  workload: Workload;
  byDriver: Record<SqliteDriver, WorkloadSummary>;
  /** better-sqlite3 / sqlite3 of the median requests/s: above 1, better-sqlite3 serves more. */
  throughputRatio: number;
  p50Ratio: number;
  p99Ratio: number;
  cpuRatio: number;
  /** Relative throughput difference below which the two are not told apart (see NOISE_FLOOR). */
  noise: number;
  /** The faster driver, or null when the difference is within {@link noise}. */
  faster: SqliteDriver | null;
  /** Whether every round of one driver beat every round of the other (no overlap at all). */
  separated: boolean;
}

/** The decision the report states. */
export interface Verdict {
  /** Geometric mean of the three throughput ratios (better-sqlite3 / sqlite3). */
  throughputRatio: number;
  /** The widest noise band of the three workloads. */
  noise: number;
  /** The faster driver overall, or null when within noise. */
  faster: SqliteDriver | null;
}

/**
 * The smallest difference ever called a win. With a handful of rounds on a shared machine the
 * rounds can agree by luck, so a measured spread of 1 % would claim far more than it shows.
 */
export const NOISE_FLOOR = 0.05;

/** Middle value (mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Compares the drivers workload by workload. */
export function compare(runs: readonly Run[]): Comparison[] {
  return WORKLOADS.map((workload) => {
    const better = summarize(runs, 'better-sqlite3', workload);
    const sqlite3 = summarize(runs, 'sqlite3', workload);
    const throughputRatio = better.requestsPerSecond / sqlite3.requestsPerSecond;
    const noise = Math.max(NOISE_FLOOR, better.spread, sqlite3.spread);
    return {
      workload,
      byDriver: { 'better-sqlite3': better, sqlite3 },
      throughputRatio,
      p50Ratio: better.p50Ms / sqlite3.p50Ms,
      p99Ratio: better.p99Ms / sqlite3.p99Ms,
      cpuRatio: better.serverCpuMsPerRequest / sqlite3.serverCpuMsPerRequest,
      noise,
      faster: fasterOf(throughputRatio, noise),
      separated:
        better.slowestRound > sqlite3.fastestRound || sqlite3.slowestRound > better.fastestRound,
    };
  });
}

/**
 * The overall call: each workload weighs the same (geometric mean of the throughput ratios),
 * and a difference counts only beyond the noisiest workload's band, so that one lucky
 * workload cannot decide alone.
 */
export function decide(comparisons: readonly Comparison[]): Verdict {
  const logSum = comparisons.reduce((sum, each) => sum + Math.log(each.throughputRatio), 0);
  const throughputRatio = Math.exp(logSum / comparisons.length);
  const noise = Math.max(...comparisons.map((each) => each.noise));
  return { throughputRatio, noise, faster: fasterOf(throughputRatio, noise) };
}

/** Medians of RSS at the end of the runs, per driver, in MiB. */
export function medianMemory(runs: readonly Run[]): Record<SqliteDriver, ProcessMemory> {
  const of = (driver: SqliteDriver, pick: (memory: ProcessMemory) => number) =>
    median(runs.filter((run) => run.driver === driver).map((run) => pick(run.memory)));
  const summary = (driver: SqliteDriver): ProcessMemory => ({
    rssKb: of(driver, (memory) => memory.rssKb),
    peakRssKb: of(driver, (memory) => memory.peakRssKb),
  });
  return { 'better-sqlite3': summary('better-sqlite3'), sqlite3: summary('sqlite3') };
}

function summarize(runs: readonly Run[], driver: SqliteDriver, workload: Workload) {
  const measured = runs
    .filter((run) => run.driver === driver)
    .map((run) => run.measurements[workload]);
  const pick = (metric: (measurement: Measurement) => number) => median(measured.map(metric));
  const throughputs = measured.map((measurement) => measurement.requestsPerSecond);
  const requestsPerSecond = median(throughputs);
  return {
    requestsPerSecond,
    p50Ms: pick((measurement) => measurement.p50Ms),
    p99Ms: pick((measurement) => measurement.p99Ms),
    serverCpuMsPerRequest: pick((measurement) => measurement.serverCpuMsPerRequest),
    non2xx: measured.reduce((sum, measurement) => sum + measurement.non2xx, 0),
    spread: (Math.max(...throughputs) - Math.min(...throughputs)) / requestsPerSecond,
    slowestRound: Math.min(...throughputs),
    fastestRound: Math.max(...throughputs),
  };
}

function fasterOf(ratio: number, noise: number): SqliteDriver | null {
  if (ratio > 1 + noise) {
    return 'better-sqlite3';
  }
  if (ratio < 1 / (1 + noise)) {
    return 'sqlite3';
  }
  return null;
}
