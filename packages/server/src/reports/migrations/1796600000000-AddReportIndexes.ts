import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The indexes the reports page and aggregate through, as [name, table, columns]. */
const INDEXES: [string, string, string[]][] = [
  // Events of a period, in (occurred at, id) order: ER and CR pages, the summary's activity.
  ['IDX_entitlement_event_occurred', 'entitlement_event', ['occurred_at', 'id']],
  // Entitlements in (created, id) order without a reseller or merchant filter: AR pages.
  ['IDX_entitlement_created', 'entitlement', ['date_created', 'id']],
];

/** Adds the indexes of the reports (issue: reporting); the same SQL on SQLite and PostgreSQL. */
export class AddReportIndexes1796600000000 implements MigrationInterface {
  name = 'AddReportIndexes1796600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const [name, table, columns] of INDEXES) {
      const list = columns.map((column) => `"${column}"`).join(', ');
      await queryRunner.query(`CREATE INDEX "${name}" ON "${table}" (${list})`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const [name] of [...INDEXES].reverse()) {
      await queryRunner.query(`DROP INDEX "${name}"`);
    }
  }
}
