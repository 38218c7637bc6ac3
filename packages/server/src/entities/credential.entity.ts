import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, Unique } from 'typeorm';

import { INSTANT } from '../database/portable-types';
import { Merchant } from './merchant.entity';
import { Reseller } from './reseller.entity';

export type CredentialOwnerType = 'RESELLER' | 'MERCHANT';

/** An HTTP Basic credential of a reseller or a merchant; the secret is stored hashed. */
@Entity({ name: 'credential' })
@Unique('UQ_credential_username', ['username'])
export class Credential {
  @PrimaryColumn({
    name: 'id',
    type: 'varchar',
    length: 36,
    primaryKeyConstraintName: 'PK_credential',
  })
  id!: string;

  @Column({ name: 'owner_type', type: 'varchar', length: 10 })
  ownerType!: CredentialOwnerType;

  @Index('IDX_credential_reseller')
  @Column({ name: 'reseller_id', type: 'varchar', length: 36, nullable: true })
  resellerId!: string | null;

  @ManyToOne(() => Reseller, { nullable: true })
  @JoinColumn({ name: 'reseller_id', foreignKeyConstraintName: 'FK_credential_reseller' })
  reseller?: Reseller | null;

  @Index('IDX_credential_merchant')
  @Column({ name: 'merchant_id', type: 'varchar', length: 36, nullable: true })
  merchantId!: string | null;

  @ManyToOne(() => Merchant, { nullable: true })
  @JoinColumn({ name: 'merchant_id', foreignKeyConstraintName: 'FK_credential_merchant' })
  merchant?: Merchant | null;

  @Column({ name: 'username', type: 'varchar', length: 100 })
  username!: string;

  /** `scrypt$…` from `security/secret-hash.ts`. */
  @Column({ name: 'secret_hash', type: 'varchar', length: 255 })
  secretHash!: string;

  /** Caller addresses or CIDR ranges allowed; empty allows any. */
  @Column({ name: 'allowed_ips', type: 'simple-json' })
  allowedIps!: string[];

  @Column({ name: 'created_at', type: INSTANT })
  createdAt!: Date;

  @Column({ name: 'revoked_at', type: INSTANT, nullable: true })
  revokedAt!: Date | null;
}
