import { Column, Entity, PrimaryColumn, Unique } from 'typeorm';

import { bigintAsNumber } from '../database/column-transformers';
import { INSTANT } from '../database/portable-types';
import type { ReceiverAuth } from '../merchants/merchant-gateway';

/** An organisation that sells merchants' services to its own customers. */
@Entity({ name: 'reseller' })
@Unique('UQ_reseller_key', ['resellerKey'])
export class Reseller {
  @PrimaryColumn({
    name: 'id',
    type: 'varchar',
    length: 36,
    primaryKeyConstraintName: 'PK_reseller',
  })
  id!: string;

  @Column({ name: 'reseller_key', type: 'varchar', length: 50 })
  resellerKey!: string;

  @Column({ name: 'name', type: 'varchar', length: 200 })
  name!: string;

  @Column({ name: 'sandbox', type: 'boolean' })
  sandbox!: boolean;

  @Column({ name: 'default_notification_url', type: 'varchar', length: 2000, nullable: true })
  defaultNotificationUrl!: string | null;

  /** How notifications authenticate to the reseller, secrets included (never returned). */
  @Column({ name: 'notification_auth', type: 'simple-json' })
  notificationAuth!: ReceiverAuth;

  /** Standard Webhooks secret (`whsec_…`) signing this reseller's notifications. */
  @Column({ name: 'signing_secret', type: 'varchar', length: 100 })
  signingSecret!: string;

  @Column({ name: 'previous_signing_secret', type: 'varchar', length: 100, nullable: true })
  previousSigningSecret!: string | null;

  @Column({ name: 'previous_secret_valid_until', type: INSTANT, nullable: true })
  previousSecretValidUntil!: Date | null;

  /** Sandbox test clock: how far ahead of real time this reseller's scheduled changes run. */
  @Column({
    name: 'clock_offset_ms',
    type: 'bigint',
    default: 0,
    transformer: bigintAsNumber,
  })
  clockOffsetMs!: number;

  /** The last `sequence` given to one of this reseller's events; the feed has no gaps. */
  @Column({
    name: 'last_event_sequence',
    type: 'bigint',
    default: 0,
    transformer: bigintAsNumber,
  })
  lastEventSequence!: number;

  @Column({ name: 'created_at', type: INSTANT })
  createdAt!: Date;
}
