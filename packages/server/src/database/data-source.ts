import 'reflect-metadata';

import { DataSource, type DataSourceOptions } from 'typeorm';

import type {
  DatabaseConfig,
  SqliteDatabaseConfig,
  SqliteSynchronous,
} from '../config/database-url';
import { ENTITIES } from '../entities';
import type { Logger } from '../logging/logger';
import { TypeOrmLogger } from '../logging/typeorm-logger';
import { MIGRATIONS } from '../migrations';
import { enablePortableTypes } from './portable-types';

/** How long SQLite waits for another writer's lock before failing with SQLITE_BUSY. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

/** Queries slower than this are logged as warnings. */
const SLOW_QUERY_MS = 500;

/**
 * Creates (but does not connect) the data source for `database`. The schema only ever changes
 * through migrations: `synchronize` is off and {@link runMigrations} applies them.
 */
export function createDataSource(database: DatabaseConfig, logger: Logger): DataSource {
  const common = {
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    logger: new TypeOrmLogger(logger),
    maxQueryExecutionTime: SLOW_QUERY_MS,
  } as const;

  const dataSource = new DataSource({ ...common, ...driverOptions(database) });
  enablePortableTypes(dataSource);
  if (database.kind === 'sqlite' && database.driver === 'sqlite3') {
    setSynchronousAfterConnect(dataSource, synchronousOf(database));
  }
  return dataSource;
}

function driverOptions(database: DatabaseConfig): DataSourceOptions {
  if (database.kind === 'postgres') {
    return { type: 'postgres', url: database.url, applicationName: 'tessera-server' };
  }
  return sqliteOptions(database);
}

function synchronousOf(database: SqliteDatabaseConfig): SqliteSynchronous {
  return database.synchronous ?? 'full';
}

/**
 * TypeORM's sqlite3 driver has no hook like better-sqlite3's `prepareDatabase`, but it keeps a
 * single connection, opened by `initialize`: setting the pragma right after covers every query.
 */
function setSynchronousAfterConnect(dataSource: DataSource, mode: SqliteSynchronous): void {
  const initialize = dataSource.initialize.bind(dataSource);
  dataSource.initialize = async () => {
    await initialize();
    await dataSource.query(`PRAGMA synchronous = ${mode.toUpperCase()}`);
    return dataSource;
  };
}

// WAL lets readers proceed while one writer commits; foreign keys are switched on by TypeORM
// for both drivers. `synchronous` is a per-connection setting, so it is set on connect.
function sqliteOptions(database: SqliteDatabaseConfig): DataSourceOptions {
  if (database.driver === 'sqlite3') {
    return {
      type: 'sqlite',
      database: database.path,
      enableWAL: true,
      busyTimeout: SQLITE_BUSY_TIMEOUT_MS,
    };
  }

  return {
    type: 'better-sqlite3',
    database: database.path,
    enableWAL: true,
    timeout: SQLITE_BUSY_TIMEOUT_MS,
    prepareDatabase: (db: { pragma(source: string): unknown }) => {
      db.pragma(`synchronous = ${synchronousOf(database).toUpperCase()}`);
    },
  };
}
