import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, Unique } from 'typeorm';

import { INSTANT } from '../database/portable-types';
import { Route } from './route.entity';

/** Tessera's pseudonym of one reseller customer on one route, shared with the merchant. */
@Entity({ name: 'shared_customer' })
@Unique('UQ_shared_customer_id', ['sharedCustomerId'])
export class SharedCustomer {
  @PrimaryColumn({
    name: 'route_id',
    type: 'varchar',
    length: 36,
    primaryKeyConstraintName: 'PK_shared_customer',
  })
  routeId!: string;

  @ManyToOne(() => Route, { nullable: false })
  @JoinColumn({ name: 'route_id', foreignKeyConstraintName: 'FK_shared_customer_route' })
  route?: Route;

  @PrimaryColumn({
    name: 'customer_identifier',
    type: 'varchar',
    length: 255,
    primaryKeyConstraintName: 'PK_shared_customer',
  })
  customerIdentifier!: string;

  @Column({ name: 'shared_customer_id', type: 'varchar', length: 40 })
  sharedCustomerId!: string;

  @Column({ name: 'created_at', type: INSTANT })
  createdAt!: Date;
}
