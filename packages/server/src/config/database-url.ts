/** The SQLite driver packages the server can run on. */
export const SQLITE_DRIVERS = ['better-sqlite3', 'sqlite3'] as const;

/** One of {@link SQLITE_DRIVERS}. */
export type SqliteDriver = (typeof SQLITE_DRIVERS)[number];

/** Values of SQLite's `synchronous` pragma the server accepts (`SQLITE_SYNCHRONOUS`). */
export const SQLITE_SYNCHRONOUS_MODES = ['full', 'normal'] as const;

/**
 * How hard SQLite flushes commits in WAL mode. `full`: an acknowledged commit survives a power
 * cut. `normal`: it survives a crash of the process, but the last commits before a power cut
 * or an operating-system crash may be lost (the database stays consistent); commits are cheaper.
 */
export type SqliteSynchronous = (typeof SQLITE_SYNCHRONOUS_MODES)[number];

/** Where the embedded database lives when `DATABASE_URL` is not set. */
export const DEFAULT_SQLITE_PATH = './data/tessera.sqlite';

/** An embedded SQLite database file (or `:memory:`). */
export interface SqliteDatabaseConfig {
  kind: 'sqlite';
  driver: SqliteDriver;
  path: string;
  /** Unset means `full`. */
  synchronous?: SqliteSynchronous;
}

/** A PostgreSQL server, shared by every instance of the server. */
export interface PostgresDatabaseConfig {
  kind: 'postgres';
  url: string;
}

/** The database the server stores its state in. */
export type DatabaseConfig = SqliteDatabaseConfig | PostgresDatabaseConfig;

/**
 * Reads `DATABASE_URL`: unset means the default SQLite file, `sqlite:<path>` (or
 * `sqlite://<path>`) an SQLite file, `postgres://…` or `postgresql://…` a PostgreSQL server.
 *
 * @throws Error with a message fit for a configuration report when the URL is unusable.
 */
export function parseDatabaseUrl(url: string | undefined, driver: SqliteDriver): DatabaseConfig {
  if (url === undefined) {
    return { kind: 'sqlite', driver, path: DEFAULT_SQLITE_PATH };
  }

  if (url.startsWith('sqlite:')) {
    return { kind: 'sqlite', driver, path: sqlitePath(url) };
  }

  if (/^postgres(ql)?:\/\//.test(url)) {
    assertParsable(url);
    return { kind: 'postgres', url };
  }

  throw new Error('must start with sqlite:, postgres:// or postgresql://');
}

/**
 * Describes a database for logs: the SQLite path, or the PostgreSQL URL without its password.
 */
export function describeDatabase(database: DatabaseConfig): string {
  if (database.kind === 'sqlite') {
    return `sqlite (${database.driver}) ${database.path}`;
  }

  return `postgres ${redactPassword(database.url)}`;
}

/** `url` with its password, if any, replaced by `***`, for logs and messages. */
export function redactPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) {
    parsed.password = '***';
  }
  return parsed.toString();
}

function sqlitePath(url: string): string {
  // `sqlite:///abs/file` and `sqlite://rel/file` are common spellings of `sqlite:/abs/file`.
  const rest = url.slice('sqlite:'.length);
  const path = rest.startsWith('//') ? rest.slice(2) : rest;

  if (path === '') {
    throw new Error('names no SQLite file (e.g. sqlite:./data/tessera.sqlite)');
  }
  return path;
}

function assertParsable(url: string): void {
  try {
    new URL(url);
  } catch {
    throw new Error('is not a valid PostgreSQL connection URL');
  }
}
