import { readdir, readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';

import type { BenchServer } from '../server-process';

/** CPU time each party used during some work, in seconds of one core. */
export interface CpuShares {
  wallSeconds: number;
  /** Per server given, in the order given. */
  servers: number[];
  /** This process: load generators and the receiver. */
  bench: number;
  /**
   * Processes named `postgres` that lived through the work (its backends and background
   * workers; others' queries on the same PostgreSQL server included).
   */
  postgres: number;
  /**
   * Everything else busy on the machine: the machine's busy time less the parts above (0 when
   * the kernel's per-core and per-process counters disagree by more than that).
   */
  rest: number;
  /** The whole machine's busy time, all cores. */
  machine: number;
  /** The whole machine's busy and idle time, all cores (about cores × wall time). */
  machineTotal: number;
}

/** Runs `work` and measures what the servers, this process and the rest of the machine used. */
export async function withCpu<T>(
  servers: BenchServer[],
  work: () => Promise<T>,
): Promise<{ value: T; cpu: CpuShares }> {
  const machineBefore = machineSeconds();
  const postgresBefore = await postgresCpu();
  const serversBefore = await Promise.all(servers.map((server) => server.cpuSeconds()));
  const benchBefore = process.cpuUsage();
  const started = performance.now();
  const value = await work();
  const wallSeconds = (performance.now() - started) / 1000;
  const bench = process.cpuUsage(benchBefore);
  const serversAfter = await Promise.all(servers.map((server) => server.cpuSeconds()));
  const serverSeconds = serversAfter.map((after, index) => after - serversBefore[index]!);
  const benchSeconds = (bench.user + bench.system) / 1e6;
  const postgresAfter = await postgresCpu();
  let postgres = 0;
  for (const [pid, seconds] of postgresAfter) {
    postgres += seconds - (postgresBefore.get(pid) ?? seconds);
  }
  const machineAfter = machineSeconds();
  const machine = machineAfter.busy - machineBefore.busy;
  const machineTotal = machineAfter.total - machineBefore.total;
  const rest = Math.max(0, machine - benchSeconds - sum(serverSeconds) - postgres);
  return {
    value,
    cpu: {
      wallSeconds,
      servers: serverSeconds,
      bench: benchSeconds,
      postgres,
      rest,
      machine,
      machineTotal,
    },
  };
}

/**
 * How busy the whole machine was, from 0 to 1 (all its cores): busy time over busy and idle
 * time, which the kernel counts alike (its counters and the wall clock drift apart on a VM).
 */
export function machineBusy(cpu: CpuShares): number {
  return cpu.machine / Math.max(cpu.machineTotal, 1e-9);
}

// Linux reports /proc/<pid>/stat times in clock ticks of USER_HZ, 100 on every architecture.
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU seconds used so far by each process named `postgres`, by PID. */
async function postgresCpu(): Promise<Map<string, number>> {
  const used = new Map<string, number>();
  for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== 'postgres') {
        continue;
      }
      // utime and stime are fields 14 and 15, i.e. 11 and 12 after the command's ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      used.set(pid, (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND);
    } catch {
      // The process ended between listing and reading: its time is lost either way.
    }
  }
  return used;
}

/** Busy and total (busy and idle) CPU seconds of the whole machine since boot, all cores. */
function machineSeconds(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    const used = times.user + times.nice + times.sys + times.irq;
    busy += used / 1000;
    total += (used + times.idle) / 1000;
  }
  return { busy, total };
}

/** The sum of `values`. */
export function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
