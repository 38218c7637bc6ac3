import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, Unique } from 'typeorm';

import { INSTANT } from '../database/portable-types';
import type { components } from '../generated/contract';
import { Merchant } from './merchant.entity';
import { Reseller } from './reseller.entity';

export type RouteOperation = components['schemas']['RouteOperation'];

/** Every operation a route can offer, merchant suspends included. */
export const ROUTE_OPERATIONS: readonly RouteOperation[] = [
  'ACTIVATION_INFO',
  'UPDATE',
  'SUSPEND',
  'RESUME',
  'CANCEL',
  'REVOKE',
  'MERCHANT_SUSPEND',
];

/** One reseller↔merchant pairing; at most one per pair. */
@Entity({ name: 'route' })
@Unique('UQ_route_reseller_merchant', ['resellerId', 'merchantId'])
export class Route {
  @PrimaryColumn({
    name: 'id',
    type: 'varchar',
    length: 36,
    primaryKeyConstraintName: 'PK_route',
  })
  id!: string;

  @Column({ name: 'reseller_id', type: 'varchar', length: 36 })
  resellerId!: string;

  @ManyToOne(() => Reseller, { nullable: false })
  @JoinColumn({ name: 'reseller_id', foreignKeyConstraintName: 'FK_route_reseller' })
  reseller?: Reseller;

  @Index('IDX_route_merchant')
  @Column({ name: 'merchant_id', type: 'varchar', length: 36 })
  merchantId!: string;

  @ManyToOne(() => Merchant, { nullable: false })
  @JoinColumn({ name: 'merchant_id', foreignKeyConstraintName: 'FK_route_merchant' })
  merchant?: Merchant;

  /** The products the reseller may sell on this route. */
  @Column({ name: 'product_keys', type: 'simple-json' })
  productKeys!: string[];

  /** Live entitlements one customer may hold per product on this route. */
  @Column({ name: 'max_live_per_customer', type: 'integer', default: 1 })
  maxLivePerCustomer!: number;

  /** Whether the merchant sees the reseller's `customerIdentifier`. */
  @Column({ name: 'share_customer_identifier', type: 'boolean' })
  shareCustomerIdentifier!: boolean;

  @Column({ name: 'route_extension_data', type: 'simple-json' })
  routeExtensionData!: Record<string, string>;

  @Column({ name: 'supported_operations', type: 'simple-json' })
  supportedOperations!: RouteOperation[];

  @Column({ name: 'created_at', type: INSTANT })
  createdAt!: Date;
}
