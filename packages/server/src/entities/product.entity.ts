import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, Unique } from 'typeorm';

import { INSTANT } from '../database/portable-types';
import { Merchant } from './merchant.entity';

/** One service or tier of a merchant. */
@Entity({ name: 'product' })
@Unique('UQ_product_key', ['productKey'])
export class Product {
  @PrimaryColumn({
    name: 'id',
    type: 'varchar',
    length: 36,
    primaryKeyConstraintName: 'PK_product',
  })
  id!: string;

  @Column({ name: 'product_key', type: 'varchar', length: 50 })
  productKey!: string;

  @Index('IDX_product_merchant')
  @Column({ name: 'merchant_id', type: 'varchar', length: 36 })
  merchantId!: string;

  @ManyToOne(() => Merchant, { nullable: false })
  @JoinColumn({ name: 'merchant_id', foreignKeyConstraintName: 'FK_product_merchant' })
  merchant?: Merchant;

  @Column({ name: 'name', type: 'varchar', length: 200 })
  name!: string;

  @Column({ name: 'created_at', type: INSTANT })
  createdAt!: Date;
}
