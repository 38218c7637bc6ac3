import type { Router } from '@koa/router';

import { type Config, type Env, loadConfig } from '../../src/config/config';
import type { DatabaseConfig } from '../../src/config/database-url';
import type { ContractMismatch } from '../../src/http/response-validation.middleware';
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
  /** Settings no environment variable reaches, laid over the loaded configuration. */
  config?: Partial<Config>;
  routers?: Router[];
  /** A logger made with `createTestLogger`, when routers need it before the server starts. */
  logger?: { logger: Logger; logs: LogCapture };
  /** Check every response against the contract (default true; see contract-hook.ts). */
  validateResponses?: boolean;
}

// Servers started and not yet shut down, whose contract mismatches the hook collects.
const runningServers = new Set<RunningServer>();

/** The contract mismatches every running test server recorded since the last call. */
export function takeContractMismatches(): ContractMismatch[] {
  return [...runningServers].flatMap((server) => server.responseValidator?.takeMismatches() ?? []);
}

/** Starts the server as `main.ts` would, but on port 0 and on the given database. */
export async function startTestServer(
  database: DatabaseConfig,
  options: TestServerOptions = {},
): Promise<TestServer> {
  const config = {
    ...loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'debug', ...options.env }),
    ...options.config,
    database,
  };
  const { logger, logs } = options.logger ?? createTestLogger(config.logLevel);
  const server = await startServer(config, logger, {
    routers: options.routers,
    validateResponses: options.validateResponses ?? true,
  });
  runningServers.add(server);

  return {
    ...server,
    shutdown: () => {
      runningServers.delete(server);
      return server.shutdown();
    },
    logs,
    request: (path, init) => fetch(new URL(path, server.url), init),
  };
}
