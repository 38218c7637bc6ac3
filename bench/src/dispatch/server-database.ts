import Database from 'better-sqlite3';

import type { ScratchDatabase } from '../postgres';

/**
 * Direct SQL on a benchmarked server's database, the same for SQLite and PostgreSQL: write SQL
 * with `$1`, `$2`… placeholders; on SQLite they become `?` (values are then bound in order).
 */
export interface ServerDatabase {
  dialect: 'sqlite' | 'postgres';
  query<T extends object = Record<string, unknown>>(sql: string, values?: unknown[]): Promise<T[]>;
  /** `now()` in the dialect, as the server stores its instants. */
  nowSql: string;
  close(): void;
}

/**
 * A second connection to the server's SQLite file. The server keeps the file in WAL mode, so
 * these reads and the odd write wait for its transactions (busy timeout) rather than fail.
 */
export function sqliteDatabase(file: string): ServerDatabase {
  const db = new Database(file, { timeout: 10_000 });
  return {
    dialect: 'sqlite',
    nowSql: "strftime('%Y-%m-%d %H:%M:%f', 'now')",
    query: <T extends object>(sql: string, values: unknown[] = []) => {
      const statement = db.prepare(sql.replace(/\$\d+/g, '?'));
      const bound = values.map((value) => (typeof value === 'boolean' ? Number(value) : value));
      const rows = statement.reader ? statement.all(...bound) : (statement.run(...bound), []);
      return Promise.resolve(rows as T[]);
    },
    close: () => db.close(),
  };
}

/** {@link ServerDatabase} over a PostgreSQL scratch database (a connection per query). */
export function postgresDatabase(scratch: ScratchDatabase): ServerDatabase {
  return {
    dialect: 'postgres',
    nowSql: 'now()',
    query: (sql, values) => scratch.query(sql, values),
    close: () => undefined,
  };
}

/** `SELECT count(*) …` as a number (PostgreSQL answers bigint counts as strings). */
export async function countOf(
  database: ServerDatabase,
  sql: string,
  values?: unknown[],
): Promise<number> {
  const rows = await database.query<{ count: number | string }>(sql, values);
  return Number(rows[0]?.count ?? 0);
}
