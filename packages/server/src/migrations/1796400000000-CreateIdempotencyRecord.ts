import type { MigrationInterface, QueryRunner } from 'typeorm';

import { dialectOf } from '../database/dialect';

/** Creates `idempotency_record`: the first answers to requests sent with an idempotency key. */
export class CreateIdempotencyRecord1796400000000 implements MigrationInterface {
  name = 'CreateIdempotencyRecord1796400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const instant = dialectOf(queryRunner) === 'postgres' ? 'timestamptz' : 'datetime';

    await queryRunner.query(
      `CREATE TABLE "idempotency_record" (
        "credential_id" varchar(64) NOT NULL,
        "idempotency_key" varchar(255) NOT NULL,
        "claim_token" varchar(36) NOT NULL,
        "fingerprint" varchar(64) NOT NULL,
        "state" varchar(20) NOT NULL,
        "response_status" integer,
        "response_headers" text,
        "response_body" text,
        "created_at" ${instant} NOT NULL,
        "expires_at" ${instant} NOT NULL,
        CONSTRAINT "PK_idempotency_record" PRIMARY KEY ("credential_id", "idempotency_key")
      )`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_idempotency_record_expires_at" ON "idempotency_record" ("expires_at")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_idempotency_record_expires_at"`);
    await queryRunner.query(`DROP TABLE "idempotency_record"`);
  }
}
