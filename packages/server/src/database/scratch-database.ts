import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Client } from 'pg';

import type { DatabaseConfig } from '../config/database-url';

/** A throwaway, empty database, for tests and schema checks. */
export interface ScratchDatabase {
  config: DatabaseConfig;
  /** Deletes the database and everything in it. */
  drop(): Promise<void>;
}

/**
 * Creates an empty database of the same kind as `like`: an SQLite file in a new temporary
 * directory, or a uniquely named database (`<prefix>_<pid>_<random>`) on the PostgreSQL
 * server `like` points at. The PostgreSQL role needs the CREATEDB privilege.
 */
export async function createScratchDatabase(
  like: DatabaseConfig,
  prefix: string,
): Promise<ScratchDatabase> {
  if (!/^[a-z][a-z0-9_]*$/.test(prefix)) {
    throw new Error(`Scratch database prefix must be a lowercase identifier, got "${prefix}"`);
  }

  if (like.kind === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), `${prefix}-`));
    return {
      config: { ...like, path: join(dir, 'tessera.sqlite') },
      drop: () => rm(dir, { recursive: true, force: true }),
    };
  }

  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await onServer(like.url, `CREATE DATABASE "${name}"`);
  return {
    config: { kind: 'postgres', url: withDatabaseName(like.url, name) },
    drop: () => onServer(like.url, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

async function onServer(url: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function withDatabaseName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}
