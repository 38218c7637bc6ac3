import type { DataSource } from 'typeorm';

/**
 * The SQL TypeORM would run to make the database match the entities, i.e. what a newly
 * generated migration would contain. Empty when migrations and entities agree.
 */
export async function pendingSchemaChanges(dataSource: DataSource): Promise<string[]> {
  const sql = await dataSource.driver.createSchemaBuilder().log();
  return sql.upQueries.map((query) => query.query);
}
