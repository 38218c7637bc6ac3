import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** One line of Tessera's JSON log (pino); a line that is not JSON is kept as `msg`. */
export type LogLine = Record<string, unknown> & { msg?: string; level?: string | number };

/** How to start Tessera. */
export interface TesseraProcessOptions {
  /** The built server's entry point (`packages/server/dist/main.js`). */
  serverMain: string;
  /** Environment variables on top of this process's own. */
  env: Record<string, string>;
  /** Working directory (where relative paths in the settings resolve). */
  cwd: string;
  /** Called with every log line as it is written. */
  onLog?: (line: LogLine) => void;
  /** How long starting may take; 30s by default. */
  startTimeoutMs?: number;
}

/** A running Tessera server process. */
export interface TesseraProcess {
  /** The URL it listens at, read from its "listening" log line. */
  url: string;
  pid: number;
  /** Every log line so far. */
  logs: LogLine[];
  /**
   * Resolves once a line matching `predicate` has been read (true), or after `timeoutMs`
   * (false). Lines already read count.
   */
  waitForLine(predicate: (line: LogLine) => boolean, timeoutMs: number): Promise<boolean>;
  /** Asks it to stop (SIGTERM), and kills it when it has not stopped after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}

/** Thrown when Tessera exits or stays silent before it is ready; carries its last output. */
export class TesseraStartError extends Error {
  override readonly name = 'TesseraStartError';
}

const LAST_LINES_SHOWN = 15;

/**
 * Starts the built server as a child process and resolves once it answers `/health/ready`.
 * On any failure the process is killed before the error is thrown.
 */
export async function startTessera(options: TesseraProcessOptions): Promise<TesseraProcess> {
  const child = spawn(process.execPath, [options.serverMain], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Whatever ends the demo, the server must not outlive it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const logs: LogLine[] = [];
  const waiters = new Set<(line: LogLine) => void>();
  collectLines(child, logs, (line) => {
    options.onLog?.(line);
    waiters.forEach((waiter) => waiter(line));
  });

  try {
    const url = await waitForUrl(child, logs, options.startTimeoutMs ?? 30_000);
    await waitUntilReady(url, child, logs);
    const stop = (timeoutMs = 10_000) => stopChild(child, timeoutMs, killOnExit);
    const waitForLine = (predicate: (line: LogLine) => boolean, timeoutMs: number) =>
      logs.some(predicate) ? Promise.resolve(true) : nextLine(waiters, predicate, timeoutMs);
    return { url, pid: child.pid ?? 0, logs, stop, waitForLine };
  } catch (error) {
    await stopChild(child, 2000, killOnExit);
    throw error;
  }
}

function collectLines(child: ChildProcess, logs: LogLine[], onLog?: (line: LogLine) => void) {
  const keep = (text: string) => {
    const line = parseLine(text);
    logs.push(line);
    onLog?.(line);
  };
  createInterface({ input: child.stdout! }).on('line', keep);
  createInterface({ input: child.stderr! }).on('line', (text) => keep(text));
}

function nextLine(
  waiters: Set<(line: LogLine) => void>,
  predicate: (line: LogLine) => boolean,
  timeoutMs: number,
): Promise<boolean> {
  return new Promise((resolve) => {
    const finish = (found: boolean) => {
      clearTimeout(timer);
      waiters.delete(waiter);
      resolve(found);
    };
    const waiter = (line: LogLine) => predicate(line) && finish(true);
    const timer = setTimeout(() => finish(false), timeoutMs);
    waiters.add(waiter);
  });
}

function parseLine(text: string): LogLine {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === 'object' && parsed !== null) {
      return parsed as LogLine;
    }
  } catch {
    // Not JSON: a crash trace or a plain message.
  }
  return { msg: text };
}

function waitForUrl(child: ChildProcess, logs: LogLine[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      done();
      reject(startError(`did not start listening within ${timeoutMs}ms`, logs));
    }, timeoutMs);
    const onExit = (code: number | null) => {
      done();
      reject(startError(`exited with code ${code} before listening`, logs));
    };
    const poll = setInterval(() => {
      const url = logs.map(listeningUrl).find((found) => found !== undefined);
      if (url !== undefined) {
        done();
        resolve(url);
      }
    }, 20);
    const done = () => {
      clearTimeout(timer);
      clearInterval(poll);
      child.off('exit', onExit);
    };
    child.once('exit', onExit);
  });
}

// The server logs `Tessera server listening on <url>` with the URL in the `url` field.
function listeningUrl(line: LogLine): string | undefined {
  return typeof line.url === 'string' && /listening/.test(line.msg ?? '') ? line.url : undefined;
}

async function waitUntilReady(url: string, child: ChildProcess, logs: LogLine[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw startError(`exited with code ${child.exitCode} while starting`, logs);
    }
    const ready = await fetch(`${url}/health/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw startError(`${url}/health/ready did not answer 200 within 30s`, logs);
}

function startError(what: string, logs: LogLine[]): TesseraStartError {
  const last = logs.slice(-LAST_LINES_SHOWN).map((line) => `    ${describeLine(line)}`);
  return new TesseraStartError(`Tessera ${what}. Its last output:\n${last.join('\n')}`);
}

/** A log line for people: its message, and the error's message when there is one. */
export function describeLine(line: LogLine): string {
  const err = line.err as { message?: string } | undefined;
  return err?.message === undefined ? String(line.msg ?? '') : `${line.msg}: ${err.message}`;
}

async function stopChild(child: ChildProcess, timeoutMs: number, killOnExit: () => void) {
  process.off('exit', killOnExit);
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}
