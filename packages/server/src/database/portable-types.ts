import type { DataSource } from 'typeorm';

/**
 * The column type entities use for instants on every database. TypeORM's SQLite drivers store
 * `datetime` as UTC text; {@link enablePortableTypes} makes it TIMESTAMPTZ on PostgreSQL.
 */
export const INSTANT = 'datetime';

const POSTGRES_INSTANT = 'timestamp with time zone';

/**
 * Teaches the PostgreSQL driver the {@link INSTANT} alias. Entity decorators run once per
 * process, yet one process (the test suite) talks to SQLite and PostgreSQL, so the type cannot
 * be picked per database at decoration time. TypeORM's own portable choice, `Date`, maps to
 * `timestamp without time zone` on PostgreSQL, which silently depends on the process time zone.
 *
 * Values need no conversion: TypeORM passes Dates through for unknown types and `pg` reads
 * TIMESTAMPTZ back as Dates. Call before `initialize()`; TypeORM is pinned to 0.3.x, whose
 * driver fields this relies on.
 */
export function enablePortableTypes(dataSource: DataSource): void {
  const driver = dataSource.driver;
  if (dataSource.options.type !== 'postgres') {
    return;
  }

  driver.supportedDataTypes.push(INSTANT);
  const normalizeType = driver.normalizeType.bind(driver);
  driver.normalizeType = (column) =>
    column.type === INSTANT ? POSTGRES_INSTANT : normalizeType(column);
}
