import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';

import {
  cpuSecondsOf,
  freeLoopbackPort,
  memoryOf,
  type ProcessMemory,
  stopChild,
  trackChild,
} from '../server-process';

/** The bare Koa baseline ({@link ./bare-server.ts}) running as a child process. */
export interface BaselineServer {
  url: string;
  pid: number;
  cpuSeconds(): Promise<number>;
  memory(): Promise<ProcessMemory>;
  stop(): Promise<void>;
}

const BARE_SERVER = join(__dirname, 'bare-server.ts');
const START_TIMEOUT_MS = 20_000;

/**
 * Starts the baseline on a free loopback port. `database` is `sqlite:<file>` or a PostgreSQL
 * URL; `sqliteSynchronous` should be the level the server under test uses.
 */
export async function startBaseline(
  database: string,
  sqliteSynchronous: 'full' | 'normal',
): Promise<BaselineServer> {
  const port = await freeLoopbackPort();
  const child = spawn(process.execPath, ['--import', 'tsx', BARE_SERVER], {
    cwd: join(__dirname, '..', '..'),
    env: {
      ...process.env,
      BASELINE_DATABASE: database,
      SQLITE_SYNCHRONOUS: sqliteSynchronous,
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  trackChild(child);

  const listening = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('the baseline did not start')),
      START_TIMEOUT_MS,
    );
    child.once('exit', (code) => reject(new Error(`the baseline exited (${code}) while starting`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('listening ')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  try {
    await listening;
  } catch (error) {
    await stopChild(child);
    throw error;
  }

  const pid = child.pid ?? 0;
  return {
    url: `http://127.0.0.1:${port}`,
    pid,
    cpuSeconds: () => cpuSecondsOf(pid),
    memory: () => memoryOf(pid),
    stop: () => stopChild(child),
  };
}
