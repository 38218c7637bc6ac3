import type { DataSource, QueryRunner } from 'typeorm';

/** The SQL dialects the server supports; both SQLite drivers speak `sqlite`. */
export type Dialect = 'sqlite' | 'postgres';

/** The dialect of a data source or of the connection a migration runs on. */
export function dialectOf(source: DataSource | QueryRunner): Dialect {
  const dataSource = 'connection' in source ? source.connection : source;
  return dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
}
