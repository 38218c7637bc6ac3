import { join } from 'node:path';

import Database from 'better-sqlite3';

import { createScratchDatabase, type ScratchDatabase } from '../postgres';
import { type BenchServer, startServer } from '../server-process';
import { BENCH_SERVER_ENV } from '../tessera-api';
import {
  postgresTemplate,
  type SeedTemplate,
  seedPostgres,
  seedSqlite,
  sqliteTemplate,
  type Timeline,
} from './seed';
import { makeTempDir, removeTempDir } from '../leftovers';

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
  /** Entitlements in the table. */
  count(): Promise<number>;
  /** Entitlements whose create is still at the merchant (hidden from reads); may run live. */
  provisioning(): Promise<number>;
  sample(size: number): Promise<StoredSample>;
  /** Deletes the database. */
  remove(): Promise<void>;
}

const START_TIMEOUT_MS = 60_000;

/** An SQLite file of its own, opened by the server with better-sqlite3 (the default driver). */
export async function sqliteStore(): Promise<GrowthStore> {
  const dir = await makeTempDir('growth');
  const file = join(dir, 'tessera.sqlite');
  return {
    label: 'SQLite (better-sqlite3)',
    start: (serverMain) =>
      startServer({
        serverMain,
        database: { kind: 'sqlite', driver: 'better-sqlite3' },
        startTimeoutMs: START_TIMEOUT_MS,
        // startServer's own file would be deleted with its process; this one is seeded between
        // the servers started on it. The admin token is for registering the bench merchant.
        env: { ...BENCH_SERVER_ENV, DATABASE_URL: `sqlite:${file}` },
      }),
    template: (entitlementId) => Promise.resolve(sqliteTemplate(file, entitlementId)),
    seed: (template, timeline, from, to) => {
      seedSqlite(file, template, timeline, from, to);
      return Promise.resolve();
    },
    count: () => Promise.resolve(sqliteCount(file)),
    provisioning: () => Promise.resolve(sqliteCount(file, PROVISIONING)),
    sample: (size) => Promise.resolve(sqliteSample(file, size)),
    remove: () => removeTempDir(dir),
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
        env: BENCH_SERVER_ENV,
      }),
    template: (entitlementId) => postgresTemplate(db, entitlementId),
    seed: (template, timeline, from, to) => seedPostgres(db, template, timeline, from, to),
    count: () => postgresCount(db),
    provisioning: () => postgresCount(db, PROVISIONING),
    sample: (size) => postgresSample(db, size),
    remove: () => db.drop(),
  };
}

interface SampleRow {
  id: string;
  customer_identifier: string;
  date_created: string | Date;
}

// A create in flight has its row, hidden from reads until the merchant has answered. The
// column is a boolean on PostgreSQL and 0 or 1 on SQLite: NOT works on both.
const PROVISIONING = '"provisioning"';
const VISIBLE = 'NOT "provisioning"';

function sqliteCount(file: string, where?: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return countOf(db, where);
  } finally {
    db.close();
  }
}

function countOf(db: Database.Database, where?: string): number {
  const sql = `SELECT count(*) AS total FROM "entitlement"${where ? ` WHERE ${where}` : ''}`;
  return db.prepare<[], { total: number }>(sql).get()?.total ?? 0;
}

function sqliteSample(file: string, size: number): StoredSample {
  const db = new Database(file, { readonly: true });
  try {
    const total = countOf(db);
    // Rowids run from 1 to the count (nothing is ever deleted), so random rowids are random
    // rows without sorting a million of them. Rows still provisioning would answer 404.
    const rows = db
      .prepare<[number, number], SampleRow>(
        'SELECT "id", "customer_identifier", "date_created" FROM "entitlement" WHERE rowid IN ' +
          '(SELECT 1 + abs(random()) % ? FROM (WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL ' +
          `SELECT i + 1 FROM k WHERE i < ?) SELECT i FROM k)) AND ${VISIBLE}`,
      )
      .all(total, size);
    return toSample(total, rows);
  } finally {
    db.close();
  }
}

async function postgresCount(db: ScratchDatabase, where?: string): Promise<number> {
  const counted = await db.query<{ total: string }>(
    `SELECT count(*) AS total FROM "entitlement"${where ? ` WHERE ${where}` : ''}`,
  );
  return Number(counted[0]?.total ?? 0);
}

async function postgresSample(db: ScratchDatabase, size: number): Promise<StoredSample> {
  const total = await postgresCount(db);
  const rows = await db.query<SampleRow>(
    `SELECT "id", "customer_identifier", "date_created" FROM "entitlement" WHERE ${VISIBLE} ` +
      'ORDER BY random() LIMIT $1',
    [size],
  );
  return toSample(total, rows);
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
