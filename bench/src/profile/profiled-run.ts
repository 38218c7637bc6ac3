/**
 * The throughput workloads once more, against a fresh server started with `node --cpu-prof`:
 * where the server's main thread spends its time in each. Nothing here is a measurement of
 * speed: profiling slows the server down, so only the shares are reported.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import {
  createLoad,
  type CreateTarget,
  customerListLoad,
  getLoad,
  type LoadOptions,
  type LoadResult,
} from '../load';
import { assertClean, settle } from '../measure';
import type { BenchContext, BenchSettings } from '../section';
import type { BenchServer } from '../server-process';
import {
  type CpuProfile,
  monotonicMicroseconds,
  type ProfileSummary,
  readCpuProfile,
  slice,
  summarize,
  type TimeWindow,
} from './cpu-profile';
import { makeTempDir, removeTempDir } from '../leftovers';

/** The throughput part's workloads, in the order they are profiled. */
export const PROFILED_WORKLOADS = ['create', 'get', 'list'] as const;

/** One of {@link PROFILED_WORKLOADS}. */
export type ProfiledWorkload = (typeof PROFILED_WORKLOADS)[number];

/** Where one workload's time went. */
export interface WorkloadProfile {
  workload: ProfiledWorkload;
  window: TimeWindow;
  /** Requests the profiled load completed (slowed down by the profiler: not a figure). */
  requests: number;
  summary: ProfileSummary;
}

/** The profile of one database's server, or why there is none. */
export interface DatabaseProfile {
  /** e.g. `SQLite (better-sqlite3)`. */
  label: string;
  workloads: WorkloadProfile[];
  /** Set when profiling failed; the measured figures stand regardless. */
  error?: string;
  /** Files written to `--keep-profiles`. */
  keptFiles: string[];
}

/** A server started for profiling, as the measured one was, and what goes with it. */
export interface ProfiledSetup {
  server: BenchServer;
  /** The merchant and product creates name (createLoad's default otherwise). */
  createTarget?: CreateTarget;
  /** Stops the server with SIGTERM (so that V8 writes the profile) and what was started with it. */
  stop(): Promise<void>;
}

/** Seconds of each phase: creates to warm up, each workload's warm-up, each profiled load. */
export function profileTimings(settings: BenchSettings): {
  createWarmupSeconds: number;
  warmupSeconds: number;
  loadSeconds: number;
} {
  return settings.quick
    ? { createWarmupSeconds: 1, warmupSeconds: 0.5, loadSeconds: 2 }
    : { createWarmupSeconds: 2, warmupSeconds: 1, loadSeconds: 3 };
}

// Starting the server, stopping it (V8 writes the profile at exit) and reading the profile.
const OVERHEAD_SECONDS = 8;

/** Rough wall time of {@link profileWorkloads} for one database, 0 with `--no-profile`. */
export function profileEstimateSeconds(settings: BenchSettings): number {
  if (!settings.profile) {
    return 0;
  }
  const timings = profileTimings(settings);
  return (
    timings.createWarmupSeconds +
    (PROFILED_WORKLOADS.length - 1) * timings.warmupSeconds +
    PROFILED_WORKLOADS.length * timings.loadSeconds +
    OVERHEAD_SECONDS
  );
}

const MAX_REQUESTS = 1_000_000;
/** A warm-up that got too few answers goes on for at most this many times as long again. */
const WARMUP_EXTENSION = 3;

/**
 * Starts a server with `start` (given the Node options that make it write a CPU profile, for
 * `startServer`'s `nodeOptions`), runs create, get and list against it, each after a short
 * warm-up, stops it with SIGTERM and summarises the profile over each load's window. Never
 * throws: a failure is returned in `error`, since the measured figures do not depend on it.
 *
 * @param id Names kept profile files: `<id>.cpuprofile`, `<id>-create.cpuprofile`, ...
 */
export async function profileWorkloads(
  context: BenchContext,
  id: string,
  label: string,
  start: (nodeOptions: string[]) => Promise<ProfiledSetup>,
): Promise<DatabaseProfile> {
  const dir = await makeTempDir('profile');
  let setup: ProfiledSetup | undefined;
  try {
    setup = await start(['--cpu-prof', `--cpu-prof-dir=${dir}`]);
    const runs = await runWorkloads(context.settings, setup);
    const pid = setup.server.pid;
    const stopping = setup;
    setup = undefined;
    await stopping.stop(); // SIGTERM: the server shuts down and V8 writes the profile
    const profile = await readCpuProfile(await profileFile(dir, pid));
    const workloads = runs.map((run) => ({ ...run, summary: summarize(profile, run.window) }));
    const keptFiles = await keep(context.settings.keepProfiles, id, profile, runs);
    return { label, workloads, keptFiles };
  } catch (error) {
    // The first line: a load's failure goes on with the server's output.
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
    context.log(`${label}: CPU profile failed: ${message}`);
    return { label, workloads: [], error: message, keptFiles: [] };
  } finally {
    await setup?.stop();
    await removeTempDir(dir);
  }
}

async function runWorkloads(
  settings: BenchSettings,
  { server, createTarget }: ProfiledSetup,
): Promise<Array<Omit<WorkloadProfile, 'summary'>>> {
  const timings = profileTimings(settings);
  const options = (seconds: number, maxRequests: number): LoadOptions => ({
    url: server.url,
    connections: settings.connections,
    durationSeconds: seconds,
    maxRequests,
  });
  const ids: string[] = [];
  const customers: string[] = [];
  const create = async (load: LoadOptions, prefix: string) => {
    const run = await createLoad(load, prefix, createTarget);
    ids.push(...run.entitlementIds);
    customers.push(...run.customerIdentifiers);
    return run.result;
  };
  let round = 0;
  const loads: Record<
    ProfiledWorkload,
    (seconds: number, phase: string, maxRequests?: number) => Promise<LoadResult>
  > = {
    create: (seconds, phase, max = MAX_REQUESTS) =>
      create(options(seconds, max), `profile-${phase}-${(round += 1)}`),
    get: (seconds, _phase, max = MAX_REQUESTS) => getLoad(options(seconds, max), ids),
    list: (seconds, _phase, max = MAX_REQUESTS) =>
      customerListLoad(options(seconds, max), customers),
  };

  const runs: Array<Omit<WorkloadProfile, 'summary'>> = [];
  for (const workload of PROFILED_WORKLOADS) {
    const seconds = workload === 'create' ? timings.createWarmupSeconds : timings.warmupSeconds;
    await warmUp(server, workload, seconds, settings.connections, (each, max) =>
      loads[workload](each, 'warmup', max),
    );
    await settle(server);
    const startUs = monotonicMicroseconds();
    const result = await loads[workload](timings.loadSeconds, 'profiled');
    const window = { startUs, endUs: monotonicMicroseconds() };
    assertCleanOrNone(server, `profiled ${workload}`, result);
    runs.push({ workload, window, requests: result.requests });
  }
  return runs;
}

/**
 * Runs `load` for `seconds`; when that got fewer than `2 × connections` answers, goes on until
 * it has (for at most {@link WARMUP_EXTENSION} times `seconds`). On a busy machine a cold
 * server may answer none in its first seconds (64 cold requests at once, each waiting for the
 * others), and the profile would then be of a server still compiling. One longer load rather
 * than several short ones: each load that ends leaves its requests in flight on the server.
 */
async function warmUp(
  server: BenchServer,
  workload: ProfiledWorkload,
  seconds: number,
  connections: number,
  load: (seconds: number, maxRequests?: number) => Promise<LoadResult>,
): Promise<void> {
  const wanted = 2 * connections;
  const first = await load(seconds);
  assertCleanOrNone(server, `profiled ${workload} warm-up`, first);
  if (first.requests < wanted) {
    const more = await load(seconds * WARMUP_EXTENSION, wanted - first.requests);
    assertCleanOrNone(server, `profiled ${workload} warm-up`, more);
  }
}

// A load too short for any request to finish on a busy machine is no failure here.
function assertCleanOrNone(server: BenchServer, name: string, result: LoadResult): void {
  if (result.requests > 0 || result.errors > 0 || server.hasExited()) {
    assertClean(server, name, result);
  }
}

// Node names it CPU.<date>.<time>.<pid>.<thread>.<sequence>.cpuprofile; the main thread is 0.
async function profileFile(dir: string, pid: number): Promise<string> {
  const files = (await readdir(dir)).filter(
    (name) => name.endsWith('.cpuprofile') && name.includes(`.${pid}.0.`),
  );
  if (files.length !== 1) {
    throw new Error(
      `expected one main-thread CPU profile of process ${pid} in ${dir}, found ` +
        `${files.length} (a server killed rather than stopped writes none)`,
    );
  }
  return join(dir, files[0]!);
}

/** With `--keep-profiles`: the whole profile and one cut to each load's window. */
async function keep(
  dir: string | undefined,
  id: string,
  profile: CpuProfile,
  runs: ReadonlyArray<Omit<WorkloadProfile, 'summary'>>,
): Promise<string[]> {
  if (dir === undefined) {
    return [];
  }
  await mkdir(dir, { recursive: true });
  const files: Array<[string, CpuProfile]> = [
    [`${id}.cpuprofile`, profile],
    ...runs.map((run): [string, CpuProfile] => [
      `${id}-${run.workload}.cpuprofile`,
      slice(profile, run.window),
    ]),
  ];
  for (const [name, content] of files) {
    await writeFile(join(dir, name), JSON.stringify(content));
  }
  return files.map(([name]) => join(dir, name));
}
