import { randomBytes } from 'node:crypto';

import { Client } from 'pg';

import { forget, remember } from './leftovers';

/**
 * The PostgreSQL server the benchmark makes its scratch databases on: `BENCH_POSTGRES_URL`, or
 * the libpq variables (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`), or postgres@127.0.0.1:5432.
 * Only a loopback server is accepted: the benchmark loads what it connects to.
 */
export function postgresAdminUrl(env: NodeJS.ProcessEnv = process.env): string {
  const url = new URL(env.BENCH_POSTGRES_URL ?? 'postgres://localhost');
  if (env.BENCH_POSTGRES_URL === undefined) {
    url.hostname = env.PGHOST ?? '127.0.0.1';
    url.port = env.PGPORT ?? '5432';
    url.username = env.PGUSER ?? 'postgres';
    url.password = env.PGPASSWORD ?? '';
    url.pathname = `/${env.PGDATABASE ?? 'postgres'}`;
  }
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    throw new Error(`BENCH_POSTGRES_URL must point at loopback, not ${url.hostname}`);
  }
  return url.toString();
}

/** A database made for one part of the benchmark, dropped afterwards. */
export interface ScratchDatabase {
  /** Connection string for the server (`DATABASE_URL`) and for direct queries. */
  url: string;
  name: string;
  /** Runs SQL on the database (a new connection per call; for setup and checks). */
  query<T extends object = Record<string, unknown>>(sql: string, values?: unknown[]): Promise<T[]>;
  /** Drops the database, ending any connection still open to it. */
  drop(): Promise<void>;
}

/** The server's version (`SHOW server_version`), or why PostgreSQL cannot be used. */
export async function postgresVersion(
  adminUrl: string,
): Promise<{ version: string } | { problem: string }> {
  const client = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    const rows = (await client.query<{ server_version: string }>('SHOW server_version')).rows;
    return { version: rows[0]?.server_version ?? 'unknown' };
  } catch (error) {
    return { problem: (error as Error).message || String(error) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Creates an empty database named `tessera_bench_<purpose>_<random>`. */
export async function createScratchDatabase(
  adminUrl: string,
  purpose: string,
): Promise<ScratchDatabase> {
  const name = `tessera_bench_${purpose}_${randomBytes(4).toString('hex')}`;
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE "${name}"`));

  const drop = async () => {
    await withClient(adminUrl, (client) =>
      client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
    );
    forget(name);
  };
  remember(name, drop);

  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    query: (sql, values) =>
      withClient(url.toString(), async (client) => (await client.query(sql, values)).rows),
    drop,
  };
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
