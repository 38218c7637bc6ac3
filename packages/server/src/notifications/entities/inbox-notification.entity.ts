import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';

import { INSTANT } from '../../database/portable-types';
import { Reseller } from '../../entities/reseller.entity';

/** A notification the sandbox inbox received, kept for the reseller to read back. */
@Entity({ name: 'inbox_notification' })
@Index('IDX_inbox_notification_reseller', ['resellerId', 'receivedAt'])
export class InboxNotification {
  @PrimaryColumn({
    name: 'id',
    type: 'varchar',
    length: 36,
    primaryKeyConstraintName: 'PK_inbox_notification',
  })
  id!: string;

  @Column({ name: 'reseller_id', type: 'varchar', length: 36 })
  resellerId!: string;

  @ManyToOne(() => Reseller, { nullable: false })
  @JoinColumn({ name: 'reseller_id', foreignKeyConstraintName: 'FK_inbox_notification_reseller' })
  reseller?: Reseller;

  @Column({ name: 'entitlement_id', type: 'varchar', length: 36, nullable: true })
  entitlementId!: string | null;

  @Column({ name: 'received_at', type: INSTANT })
  receivedAt!: Date;

  /** Request headers as received, auth values redacted. */
  @Column({ name: 'headers', type: 'simple-json' })
  headers!: Record<string, string>;

  /** The raw body, byte for byte what was signed. */
  @Column({ name: 'body', type: 'text' })
  body!: string;

  @Column({ name: 'signature_valid', type: 'boolean' })
  signatureValid!: boolean;
}
