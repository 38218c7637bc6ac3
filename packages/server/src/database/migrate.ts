import type { DataSource, Migration } from 'typeorm';

import { dialectOf } from './dialect';

// Any constant works as long as nothing else in the database takes the same advisory lock.
const MIGRATION_LOCK_KEY = 0x7e55e4a;

/**
 * Applies pending migrations, each in its own transaction, and returns those it ran.
 * On PostgreSQL, instances starting together share one database, so they take turns through
 * an advisory lock and the later ones find nothing left to do.
 */
export async function runMigrations(dataSource: DataSource): Promise<Migration[]> {
  const migrate = () => dataSource.runMigrations({ transaction: 'each' });

  if (dialectOf(dataSource) !== 'postgres') {
    return migrate();
  }
  return withAdvisoryLock(dataSource, MIGRATION_LOCK_KEY, migrate);
}

async function withAdvisoryLock<T>(
  dataSource: DataSource,
  key: number,
  fn: () => Promise<T>,
): Promise<T> {
  // The lock belongs to a session, so it is taken and released on one dedicated connection.
  const runner = dataSource.createQueryRunner();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [key]);
    try {
      return await fn();
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [key]);
    }
  } finally {
    await runner.release();
  }
}
