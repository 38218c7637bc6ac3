import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';

import { INSTANT } from '../../database/portable-types';
import { NotificationDelivery } from './notification-delivery.entity';

/** One try at delivering a notification, as the admin API lists it. */
@Entity({ name: 'delivery_attempt' })
@Index('IDX_delivery_attempt_delivery', ['deliveryId', 'attemptedAt'])
export class DeliveryAttempt {
  @PrimaryColumn({
    name: 'id',
    type: 'varchar',
    length: 36,
    primaryKeyConstraintName: 'PK_delivery_attempt',
  })
  id!: string;

  @Column({ name: 'delivery_id', type: 'varchar', length: 36 })
  deliveryId!: string;

  @ManyToOne(() => NotificationDelivery, { nullable: false })
  @JoinColumn({ name: 'delivery_id', foreignKeyConstraintName: 'FK_delivery_attempt_delivery' })
  delivery?: NotificationDelivery;

  @Column({ name: 'attempted_at', type: INSTANT })
  attemptedAt!: Date;

  /** The receiver's HTTP status; null when no answer came. */
  @Column({ name: 'status_code', type: 'integer', nullable: true })
  statusCode!: number | null;

  @Column({ name: 'latency_ms', type: 'integer' })
  latencyMs!: number;

  /** Timeout, connection or address-guard error; never a secret. */
  @Column({ name: 'error', type: 'varchar', length: 500, nullable: true })
  error!: string | null;
}
