import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The indexes, as [name, table, columns]. */
const INDEXES: [string, string, string[]][] = [
  // One customer's entitlements in (created, id) order: a reseller's list filtered by
  // customer, the customer search and the create's PENDING re-ask lookup. Without it SQLite
  // (which has no statistics) walks IDX_entitlement_reseller_created, i.e. every entitlement
  // of the reseller, to avoid sorting the customer's two or three rows.
  [
    'IDX_entitlement_customer_created',
    'entitlement',
    ['reseller_id', 'customer_identifier', 'date_created', 'id'],
  ],
  // The create's live-entitlement check per (route, customer, product): it names the route,
  // not the reseller, so IDX_entitlement_customer does not serve it and both databases scan
  // every entitlement of the route.
  [
    'IDX_entitlement_route_customer',
    'entitlement',
    ['route_id', 'customer_identifier', 'product_key', 'status'],
  ],
];

/**
 * Adds the entitlement indexes that keep customer lookups independent of the table's size
 * (issue #8, growth benchmark); the same SQL on SQLite and PostgreSQL.
 */
export class AddEntitlementLookupIndexes1796800000000 implements MigrationInterface {
  name = 'AddEntitlementLookupIndexes1796800000000';

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
