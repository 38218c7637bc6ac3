import type { MigrationInterface, QueryRunner } from 'typeorm';

import { type Dialect, dialectOf } from '../database/dialect';

/** SQL that differs between the dialects. */
interface Sql {
  instant: string;
  /** A foreign key: inline in SQLite's CREATE TABLE, added afterwards on PostgreSQL. */
  fk(name: string, column: string, table: string): string;
}

const SQL: Record<Dialect, Sql> = {
  sqlite: {
    instant: 'datetime',
    fk: (name, column, table) =>
      `, CONSTRAINT "${name}" FOREIGN KEY ("${column}") REFERENCES "${table}" ("id") ` +
      'ON DELETE NO ACTION ON UPDATE NO ACTION',
  },
  postgres: { instant: 'timestamptz', fk: () => '' },
};

/** Foreign keys, as [constraint, table, column, referenced table]. */
const FOREIGN_KEYS: [string, string, string, string][] = [
  ['FK_product_merchant', 'product', 'merchant_id', 'merchant'],
  ['FK_route_reseller', 'route', 'reseller_id', 'reseller'],
  ['FK_route_merchant', 'route', 'merchant_id', 'merchant'],
  ['FK_credential_reseller', 'credential', 'reseller_id', 'reseller'],
  ['FK_credential_merchant', 'credential', 'merchant_id', 'merchant'],
  ['FK_shared_customer_route', 'shared_customer', 'route_id', 'route'],
  ['FK_entitlement_reseller', 'entitlement', 'reseller_id', 'reseller'],
  ['FK_entitlement_merchant', 'entitlement', 'merchant_id', 'merchant'],
  ['FK_entitlement_route', 'entitlement', 'route_id', 'route'],
  ['FK_entitlement_event_reseller', 'entitlement_event', 'reseller_id', 'reseller'],
  ['FK_entitlement_event_entitlement', 'entitlement_event', 'entitlement_id', 'entitlement'],
];

const INDEXES: [string, string, string[]][] = [
  ['IDX_product_merchant', 'product', ['merchant_id']],
  ['IDX_route_merchant', 'route', ['merchant_id']],
  ['IDX_credential_reseller', 'credential', ['reseller_id']],
  ['IDX_credential_merchant', 'credential', ['merchant_id']],
  ['IDX_entitlement_route', 'entitlement', ['route_id']],
  ['IDX_entitlement_expiry', 'entitlement', ['date_expiry']],
  ['IDX_entitlement_provisioning', 'entitlement', ['provisioning', 'date_created']],
  ['IDX_entitlement_status_ended', 'entitlement', ['status', 'date_ended']],
  ['IDX_entitlement_merchant_meid', 'entitlement', ['merchant_id', 'merchant_entitlement_id']],
  ['IDX_entitlement_merchant_created', 'entitlement', ['merchant_id', 'date_created', 'id']],
  ['IDX_entitlement_reseller_created', 'entitlement', ['reseller_id', 'date_created', 'id']],
  [
    'IDX_entitlement_customer',
    'entitlement',
    ['reseller_id', 'customer_identifier', 'product_key'],
  ],
  ['IDX_entitlement_event_entitlement', 'entitlement_event', ['entitlement_id', 'version']],
];

/**
 * Creates the catalogue (resellers, merchants, products, routes, credentials, shared customer
 * ids) and the entitlements with their events. Replaces the placeholder `kv_setting` table,
 * which no release ever shipped.
 */
export class CreateCatalogueAndEntitlements1796260000000 implements MigrationInterface {
  name = 'CreateCatalogueAndEntitlements1796260000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const dialect = dialectOf(queryRunner);
    for (const sql of createTables(SQL[dialect])) {
      await queryRunner.query(sql);
    }
    for (const [name, table, columns] of INDEXES) {
      const list = columns.map((column) => `"${column}"`).join(', ');
      await queryRunner.query(`CREATE INDEX "${name}" ON "${table}" (${list})`);
    }
    if (dialect === 'postgres') {
      await addPostgresForeignKeys(queryRunner);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const tables = ['entitlement_event', 'entitlement', 'shared_customer', 'credential'];
    for (const table of [...tables, 'route', 'product', 'merchant', 'reseller']) {
      await queryRunner.query(`DROP TABLE "${table}"`);
    }
  }
}

async function addPostgresForeignKeys(queryRunner: QueryRunner): Promise<void> {
  for (const [name, table, column, referenced] of FOREIGN_KEYS) {
    await queryRunner.query(
      `ALTER TABLE "${table}" ADD CONSTRAINT "${name}" FOREIGN KEY ("${column}") ` +
        `REFERENCES "${referenced}"("id") ON DELETE NO ACTION ON UPDATE NO ACTION`,
    );
  }
}

function foreignKeysOf(sql: Sql, table: string): string {
  return FOREIGN_KEYS.filter(([, owner]) => owner === table)
    .map(([name, , column, referenced]) => sql.fk(name, column, referenced))
    .join('');
}

function createTables(sql: Sql): string[] {
  const t = sql.instant;
  const table = (name: string, body: string) =>
    `CREATE TABLE "${name}" (${body}${foreignKeysOf(sql, name)})`;

  return [
    table(
      'reseller',
      `"id" varchar(36) NOT NULL, "reseller_key" varchar(50) NOT NULL,
      "name" varchar(200) NOT NULL, "sandbox" boolean NOT NULL,
      "default_notification_url" varchar(2000), "notification_auth" text NOT NULL,
      "signing_secret" varchar(100) NOT NULL, "previous_signing_secret" varchar(100),
      "previous_secret_valid_until" ${t}, "clock_offset_ms" bigint NOT NULL DEFAULT 0,
      "last_event_sequence" bigint NOT NULL DEFAULT 0, "created_at" ${t} NOT NULL,
      CONSTRAINT "UQ_reseller_key" UNIQUE ("reseller_key"),
      CONSTRAINT "PK_reseller" PRIMARY KEY ("id")`,
    ),
    table(
      'merchant',
      `"id" varchar(36) NOT NULL, "merchant_account_key" varchar(50) NOT NULL,
      "name" varchar(200) NOT NULL, "sandbox" boolean NOT NULL, "callback_urls" text NOT NULL,
      "callback_auth" text NOT NULL, "callback_timeout_ms" integer NOT NULL,
      "created_at" ${t} NOT NULL,
      CONSTRAINT "UQ_merchant_account_key" UNIQUE ("merchant_account_key"),
      CONSTRAINT "PK_merchant" PRIMARY KEY ("id")`,
    ),
    table(
      'product',
      `"id" varchar(36) NOT NULL, "product_key" varchar(50) NOT NULL,
      "merchant_id" varchar(36) NOT NULL, "name" varchar(200) NOT NULL,
      "created_at" ${t} NOT NULL,
      CONSTRAINT "UQ_product_key" UNIQUE ("product_key"),
      CONSTRAINT "PK_product" PRIMARY KEY ("id")`,
    ),
    table(
      'route',
      `"id" varchar(36) NOT NULL, "reseller_id" varchar(36) NOT NULL,
      "merchant_id" varchar(36) NOT NULL, "product_keys" text NOT NULL,
      "max_live_per_customer" integer NOT NULL DEFAULT 1,
      "share_customer_identifier" boolean NOT NULL, "route_extension_data" text NOT NULL,
      "supported_operations" text NOT NULL, "created_at" ${t} NOT NULL,
      CONSTRAINT "UQ_route_reseller_merchant" UNIQUE ("reseller_id", "merchant_id"),
      CONSTRAINT "PK_route" PRIMARY KEY ("id")`,
    ),
    table(
      'credential',
      `"id" varchar(36) NOT NULL, "owner_type" varchar(10) NOT NULL,
      "reseller_id" varchar(36), "merchant_id" varchar(36), "username" varchar(100) NOT NULL,
      "secret_hash" varchar(255) NOT NULL, "allowed_ips" text NOT NULL,
      "created_at" ${t} NOT NULL, "revoked_at" ${t},
      CONSTRAINT "UQ_credential_username" UNIQUE ("username"),
      CONSTRAINT "PK_credential" PRIMARY KEY ("id")`,
    ),
    table(
      'shared_customer',
      `"route_id" varchar(36) NOT NULL, "customer_identifier" varchar(255) NOT NULL,
      "shared_customer_id" varchar(40) NOT NULL, "created_at" ${t} NOT NULL,
      CONSTRAINT "UQ_shared_customer_id" UNIQUE ("shared_customer_id"),
      CONSTRAINT "PK_shared_customer" PRIMARY KEY ("route_id", "customer_identifier")`,
    ),
    table(
      'entitlement',
      `"id" varchar(36) NOT NULL, "reseller_id" varchar(36) NOT NULL,
      "merchant_id" varchar(36) NOT NULL, "route_id" varchar(36) NOT NULL,
      "product_key" varchar(50) NOT NULL, "status" varchar(20) NOT NULL,
      "customer_identifier" varchar(255) NOT NULL, "shared_customer_id" varchar(40) NOT NULL,
      "offer_key" varchar(100), "merchant_entitlement_id" varchar(200) NOT NULL,
      "display_name" varchar(200), "notification_url" varchar(2000),
      "extension_data" text NOT NULL, "merchant_extension_data" text NOT NULL,
      "activation_code" varchar(200), "date_created" ${t} NOT NULL, "date_activated" ${t},
      "date_suspended" ${t}, "date_resumed" ${t}, "date_ended" ${t}, "date_expiry" ${t},
      "date_last_updated" ${t} NOT NULL, "version" integer NOT NULL,
      "reason_category" varchar(30), "reason_code" varchar(30),
      "reason_description" varchar(500), "provisioning" boolean NOT NULL,
      "create_request_id" varchar(200), "create_fingerprint" varchar(64) NOT NULL,
      "pending_action" text, "awaiting_merchant" varchar(20),
      CONSTRAINT "PK_entitlement" PRIMARY KEY ("id")`,
    ),
    table(
      'entitlement_event',
      `"id" varchar(36) NOT NULL, "reseller_id" varchar(36) NOT NULL,
      "sequence" bigint NOT NULL, "entitlement_id" varchar(36) NOT NULL,
      "version" integer NOT NULL, "reason" varchar(40) NOT NULL, "actor" varchar(20) NOT NULL,
      "status_before" varchar(20), "status_after" varchar(20) NOT NULL,
      "request_id" varchar(200), "occurred_at" ${t} NOT NULL, "snapshot" text NOT NULL,
      CONSTRAINT "UQ_entitlement_event_sequence" UNIQUE ("reseller_id", "sequence"),
      CONSTRAINT "PK_entitlement_event" PRIMARY KEY ("id")`,
    ),
  ];
}
