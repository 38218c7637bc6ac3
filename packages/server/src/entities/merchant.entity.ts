import { Column, Entity, PrimaryColumn, Unique } from 'typeorm';

import { INSTANT } from '../database/portable-types';
import type { CallbackOperation, ReceiverAuth } from '../merchants/merchant-gateway';

/** An organisation whose services resellers sell, and where Tessera sends callbacks. */
@Entity({ name: 'merchant' })
@Unique('UQ_merchant_account_key', ['merchantAccountKey'])
export class Merchant {
  @PrimaryColumn({
    name: 'id',
    type: 'varchar',
    length: 36,
    primaryKeyConstraintName: 'PK_merchant',
  })
  id!: string;

  @Column({ name: 'merchant_account_key', type: 'varchar', length: 50 })
  merchantAccountKey!: string;

  @Column({ name: 'name', type: 'varchar', length: 200 })
  name!: string;

  @Column({ name: 'sandbox', type: 'boolean' })
  sandbox!: boolean;

  /** URL per callback operation; a missing one is an operation the merchant does not support. */
  @Column({ name: 'callback_urls', type: 'simple-json' })
  callbackUrls!: Partial<Record<CallbackOperation, string>>;

  /** How Tessera authenticates to the merchant, secrets included (never returned). */
  @Column({ name: 'callback_auth', type: 'simple-json' })
  callbackAuth!: ReceiverAuth;

  @Column({ name: 'callback_timeout_ms', type: 'integer' })
  callbackTimeoutMs!: number;

  @Column({ name: 'created_at', type: INSTANT })
  createdAt!: Date;
}
