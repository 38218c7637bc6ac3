import type { MigrationInterface, QueryRunner } from 'typeorm';

import { dialectOf } from '../database/dialect';

/** Creates `kv_setting`, the first table, to prove migrations on every database. */
export class CreateKvSetting1796256000000 implements MigrationInterface {
  name = 'CreateKvSetting1796256000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const instant = dialectOf(queryRunner) === 'postgres' ? 'timestamptz' : 'datetime';

    await queryRunner.query(
      `CREATE TABLE "kv_setting" (
        "key" varchar(200) NOT NULL,
        "value" text NOT NULL,
        "updated_at" ${instant} NOT NULL,
        CONSTRAINT "PK_kv_setting" PRIMARY KEY ("key")
      )`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "kv_setting"`);
  }
}
