import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The endpoint queue's index: a URL's pending deliveries in queue order (lane, sequence). */
const QUEUE_INDEX = 'IDX_notification_delivery_endpoint';

/**
 * Strict per-endpoint order (issue #7): adds `notification_delivery.lane` (0 replayed, 1 in
 * order, 2 outside the order; existing rows join the order) and puts it in the endpoint index,
 * so that an endpoint's queue head is one index probe. The same SQL on SQLite and PostgreSQL.
 */
export class AddDeliveryLane1796700000000 implements MigrationInterface {
  name = 'AddDeliveryLane1796700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE "notification_delivery" ADD COLUMN "lane" integer NOT NULL DEFAULT 1',
    );
    await queryRunner.query(`DROP INDEX "${QUEUE_INDEX}"`);
    await queryRunner.query(
      `CREATE INDEX "${QUEUE_INDEX}" ON "notification_delivery" ` +
        '("endpoint_id", "state", "lane", "sequence")',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "${QUEUE_INDEX}"`);
    await queryRunner.query(
      `CREATE INDEX "${QUEUE_INDEX}" ON "notification_delivery" ` +
        '("endpoint_id", "state", "sequence")',
    );
    await queryRunner.query('ALTER TABLE "notification_delivery" DROP COLUMN "lane"');
  }
}
