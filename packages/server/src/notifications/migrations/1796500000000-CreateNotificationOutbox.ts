import type { MigrationInterface, QueryRunner } from 'typeorm';

import { type Dialect, dialectOf } from '../../database/dialect';

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
  ['FK_notification_endpoint_reseller', 'notification_endpoint', 'reseller_id', 'reseller'],
  ['FK_notification_delivery_event', 'notification_delivery', 'event_id', 'entitlement_event'],
  [
    'FK_notification_delivery_endpoint',
    'notification_delivery',
    'endpoint_id',
    'notification_endpoint',
  ],
  ['FK_delivery_attempt_delivery', 'delivery_attempt', 'delivery_id', 'notification_delivery'],
  ['FK_inbox_notification_reseller', 'inbox_notification', 'reseller_id', 'reseller'],
  [
    'FK_notification_fault_profile_reseller',
    'notification_fault_profile',
    'reseller_id',
    'reseller',
  ],
];

const INDEXES: [string, string, string[]][] = [
  ['IDX_notification_delivery_due', 'notification_delivery', ['state', 'next_attempt_at']],
  [
    'IDX_notification_delivery_endpoint',
    'notification_delivery',
    ['endpoint_id', 'state', 'sequence'],
  ],
  ['IDX_notification_delivery_reseller', 'notification_delivery', ['reseller_id', 'created_at']],
  ['IDX_notification_delivery_created', 'notification_delivery', ['created_at', 'id']],
  ['IDX_notification_delivery_entitlement', 'notification_delivery', ['entitlement_id']],
  ['IDX_delivery_attempt_delivery', 'delivery_attempt', ['delivery_id', 'attempted_at']],
  ['IDX_inbox_notification_reseller', 'inbox_notification', ['reseller_id', 'received_at']],
];

const TABLES = [
  'notification_endpoint',
  'notification_delivery',
  'delivery_attempt',
  'inbox_notification',
  'notification_fault_profile',
];

/**
 * Creates the notification outbox (endpoints, deliveries and their attempts) and the sandbox
 * extras (inbox, fault profiles).
 */
export class CreateNotificationOutbox1796500000000 implements MigrationInterface {
  name = 'CreateNotificationOutbox1796500000000';

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
    for (const table of [...TABLES].reverse()) {
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
      'notification_endpoint',
      `"id" varchar(36) NOT NULL, "reseller_id" varchar(36) NOT NULL,
      "url" varchar(2000) NOT NULL, "state" varchar(20) NOT NULL, "failing_since" ${t},
      "disabled_at" ${t}, "locked_until" ${t} NOT NULL, "lock_token" varchar(36),
      "created_at" ${t} NOT NULL,
      CONSTRAINT "UQ_notification_endpoint_reseller_url" UNIQUE ("reseller_id", "url"),
      CONSTRAINT "PK_notification_endpoint" PRIMARY KEY ("id")`,
    ),
    table(
      'notification_delivery',
      `"id" varchar(36) NOT NULL, "event_id" varchar(36) NOT NULL,
      "reseller_id" varchar(36) NOT NULL, "endpoint_id" varchar(36) NOT NULL,
      "entitlement_id" varchar(36) NOT NULL, "sequence" bigint NOT NULL,
      "reason" varchar(40) NOT NULL, "url" varchar(2000) NOT NULL, "payload" text NOT NULL,
      "state" varchar(20) NOT NULL, "attempt_count" integer NOT NULL DEFAULT 0,
      "failed_tries" integer NOT NULL DEFAULT 0, "next_attempt_at" ${t},
      "generation" integer NOT NULL DEFAULT 0, "created_at" ${t} NOT NULL,
      "delivered_at" ${t},
      CONSTRAINT "UQ_notification_delivery_event_endpoint" UNIQUE ("event_id", "endpoint_id"),
      CONSTRAINT "PK_notification_delivery" PRIMARY KEY ("id")`,
    ),
    table(
      'delivery_attempt',
      `"id" varchar(36) NOT NULL, "delivery_id" varchar(36) NOT NULL,
      "attempted_at" ${t} NOT NULL, "status_code" integer, "latency_ms" integer NOT NULL,
      "error" varchar(500),
      CONSTRAINT "PK_delivery_attempt" PRIMARY KEY ("id")`,
    ),
    table(
      'inbox_notification',
      `"id" varchar(36) NOT NULL, "reseller_id" varchar(36) NOT NULL,
      "entitlement_id" varchar(36), "received_at" ${t} NOT NULL, "headers" text NOT NULL,
      "body" text NOT NULL, "signature_valid" boolean NOT NULL,
      CONSTRAINT "PK_inbox_notification" PRIMARY KEY ("id")`,
    ),
    table(
      'notification_fault_profile',
      `"reseller_id" varchar(36) NOT NULL, "duplicate_rate" real NOT NULL,
      "reorder_rate" real NOT NULL, "delay_ms" integer NOT NULL, "updated_at" ${t} NOT NULL,
      CONSTRAINT "PK_notification_fault_profile" PRIMARY KEY ("reseller_id")`,
    ),
  ];
}
