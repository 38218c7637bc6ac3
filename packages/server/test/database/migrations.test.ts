import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import type { DataSource } from 'typeorm';

import type { DatabaseConfig, SqliteDatabaseConfig } from '../../src/config/database-url';
import { createDataSource, SQLITE_BUSY_TIMEOUT_MS } from '../../src/database/data-source';
import { runMigrations } from '../../src/database/migrate';
import { pendingSchemaChanges } from '../../src/database/schema-drift';
import { Reseller } from '../../src/entities';
import { describeEachDatabase } from '../helpers/databases';
import { createTestLogger } from '../helpers/log-capture';

const run = promisify(execFile);

const CHECK_MIGRATIONS = ['--import', 'tsx', 'src/bin/check-migrations.ts'];

describeEachDatabase('migrations', (db) => {
  let dataSource: DataSource;

  before(async () => {
    dataSource = createDataSource(db.config, createTestLogger('warn').logger);
    await dataSource.initialize();
  });

  after(async () => {
    await dataSource.destroy();
  });

  it('apply to a fresh database', async () => {
    const ran = await runMigrations(dataSource);

    assert.deepEqual(
      ran.map((migration) => migration.name),
      dataSource.migrations.map((migration) => migration.name),
    );
  });

  it('leave nothing for TypeORM to generate', async () => {
    assert.deepEqual(await pendingSchemaChanges(dataSource), []);
  });

  it('do nothing the second time', async () => {
    assert.deepEqual(await runMigrations(dataSource), []);
  });

  it('pass the check-migrations script', async () => {
    const env = { ...process.env, ...databaseEnv(db.config) };
    const { stdout } = await run(process.execPath, CHECK_MIGRATIONS, { env });

    assert.match(stdout, /^Migrations match the entities/);
  });

  it('store instants losslessly through the portable datetime type', async () => {
    const resellers = dataSource.getRepository(Reseller);
    const instant = new Date('2026-03-29T01:30:00.123Z');

    await resellers.insert({
      id: '00000000-0000-4000-8000-000000000001',
      resellerKey: 'PROBE',
      name: 'Probe',
      sandbox: false,
      defaultNotificationUrl: null,
      notificationAuth: { type: 'NONE' },
      signingSecret: 'whsec_probe',
      createdAt: instant,
    });
    const stored = await resellers.findOneBy({ resellerKey: 'PROBE' });

    assert.equal(stored?.createdAt.toISOString(), instant.toISOString());
  });
});

describeEachDatabase('data source settings', (db) => {
  let dataSource: DataSource;

  before(async () => {
    dataSource = createDataSource(db.config, createTestLogger('warn').logger);
    await dataSource.initialize();
    await runMigrations(dataSource);
  });

  after(async () => {
    await dataSource.destroy();
  });

  if (db.kind === 'sqlite') {
    it('uses WAL, a busy timeout and foreign keys', async () => {
      const pragma = async (name: string) =>
        Object.values((await dataSource.query(`PRAGMA ${name}`))[0] as object)[0] as unknown;

      assert.equal(await pragma('journal_mode'), 'wal');
      assert.equal(await pragma('busy_timeout'), SQLITE_BUSY_TIMEOUT_MS);
      assert.equal(await pragma('foreign_keys'), 1);
    });

    it('flushes commits fully unless told synchronous = normal', async () => {
      const synchronous = async (source: DataSource) =>
        Object.values((await source.query('PRAGMA synchronous'))[0] as object)[0] as unknown;
      // SQLite's numbers: 1 is NORMAL, 2 is FULL.
      assert.equal(await synchronous(dataSource), 2);

      const config = { ...(db.config as SqliteDatabaseConfig), synchronous: 'normal' as const };
      const normal = createDataSource(config, createTestLogger('warn').logger);
      await normal.initialize();
      try {
        assert.equal(await synchronous(normal), 1);
      } finally {
        await normal.destroy();
      }
    });
  }

  if (db.kind === 'postgres') {
    it('maps instants to timestamptz', async () => {
      const [column] = (await dataSource.query(
        `SELECT data_type FROM information_schema.columns
         WHERE table_name = 'entitlement' AND column_name = 'date_created'`,
      )) as { data_type: string }[];

      assert.equal(column?.data_type, 'timestamp with time zone');
    });
  }
});

function databaseEnv(database: DatabaseConfig): Record<string, string> {
  return database.kind === 'postgres'
    ? { DATABASE_URL: database.url }
    : { DATABASE_URL: `sqlite:${database.path}`, SQLITE_DRIVER: database.driver };
}
