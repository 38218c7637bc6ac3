import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';

import { createScratchDatabase, type ScratchDatabase } from '../postgres';
import { type BenchServer, startServer } from '../server-process';
import {
  postgresTemplate,
  type SeedTemplate,
  seedPostgres,
  seedSqlite,
  sqliteTemplate,
  type Timeline,
} from './seed';

/** Entitlements picked at random over the whole table, for the read workloads. */
export interface StoredSample {
  /** Entitlements in the table. */
  total: number;
  entitlementIds: string[];
  /** Customers that have entitlements (each picked with the weight of its entitlement count). */
  customers: string[];
  /** Creation instants of random entitlements, as ISO 8601. */
  createdAt: string[];
}

/** A database that outlives the server processes started on it, and can be seeded directly. */
export interface GrowthStore {
  /** `SQLite (better-sqlite3)` or `PostgreSQL`. */
  label: string;
  /** Starts a server on the database (migrations and sandbox seed on the first start). */
  start(serverMain: string): Promise<BenchServer>;
  template(entitlementId: string): Promise<SeedTemplate>;
  /** Adds plan rows `from`…`to - 1`; only while no server runs on the database. */
  seed(template: SeedTemplate, timeline: Timeline, from: number, to: number): Promise<void>;
  sample(size: number): Promise<StoredSample>;
  /** Deletes the database. */
  remove(): Promise<void>;
}

const START_TIMEOUT_MS = 60_000;

/** An SQLite file of its own, opened by the server with better-sqlite3 (the default driver). */
export async function sqliteStore(): Promise<GrowthStore> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-bench-growth-'));
  const file = join(dir, 'tessera.sqlite');
  return {
    label: 'SQLite (better-sqlite3)',
    start: (serverMain) =>
      startServer({
        serverMain,
        database: { kind: 'sqlite', driver: 'better-sqlite3' },
        startTimeoutMs: START_TIMEOUT_MS,
        // startServer's own file would be deleted with its process; this one is seeded between
        // the servers started on it.
        env: { DATABASE_URL: `sqlite:${file}` },
      }),
    template: (entitlementId) => Promise.resolve(sqliteTemplate(file, entitlementId)),
    seed: (template, timeline, from, to) => {
      seedSqlite(file, template, timeline, from, to);
      return Promise.resolve();
    },
    sample: (size) => Promise.resolve(sqliteSample(file, size)),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A scratch PostgreSQL database on the benchmark's server. */
export async function postgresStore(adminUrl: string): Promise<GrowthStore> {
  const db = await createScratchDatabase(adminUrl, 'growth');
  return {
    label: 'PostgreSQL',
    start: (serverMain) =>
      startServer({
        serverMain,
        database: { kind: 'postgres', url: db.url },
        startTimeoutMs: START_TIMEOUT_MS,
      }),
    template: (entitlementId) => postgresTemplate(db, entitlementId),
    seed: (template, timeline, from, to) => seedPostgres(db, template, timeline, from, to),
    sample: (size) => postgresSample(db, size),
    remove: () => db.drop(),
  };
}

interface SampleRow {
  id: string;
  customer_identifier: string;
  date_created: string | Date;
}

function sqliteSample(file: string, size: number): StoredSample {
  const db = new Database(file, { readonly: true });
  try {
    const total = db
      .prepare<[], { total: number }>('SELECT count(*) AS total FROM "entitlement"')
      .get()?.total;
    // Rowids run from 1 to the count (nothing is ever deleted), so random rowids are random
    // rows without sorting a million of them.
    const rows = db
      .prepare<[number, number], SampleRow>(
        'SELECT "id", "customer_identifier", "date_created" FROM "entitlement" WHERE rowid IN ' +
          '(SELECT 1 + abs(random()) % ? FROM (WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL ' +
          'SELECT i + 1 FROM k WHERE i < ?) SELECT i FROM k))',
      )
      .all(total ?? 0, size);
    return toSample(total ?? 0, rows);
  } finally {
    db.close();
  }
}

async function postgresSample(db: ScratchDatabase, size: number): Promise<StoredSample> {
  const counted = await db.query<{ total: string }>('SELECT count(*) AS total FROM "entitlement"');
  const rows = await db.query<SampleRow>(
    'SELECT "id", "customer_identifier", "date_created" FROM "entitlement" ' +
      'ORDER BY random() LIMIT $1',
    [size],
  );
  return toSample(Number(counted[0]?.total ?? 0), rows);
}

function toSample(total: number, rows: SampleRow[]): StoredSample {
  return {
    total,
    entitlementIds: rows.map((row) => row.id),
    customers: [...new Set(rows.map((row) => row.customer_identifier))],
    createdAt: rows.map((row) => isoInstant(row.date_created)),
  };
}

// SQLite rows hold TypeORM's UTC text (`2026-12-03 19:27:34.217`); PostgreSQL's are Dates.
function isoInstant(value: string | Date): string {
  return value instanceof Date ? value.toISOString() : `${value.replace(' ', 'T')}Z`;
}
