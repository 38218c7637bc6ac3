import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Router } from '@koa/router';
import type { DataSource } from 'typeorm';

import { createApp } from './app';
import type { Config } from './config/config';
import { describeDatabase } from './config/database-url';
import { createDataSource } from './database/data-source';
import { runMigrations } from './database/migrate';
import { drainHttpServer } from './lifecycle/http-drain';
import { Lifecycle } from './lifecycle/lifecycle';
import type { Logger } from './logging/logger';
import { DatabaseHealthRepository } from './repositories/database-health.repository';
import { HealthService } from './services/health.service';

/** A started server instance. */
export interface RunningServer {
  /** URL of the listening socket, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** Base URL for links given to the outside world (`PUBLIC_BASE_URL`, else {@link url}). */
  publicBaseUrl: string;
  dataSource: DataSource;
  /** Register background jobs' shutdown hooks here. */
  lifecycle: Lifecycle;
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
  /** Further feature routers to mount. */
  routers?: Router[];
}

/** Connects the database, applies migrations and starts listening. */
export async function startServer(
  config: Config,
  logger: Logger,
  options: StartOptions = {},
): Promise<RunningServer> {
  const dataSource = await openDatabase(config, logger);
  const lifecycle = new Lifecycle();
  const health = new HealthService(new DatabaseHealthRepository(dataSource), logger);

  const app = createApp({ config, logger, health, routers: options.routers });
  const handle = app.callback();
  // Koa catches and reports its own errors, so the promise it returns needs no handling.
  const server = createServer((req, res) => void handle(req, res));
  try {
    await listen(server, config.port, config.host);
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }

  const url = socketUrl(server.address() as AddressInfo);
  let stopping: Promise<boolean> | undefined;

  const stop = async (): Promise<boolean> => {
    logger.info('shutting down: draining requests');
    health.startDraining();

    // Requests cut by the timeout are logged there but do not make the stop unclean: the
    // operator asked for that bound.
    await drainHttpServer(server, config.shutdownTimeoutMs, logger);
    const hooksClean = await lifecycle.runShutdownHooks(logger);
    const databaseClosed = await closeDatabase(dataSource, logger);

    logger.info('shutdown complete');
    return hooksClean && databaseClosed;
  };

  return {
    url,
    publicBaseUrl: config.publicBaseUrl ?? url,
    dataSource,
    lifecycle,
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
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
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
