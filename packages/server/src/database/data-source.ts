import 'reflect-metadata';

import { DataSource, type DataSourceOptions } from 'typeorm';

import type { DatabaseConfig, SqliteDatabaseConfig } from '../config/database-url';
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
  return dataSource;
}

function driverOptions(database: DatabaseConfig): DataSourceOptions {
  if (database.kind === 'postgres') {
    return { type: 'postgres', url: database.url, applicationName: 'tessera-server' };
  }
  return sqliteOptions(database);
}

// WAL lets readers proceed while one writer commits; foreign keys are switched on by TypeORM
// for both drivers.
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
  };
}
