import { Client } from 'pg';

import { type DatabaseConfig, redactPassword } from '../../src/config/database-url';
import { createScratchDatabase, type ScratchDatabase } from '../../src/database/scratch-database';

/**
 * Server the PostgreSQL suites create their throwaway databases on: `TESSERA_TEST_POSTGRES_URL`,
 * else the usual libpq variables (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`),
 * else `postgres@127.0.0.1:5432/postgres`.
 */
export const TEST_POSTGRES_URL = process.env.TESSERA_TEST_POSTGRES_URL ?? postgresUrlFromEnv();

const REQUIRE_POSTGRES = process.env.TESSERA_REQUIRE_POSTGRES === '1';

/** A database kind the suites run on; `like` names the engine, not a real database. */
export interface DatabaseTarget {
  name: string;
  like: DatabaseConfig;
}

/** Every database the server supports: SQLite through both drivers, and PostgreSQL. */
export const DATABASE_TARGETS: readonly DatabaseTarget[] = [
  { name: 'sqlite/better-sqlite3', like: { kind: 'sqlite', driver: 'better-sqlite3', path: '' } },
  { name: 'sqlite/sqlite3', like: { kind: 'sqlite', driver: 'sqlite3', path: '' } },
  { name: 'postgres', like: { kind: 'postgres', url: TEST_POSTGRES_URL } },
];

/** A fresh, empty database for one suite; `config` is valid from `before` until `after`. */
export class TestDatabase {
  private scratch: ScratchDatabase | undefined;

  constructor(readonly target: DatabaseTarget) {}

  get config(): DatabaseConfig {
    if (this.scratch === undefined) {
      throw new Error('The test database is only available inside tests and hooks');
    }
    return this.scratch.config;
  }

  get kind(): DatabaseConfig['kind'] {
    return this.target.like.kind;
  }

  /** Creates the database, or skips the suite when PostgreSQL is not there (see README). */
  async create(context: Mocha.Context): Promise<void> {
    if (this.target.like.kind === 'postgres') {
      await requirePostgres(context);
    }
    this.scratch = await createScratchDatabase(this.target.like, 'tessera_test');
  }

  async drop(): Promise<void> {
    await this.scratch?.drop();
    this.scratch = undefined;
  }
}

/**
 * Declares `suite` once per {@link DATABASE_TARGETS} entry, each on its own fresh database that
 * is dropped afterwards. The suite sits one level below the database's hooks so that, when
 * PostgreSQL is skipped, none of the suite's own hooks run against a missing database.
 */
export function describeEachDatabase(title: string, suite: (db: TestDatabase) => void): void {
  for (const target of DATABASE_TARGETS) {
    describe(target.name, function () {
      const db = new TestDatabase(target);

      before(async function () {
        await db.create(this);
      });

      after(async () => {
        await db.drop();
      });

      describe(title, () => suite(db));
    });
  }
}

/** Creates a fresh SQLite (better-sqlite3) database for suites that test HTTP behaviour only. */
export function describeWithSqlite(title: string, suite: (db: TestDatabase) => void): void {
  describe(title, function () {
    const db = new TestDatabase(DATABASE_TARGETS[0]!);

    before(async function () {
      await db.create(this);
    });

    after(async () => {
      await db.drop();
    });

    suite(db);
  });
}

let postgresProbe: Promise<string | undefined> | undefined;
let skipReported = false;

async function requirePostgres(context: Mocha.Context): Promise<void> {
  postgresProbe ??= probePostgres();
  const failure = await postgresProbe;
  if (failure === undefined) {
    return;
  }

  const where = redactPassword(TEST_POSTGRES_URL);
  const message = `PostgreSQL is not reachable at ${where} (${failure})`;
  if (REQUIRE_POSTGRES) {
    throw new Error(`${message}, and TESSERA_REQUIRE_POSTGRES=1 requires it.`);
  }

  if (!skipReported) {
    skipReported = true;
    console.warn(
      `\n  ${message}: skipping PostgreSQL suites. ` +
        'Set TESSERA_REQUIRE_POSTGRES=1 to fail instead.\n',
    );
  }
  context.skip();
}

async function probePostgres(): Promise<string | undefined> {
  const client = new Client({ connectionString: TEST_POSTGRES_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return (error as Error).message || String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function postgresUrlFromEnv(): string {
  const env = process.env;
  const url = new URL('postgres://localhost');

  const host = env.PGHOST ?? '127.0.0.1';
  if (host.startsWith('/')) {
    url.searchParams.set('host', host); // a Unix socket directory
  } else {
    url.hostname = host;
  }
  url.port = env.PGPORT ?? '5432';
  url.username = env.PGUSER ?? 'postgres';
  url.password = env.PGPASSWORD ?? '';
  url.pathname = `/${env.PGDATABASE ?? 'postgres'}`;
  return url.toString();
}
