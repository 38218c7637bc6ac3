import type { Router } from '@koa/router';

import { type Env, loadConfig } from '../../src/config/config';
import type { DatabaseConfig } from '../../src/config/database-url';
import type { Logger } from '../../src/logging/logger';
import { type RunningServer, startServer } from '../../src/server';
import { createTestLogger, type LogCapture } from './log-capture';

/** A real server on a free port, with its logs captured. */
export interface TestServer extends RunningServer {
  logs: LogCapture;
  /** `fetch` relative to the server's URL. */
  request(path: string, init?: RequestInit): Promise<Response>;
}

/** Options of {@link startTestServer}. */
export interface TestServerOptions {
  /** Environment variables on top of the test defaults (port 0, loopback, debug logs). */
  env?: Env;
  routers?: Router[];
  /** A logger made with `createTestLogger`, when routers need it before the server starts. */
  logger?: { logger: Logger; logs: LogCapture };
}

/** Starts the server as `main.ts` would, but on port 0 and on the given database. */
export async function startTestServer(
  database: DatabaseConfig,
  options: TestServerOptions = {},
): Promise<TestServer> {
  const config = {
    ...loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'debug', ...options.env }),
    database,
  };
  const { logger, logs } = options.logger ?? createTestLogger(config.logLevel);
  const server = await startServer(config, logger, { routers: options.routers });

  return {
    ...server,
    logs,
    request: (path, init) => fetch(new URL(path, server.url), init),
  };
}
