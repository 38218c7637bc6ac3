import { fork } from 'node:child_process';
import { join } from 'node:path';

/** What the baseline's POST loops send. */
export interface PostLoopJob {
  /** One sequential loop per URL, all at once. */
  urls: string[];
  body: string;
  /**
   * `http`: `node:http` with a keep-alive agent; `fetch`: the global fetch (undici's), which
   * costs more CPU per request than either `node:http` or undici's `request` the server uses.
   */
  client: 'http' | 'fetch';
  /** Unmeasured requests per loop first (JIT, connections). */
  warmupPerLoop: number;
  requestsPerLoop: number;
}

/** What the measured part of the loops did. */
export interface PostLoopResult {
  seconds: number;
  requests: number;
  /** Answers outside 2xx. */
  failed: number;
}

const CHILD = join(__dirname, 'post-loop-child.ts');

/**
 * Runs `job` in a child process and resolves with its measured part; rejects if the child
 * fails or takes longer than `timeoutMs`.
 */
export function runPostLoop(job: PostLoopJob, timeoutMs: number): Promise<PostLoopResult> {
  // The child inherits this process's execArgv, i.e. tsx's loader, so it runs from source too.
  const child = fork(CHILD, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the plain POST loop did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('message', (result: PostLoopResult) => {
      clearTimeout(timer);
      resolve(result);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the plain POST loop exited with ${code} before answering`));
    });
    child.send(job);
  });
}
