import { setTimeout as sleep } from 'node:timers/promises';

import { TesseraApiError } from '@tessera/merchant-client';
import type { Logger } from 'pino';

/** How many times a call to Tessera is tried before the demo merchant gives up on it. */
const ATTEMPTS = 3;

/**
 * Runs the demo merchant's delayed work (activating by itself, confirming queued changes) and
 * its deliberate waits, and stops all of them on shutdown so nothing outlives the server.
 */
export class Scheduler {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private readonly stopping = new AbortController();

  constructor(private readonly logger: Logger) {}

  /**
   * Runs `task` after `delayMs`. Failures that may pass (network errors, 5xx, 429) are tried
   * again after the same delay, up to three attempts in all; the rest are logged.
   */
  later(delayMs: number, label: string, task: () => Promise<void>, attempt = 1): void {
    if (this.stopping.signal.aborted) {
      return;
    }

    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.track(this.attempt(delayMs, label, task, attempt));
    }, delayMs);
    this.timers.add(timer);
  }

  /**
   * Waits `ms`, or less when `signal` aborts (the caller hung up) or the scheduler stops.
   *
   * @returns whether the whole time passed
   */
  async wait(ms: number, signal: AbortSignal): Promise<boolean> {
    try {
      await sleep(ms, undefined, { signal: AbortSignal.any([signal, this.stopping.signal]) });
      return true;
    } catch {
      return false;
    }
  }

  /** Cancels what has not started, ends waits, and lets running work finish. */
  async stop(): Promise<void> {
    this.stopping.abort();
    if (this.timers.size > 0) {
      this.logger.warn({ dropped: this.timers.size }, 'stopping: scheduled calls dropped');
    }
    this.timers.forEach((timer) => clearTimeout(timer));
    this.timers.clear();
    await Promise.allSettled([...this.running]);
  }

  private async attempt(
    delayMs: number,
    label: string,
    task: () => Promise<void>,
    attempt: number,
  ): Promise<void> {
    try {
      await task();
      this.logger.info({ label, attempt }, `${label}: done`);
    } catch (error) {
      const again = attempt < ATTEMPTS && mayPass(error);
      this.logger.error({ err: error, label, attempt, again }, `${label}: failed`);
      if (again) {
        this.later(delayMs, label, task, attempt + 1);
      }
    }
  }

  private track(work: Promise<void>): void {
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
  }
}

function mayPass(error: unknown): boolean {
  if (!(error instanceof TesseraApiError)) {
    return true;
  }
  return error.status >= 500 || error.status === 429;
}
