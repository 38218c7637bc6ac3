import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { makeTempDir, removeTempDir } from './leftovers';

/** The SQLite drivers the server can run on (`SQLITE_DRIVER`). */
export const SQLITE_DRIVERS = ['better-sqlite3', 'sqlite3'] as const;

/** One of {@link SQLITE_DRIVERS}. */
export type SqliteDriver = (typeof SQLITE_DRIVERS)[number];

/** The reseller credential the sandbox seeds on a fresh database (published in the README). */
export const SANDBOX_RESELLER = {
  username: 'sandbox-reseller',
  password: 'sandbox-reseller-secret',
} as const;

/** `Authorization` header value of {@link SANDBOX_RESELLER}. */
export const SANDBOX_AUTHORIZATION = `Basic ${Buffer.from(
  `${SANDBOX_RESELLER.username}:${SANDBOX_RESELLER.password}`,
).toString('base64')}`;

/** Memory of the server process, from /proc/<pid>/status, in kB. */
export interface ProcessMemory {
  /** Resident set size now (`VmRSS`). */
  rssKb: number;
  /** Highest resident set size so far (`VmHWM`). */
  peakRssKb: number;
}

/** Where a benchmarked server keeps its data. */
export type BenchDatabase =
  | { kind: 'sqlite'; driver: SqliteDriver }
  /** A PostgreSQL database the caller made for this run (see `postgres.ts`). */
  | { kind: 'postgres'; url: string };

/** `better-sqlite3`, `sqlite3` or `postgres`: what a server stores its data in, for messages. */
export function databaseLabel(database: BenchDatabase): string {
  return database.kind === 'sqlite' ? database.driver : 'postgres';
}

/** A built server running as a child process on a fresh SQLite file or a given PostgreSQL. */
export interface BenchServer {
  /** {@link databaseLabel} of its database. */
  label: string;
  database: BenchDatabase;
  /** `http://127.0.0.1:<port>`. */
  url: string;
  pid: number;
  /** Whether the process has exited (a crash under load must fail the run). */
  hasExited(): boolean;
  /** Lines written so far; at `LOG_LEVEL=warn` only warnings and errors are written. */
  outputLines(): readonly string[];
  /** User + system CPU time the process has used, in seconds. */
  cpuSeconds(): Promise<number>;
  memory(): Promise<ProcessMemory>;
  /** Stops the process (SIGTERM, then SIGKILL) and deletes its temporary folder. */
  stop(): Promise<void>;
}

/** How to start {@link startServer}. */
export interface StartOptions {
  /** `packages/server/dist/main.js`. */
  serverMain: string;
  database: BenchDatabase;
  /** How long starting (migrations, sandbox seed) may take. */
  startTimeoutMs: number;
  /** More server settings, e.g. the admin token or notification address allow-lists. */
  env?: Record<string, string>;
  /** Node options for the server process, e.g. `--cpu-prof`. */
  nodeOptions?: string[];
}

// Linux reports /proc/<pid>/stat times in clock ticks of USER_HZ, which is 100 on every
// architecture Node supports; asking `getconf CLK_TCK` would only spawn another process.
const CLOCK_TICKS_PER_SECOND = 100;

// Kept far below the server's SHUTDOWN_TIMEOUT_MS default: nothing is in flight when we stop it.
const SHUTDOWN_TIMEOUT_MS = 3000;
const KILL_AFTER_MS = SHUTDOWN_TIMEOUT_MS + 5000;
const OUTPUT_LINES_KEPT = 50;

// The server's configuration variables (packages/server/README.md), whole names or prefixes.
const SERVER_SETTING = new RegExp(
  `^(${[
    'PORT',
    'HOST',
    'DATABASE_URL',
    'SQLITE_DRIVER',
    'ADMIN_TOKEN',
    'LOG_LEVEL',
    'SANDBOX',
    'PUBLIC_BASE_URL',
    'SHUTDOWN_TIMEOUT_MS',
    'SQLITE_',
    'BODY_LIMIT',
    'TRUST_PROXY',
    'RATE_LIMIT_',
    'NOTIFICATION_',
    'SCHEDULER_',
  ].join('|')})`,
);

// Every child still running, so that an interrupted or crashing benchmark can kill exactly the
// processes it started, by PID, and nothing else.
const running = new Set<ChildProcess>();

/** SIGKILLs every server this process started that still runs; for exit and signal handlers. */
export function killStartedServers(): void {
  for (const child of running) {
    child.kill('SIGKILL');
  }
}

/** Remembers `child` until it exits, so that {@link killStartedServers} can end it. */
export function trackChild(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
}

/**
 * Starts the built server on a free loopback port with its database (a fresh SQLite file in a
 * temporary folder, or the given PostgreSQL database), the sandbox on and the rate limiter out
 * of the way, and resolves once it serves the seeded sandbox reseller. On any failure the
 * process is stopped before the error is thrown.
 */
export async function startServer(options: StartOptions): Promise<BenchServer> {
  const label = databaseLabel(options.database);
  const dir = await makeTempDir(label);
  const port = await freeLoopbackPort();
  const url = `http://127.0.0.1:${port}`;

  const env = {
    ...serverEnvironment(options.database, port, join(dir, 'tessera.sqlite')),
    ...options.env,
  };
  // BENCH_SERVER_NODE_OPTIONS: e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`, to profile a part.
  const extra = process.env.BENCH_SERVER_NODE_OPTIONS?.split(' ').filter(Boolean) ?? [];
  const args = [...extra, ...(options.nodeOptions ?? []), options.serverMain];
  const child = spawn(process.execPath, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  trackChild(child);
  const output = collectOutput(child);

  const server: BenchServer = {
    label,
    database: options.database,
    url,
    pid: child.pid ?? 0,
    hasExited: () => child.exitCode !== null || child.signalCode !== null,
    outputLines: () => output,
    cpuSeconds: () => cpuSecondsOf(child.pid ?? 0),
    memory: () => memoryOf(child.pid ?? 0),
    stop: async () => {
      await stopChild(child);
      await removeTempDir(dir);
    },
  };

  try {
    await waitUntilServing(server, options.startTimeoutMs);
    return server;
  } catch (error) {
    await server.stop();
    throw error;
  }
}

function serverEnvironment(database: BenchDatabase, port: number, file: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Server settings from the caller's own shell must not leak into a measurement (another
  // database, a public URL the simulated merchant would be called back at, a log level...):
  // every variable of the server's configuration table is either dropped or set below.
  for (const name of Object.keys(env)) {
    if (SERVER_SETTING.test(name)) {
      delete env[name];
    }
  }
  return {
    ...env,
    HOST: '127.0.0.1',
    PORT: String(port),
    ...(database.kind === 'sqlite'
      ? { DATABASE_URL: `sqlite:${file}`, SQLITE_DRIVER: database.driver }
      : { DATABASE_URL: database.url }),
    SANDBOX: 'true',
    SANDBOX_RESELLER_PASSWORD: SANDBOX_RESELLER.password,
    // Logging every request would measure pino and the pipe, not the database driver.
    LOG_LEVEL: 'warn',
    // The limiter's job is to protect the server from us; here it would only cap the numbers.
    RATE_LIMIT_PER_SECOND: '100000',
    RATE_LIMIT_BURST: '1000000',
    SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
  };
}

/** A port the kernel says is free now; the server binds it a moment later. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

function collectOutput(child: ChildProcess): string[] {
  const lines: string[] = [];
  const keep = (line: string) => {
    lines.push(line);
    if (lines.length > OUTPUT_LINES_KEPT) {
      lines.shift();
    }
  };
  createInterface({ input: child.stdout! }).on('line', keep);
  createInterface({ input: child.stderr! }).on('line', keep);
  return lines;
}

// `/health/ready` answers once the database is migrated, but the sandbox is seeded just after
// that, so the benchmark's own credential is the real sign that the server can take the load.
async function waitUntilServing(server: BenchServer, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.hasExited()) {
      throw startError(server, 'exited while starting');
    }
    if ((await status(`${server.url}/health/ready`)) === 200) {
      const echo = await status(`${server.url}/v1/echo/bench-ready`, SANDBOX_AUTHORIZATION);
      if (echo === 200) {
        return;
      }
    }
    await sleep(100);
  }
  throw startError(server, `did not serve the sandbox reseller within ${timeoutMs} ms`);
}

async function status(url: string, authorization?: string): Promise<number> {
  try {
    const headers = authorization === undefined ? undefined : { authorization };
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0; // not listening yet
  }
}

function startError(server: BenchServer, what: string): Error {
  const last = server.outputLines().slice(-15).join('\n    ');
  return new Error(`server (${server.label}) ${what}. Its last output:\n    ${last}`);
}

/** SIGTERM, then SIGKILL if it has not exited in time; resolves once it has exited. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
  await exited;
  clearTimeout(timer);
}

/** User + system CPU seconds process `pid` has used (Linux /proc). */
export async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses; fields after its closing
  // parenthesis start at field 3, so utime (14) and stime (15) are at offsets 11 and 12.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** Resident memory of process `pid` (Linux /proc). */
export async function memoryOf(pid: number): Promise<ProcessMemory> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1]);
  return { rssKb: kb('VmRSS'), peakRssKb: kb('VmHWM') };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
