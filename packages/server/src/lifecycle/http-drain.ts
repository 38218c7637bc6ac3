import type { Server } from 'node:http';

import type { Logger } from '../logging/logger';
import { TimeoutError, withTimeout } from '../util/with-timeout';

// How often idle keep-alive connections are swept while requests drain.
const IDLE_SWEEP_MS = 50;

/**
 * Stops accepting connections and waits for in-flight requests to finish. Connections that are
 * still busy after `timeoutMs` are cut.
 *
 * @returns whether every request finished in time.
 */
export async function drainHttpServer(
  server: Server,
  timeoutMs: number,
  logger: Logger,
): Promise<boolean> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));

  // A keep-alive connection goes idle when its last response is sent; closing it then lets
  // `close` finish instead of waiting for the client to hang up.
  const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
  server.closeIdleConnections();

  try {
    await withTimeout(closed, timeoutMs, 'Draining HTTP requests');
    return true;
  } catch (error) {
    if (!(error instanceof TimeoutError)) {
      throw error;
    }
    logger.warn({ timeoutMs }, 'requests still running after the shutdown timeout; cutting them');
    server.closeAllConnections();
    await closed;
    return false;
  } finally {
    clearInterval(sweep);
  }
}
