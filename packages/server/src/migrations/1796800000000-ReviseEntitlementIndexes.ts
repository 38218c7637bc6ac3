import type { MigrationInterface, QueryRunner } from 'typeorm';

/** An index as [name, columns, condition of a partial index]; all on `entitlement`. */
type IndexDefinition = [string, string[], string?];

const ADDED: IndexDefinition[] = [
  // One customer's entitlements in (created, id) order: a reseller's list filtered by
  // customer, the customer search and the create's PENDING re-ask lookup.
  [
    'IDX_entitlement_customer_created',
    ['reseller_id', 'customer_identifier', 'date_created', 'id'],
  ],
  // The create's live-entitlement check per (route, customer, product): it names the route,
  // not the reseller, so no older index serves it and both databases scanned the route's rows.
  ['IDX_entitlement_route_customer', ['route_id', 'customer_identifier', 'product_key', 'status']],
];

/**
 * Replaced: the provisioning index by a partial one (see `PROVISIONING_ROWS`), and dropped two
 * that the added ones make redundant (every write pays for each index).
 */
const REPLACED: { before: IndexDefinition; after?: IndexDefinition }[] = [
  {
    before: ['IDX_entitlement_provisioning', ['provisioning', 'date_created']],
    after: ['IDX_entitlement_provisioning', ['date_created'], '"provisioning" = TRUE'],
  },
  // Its (reseller, customer) prefix is IDX_entitlement_customer_created's.
  { before: ['IDX_entitlement_customer', ['reseller_id', 'customer_identifier', 'product_key']] },
  // A prefix of IDX_entitlement_route_customer.
  { before: ['IDX_entitlement_route', ['route_id']] },
];

/**
 * Keeps the entitlement lookups of creates, lists and pages independent of the table's size
 * (found by `pnpm bench`'s growth part): SQLite has no statistics, and with an index on
 * `(provisioning, date_created)` it answered the create's lookup of a customer's PENDING
 * entitlement by walking every visible row. The same SQL on SQLite and PostgreSQL.
 */
export class ReviseEntitlementIndexes1796800000000 implements MigrationInterface {
  name = 'ReviseEntitlementIndexes1796800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const { before, after } of REPLACED) {
      await queryRunner.query(`DROP INDEX "${before[0]}"`);
      if (after !== undefined) {
        await queryRunner.query(createIndex(after));
      }
    }
    for (const index of ADDED) {
      await queryRunner.query(createIndex(index));
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const [name] of [...ADDED].reverse()) {
      await queryRunner.query(`DROP INDEX "${name}"`);
    }
    for (const { before, after } of [...REPLACED].reverse()) {
      if (after !== undefined) {
        await queryRunner.query(`DROP INDEX "${after[0]}"`);
      }
      await queryRunner.query(createIndex(before));
    }
  }
}

function createIndex([name, columns, condition]: IndexDefinition): string {
  const list = columns.map((column) => `"${column}"`).join(', ');
  const where = condition === undefined ? '' : ` WHERE ${condition}`;
  return `CREATE INDEX "${name}" ON "entitlement" (${list})${where}`;
}
