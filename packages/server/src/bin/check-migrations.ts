/**
 * Fails (exit 1, printing the SQL) when the entities and the migrations disagree, i.e. when
 * TypeORM would generate a migration on a database that has every migration applied.
 *
 * Usage: `check-migrations` checks a throwaway SQLite file. With `DATABASE_URL` set to a
 * PostgreSQL server, it checks a throwaway database created on that server.
 */
import { loadConfig } from '../config/config';
import type { DatabaseConfig } from '../config/database-url';
import { createDataSource } from '../database/data-source';
import { runMigrations } from '../database/migrate';
import { createScratchDatabase } from '../database/scratch-database';
import { pendingSchemaChanges } from '../database/schema-drift';
import { createLogger } from '../logging/logger';

/** Applies every migration to a fresh copy of `like` and returns the SQL still missing. */
export async function checkMigrations(like: DatabaseConfig): Promise<string[]> {
  const scratch = await createScratchDatabase(like, 'tessera_check');
  const dataSource = createDataSource(scratch.config, createLogger('warn'));

  try {
    await dataSource.initialize();
    await runMigrations(dataSource);
    return await pendingSchemaChanges(dataSource);
  } finally {
    if (dataSource.isInitialized) {
      await dataSource.destroy();
    }
    await scratch.drop();
  }
}

async function main(): Promise<void> {
  const { database } = loadConfig();
  const pending = await checkMigrations(database);

  if (pending.length === 0) {
    process.stdout.write(`Migrations match the entities (${database.kind}).\n`);
    return;
  }

  process.stderr.write(
    `Entities and migrations disagree on ${database.kind}; a new migration needs:\n` +
      pending.map((sql) => `  ${sql};`).join('\n') +
      '\n',
  );
  process.exitCode = 1;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  });
}
