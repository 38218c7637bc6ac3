import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, Unique } from 'typeorm';

import { INSTANT } from '../../database/portable-types';
import { Reseller } from '../../entities/reseller.entity';

/** `ACTIVE` endpoints receive deliveries; `DISABLED` ones hold them until re-enabled. */
export type EndpointState = 'ACTIVE' | 'DISABLED';

/**
 * One notification URL of one reseller. Besides its health (failing since, disabled), it
 * carries the dispatcher's lease: only the process holding `lock_token` until `locked_until`
 * sends to this URL, which keeps one URL's notifications going out one at a time.
 */
@Entity({ name: 'notification_endpoint' })
@Unique('UQ_notification_endpoint_reseller_url', ['resellerId', 'url'])
export class NotificationEndpoint {
  @PrimaryColumn({
    name: 'id',
    type: 'varchar',
    length: 36,
    primaryKeyConstraintName: 'PK_notification_endpoint',
  })
  id!: string;

  @Column({ name: 'reseller_id', type: 'varchar', length: 36 })
  resellerId!: string;

  @ManyToOne(() => Reseller, { nullable: false })
  @JoinColumn({
    name: 'reseller_id',
    foreignKeyConstraintName: 'FK_notification_endpoint_reseller',
  })
  reseller?: Reseller;

  @Column({ name: 'url', type: 'varchar', length: 2000 })
  url!: string;

  @Column({ name: 'state', type: 'varchar', length: 20 })
  state!: EndpointState;

  /** First failure since the last success; null while healthy. */
  @Column({ name: 'failing_since', type: INSTANT, nullable: true })
  failingSince!: Date | null;

  @Column({ name: 'disabled_at', type: INSTANT, nullable: true })
  disabledAt!: Date | null;

  /**
   * End of the current lease; otherwise when the last one was released (or the row created), so
   * that ordering by it serves the endpoint waiting longest first.
   */
  @Column({ name: 'locked_until', type: INSTANT })
  lockedUntil!: Date;

  @Column({ name: 'lock_token', type: 'varchar', length: 36, nullable: true })
  lockToken!: string | null;

  @Column({ name: 'created_at', type: INSTANT })
  createdAt!: Date;
}
