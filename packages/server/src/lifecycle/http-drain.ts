import type { Server } from 'node:http';

import type { Logger } from '../logging/logger';
import { TimeoutError, withTimeout } from '../util/with-timeout';

// How often idle keep-alive connections are swept while requests drain.
const IDLE_SWEEP_MS = 50;

/**
 * Counts the requests whose handling has not finished. A request's connection can close long
 * before its handler does (a client that gave up, a load generator that stopped), so a closed
 * server does not mean finished requests: a create half-way through its merchant call would
 * meet a closed database, and its entitlement stay provisioning until the stale-create sweep.
 */
export class RequestTracker {
  private running = 0;
  private waiters: (() => void)[] = [];

  /** Counts `handling` until it settles. */
  track(handling: Promise<unknown>): void {
    this.running += 1;
    void handling.finally(() => {
      this.running -= 1;
      if (this.running === 0) {
        this.waiters.splice(0).forEach((wake) => wake());
      }
    });
  }

  /** Requests being handled now. */
  get inFlight(): number {
    return this.running;
  }

  /** Resolves when no request is being handled. */
  idle(): Promise<void> {
    return this.running === 0
      ? Promise.resolve()
      : new Promise((resolve) => this.waiters.push(resolve));
  }
}

/**
 * Stops accepting connections and waits for in-flight requests to finish, those whose client
 * has gone included. Connections that are still busy after `timeoutMs` are cut.
 *
 * @returns whether every request finished in time.
 */
export async function drainHttpServer(
  server: Server,
  requests: RequestTracker,
  timeoutMs: number,
  logger: Logger,
): Promise<boolean> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));

  // A keep-alive connection goes idle when its last response is sent; closing it then lets
  // `close` finish instead of waiting for the client to hang up.
  const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
  server.closeIdleConnections();

  try {
    await withTimeout(Promise.all([closed, requests.idle()]), timeoutMs, 'Draining HTTP requests');
    return true;
  } catch (error) {
    if (!(error instanceof TimeoutError)) {
      throw error;
    }
    logger.warn(
      { timeoutMs, inFlight: requests.inFlight },
      'requests still running after the shutdown timeout; cutting them',
    );
    server.closeAllConnections();
    await closed;
    return false;
  } finally {
    clearInterval(sweep);
  }
}
