import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Router } from '@koa/router';
import type { DataSource } from 'typeorm';

import { createApp } from './app';
import type { Config } from './config/config';
import { describeDatabase } from './config/database-url';
import { createDataSource } from './database/data-source';
import { runMigrations } from './database/migrate';
import { PortInUseError } from './errors/port-in-use-error';
import { loadContract } from './http/contract';
import { ResponseValidator } from './http/response-validation.middleware';
import { drainHttpServer, RequestTracker } from './lifecycle/http-drain';
import { Lifecycle } from './lifecycle/lifecycle';
import type { Logger } from './logging/logger';
import { DatabaseHealthRepository } from './repositories/database-health.repository';
import { createApi } from './routes/api.routes';
import { createServices, type ServiceDeps, type Services } from './services';
import { HealthService } from './services/health.service';
import { SimulatedMerchant } from './sandbox/simulated-merchant';

/** A started server instance. */
export interface RunningServer {
  /** URL of the listening socket, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** Base URL for links given to the outside world (`PUBLIC_BASE_URL`, else {@link url}). */
  publicBaseUrl: string;
  dataSource: DataSource;
  /** Register background jobs' shutdown hooks here. */
  lifecycle: Lifecycle;
  /** The domain services; their scheduler is running unless `startScheduler` was false. */
  services: Services;
  /** Set when started with `validateResponses`: the contract mismatches it recorded. */
  responseValidator?: ResponseValidator;
  /**
   * Stops gracefully: refuses new connections, lets in-flight requests finish (up to the
   * shutdown timeout), runs the shutdown hooks and closes the database. Safe to call twice.
   *
   * @returns false when a shutdown hook or closing the database failed.
   */
  shutdown(): Promise<boolean>;
}

/** Extension points for {@link startServer}. */
export interface StartOptions {
  /** Replacements for the services' defaults (tests inject a clock or a gateway). */
  services?: Partial<Omit<ServiceDeps, 'dataSource' | 'config' | 'logger'>>;
  /** Whether the scheduler runs (default true); tests of other things may keep it still. */
  startScheduler?: boolean;
  /** Whether the notification dispatcher runs (default true). */
  startNotifications?: boolean;
  /** Further feature routers to mount. */
  routers?: Router[];
  /** Test-only: check every response against the contract (see ResponseValidator). */
  validateResponses?: boolean;
}

/** Connects the database, applies migrations and starts listening. */
export async function startServer(
  config: Config,
  logger: Logger,
  options: StartOptions = {},
): Promise<RunningServer> {
  // First, so that a broken contract bundle fails the start before anything is opened.
  const contract = await loadContract();
  const dataSource = await openDatabase(config, logger);
  const lifecycle = new Lifecycle();
  const health = new HealthService(new DatabaseHealthRepository(dataSource), logger);
  const services = createServices({ dataSource, config, logger, ...options.services });

  const api = createApi(contract, services, config, logger);
  const responseValidator = options.validateResponses ? new ResponseValidator(contract) : undefined;
  const routers = [...api.routers, ...(options.routers ?? [])];
  const simulatedMerchant = new SimulatedMerchant();
  const mounts = config.sandbox ? [simulatedMerchant.middleware()] : [];
  const app = createApp({ config, logger, health, routers, responseValidator, mounts });
  const handle = app.callback();
  // Koa catches and reports its own errors, so the promise it returns needs no handling.
  const requests = new RequestTracker();
  const server = createServer((req, res) => requests.track(handle(req, res)));
  try {
    await listen(server, config.port, config.host);
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }

  const url = socketUrl(server.address() as AddressInfo);
  const publicBaseUrl = config.publicBaseUrl ?? url;
  if (config.sandbox) {
    simulatedMerchant.start({ serverUrl: url, publicBaseUrl, seed: config.sandboxSeed, logger });
  }
  lifecycle.onShutdown('simulated merchant', () => simulatedMerchant.stop());
  if (options.startScheduler !== false) {
    services.scheduler.start();
  }
  // Stopped after requests drain (they may wait on it) and before the database closes.
  lifecycle.onShutdown('scheduler', () => services.scheduler.stop());
  lifecycle.onShutdown('idempotency purge', api.startUpkeep());
  if (options.startNotifications !== false) {
    services.notifications.start();
  }
  // Waits for the sends in flight, each bounded by the notification timeout.
  lifecycle.onShutdown('notification dispatcher', () => services.notifications.stop());
  let stopping: Promise<boolean> | undefined;

  const stop = async (): Promise<boolean> => {
    logger.info('shutting down: draining requests');
    health.startDraining();

    // Requests cut by the timeout are logged there but do not make the stop unclean: the
    // operator asked for that bound.
    await drainHttpServer(server, requests, config.shutdownTimeoutMs, logger);
    const hooksClean = await lifecycle.runShutdownHooks(logger);
    const databaseClosed = await closeDatabase(dataSource, logger);

    logger.info('shutdown complete');
    return hooksClean && databaseClosed;
  };

  return {
    url,
    publicBaseUrl,
    dataSource,
    lifecycle,
    services,
    responseValidator,
    shutdown: () => (stopping ??= stop()),
  };
}

async function openDatabase(config: Config, logger: Logger): Promise<DataSource> {
  logger.info({ database: describeDatabase(config.database) }, 'connecting to the database');
  const dataSource = createDataSource(config.database, logger);
  await dataSource.initialize();

  try {
    const ran = await runMigrations(dataSource);
    logger.info({ migrations: ran.map((migration) => migration.name) }, 'database schema ready');
    return dataSource;
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
}

async function closeDatabase(dataSource: DataSource, logger: Logger): Promise<boolean> {
  try {
    if (dataSource.isInitialized) {
      await dataSource.destroy();
    }
    return true;
  } catch (error) {
    logger.error({ err: error }, 'closing the database failed');
    return false;
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE' ? new PortInUseError(host, port, { cause: error }) : error,
      );
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve();
    });
  });
}

function socketUrl(address: AddressInfo): string {
  const wildcard = address.address === '0.0.0.0' || address.address === '::';
  const host = wildcard ? 'localhost' : address.address;
  const hostPart = host.includes(':') ? `[${host}]` : host;

  return `http://${hostPart}:${address.port}`;
}
