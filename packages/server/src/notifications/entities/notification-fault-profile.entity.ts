import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';

import { INSTANT } from '../../database/portable-types';
import { Reseller } from '../../entities/reseller.entity';

/**
 * Sandbox fault injection for one sandbox reseller's notifications, so that integrators can
 * prove their handlers cope: duplicates (dedupe by event id), reordering (ignore stale
 * versions) and delays.
 */
@Entity({ name: 'notification_fault_profile' })
export class NotificationFaultProfile {
  @PrimaryColumn({
    name: 'reseller_id',
    type: 'varchar',
    length: 36,
    primaryKeyConstraintName: 'PK_notification_fault_profile',
  })
  resellerId!: string;

  @ManyToOne(() => Reseller, { nullable: false })
  @JoinColumn({
    name: 'reseller_id',
    foreignKeyConstraintName: 'FK_notification_fault_profile_reseller',
  })
  reseller?: Reseller;

  /** Share (0–1) of delivered notifications sent a second time. */
  @Column({ name: 'duplicate_rate', type: 'real' })
  duplicateRate!: number;

  /** Share (0–1) of notifications held back so that later ones overtake them. */
  @Column({ name: 'reorder_rate', type: 'real' })
  reorderRate!: number;

  /** Extra wait before every notification's first try. */
  @Column({ name: 'delay_ms', type: 'integer' })
  delayMs!: number;

  @Column({ name: 'updated_at', type: INSTANT })
  updatedAt!: Date;
}
