import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, Unique } from 'typeorm';

import { bigintAsNumber } from '../database/column-transformers';
import { INSTANT } from '../database/portable-types';
import type { Actor, EntitlementStatus, EventReason } from '../domain/state-machine';
import type { components } from '../generated/contract';
import { EntitlementRecord } from './entitlement.entity';
import { Reseller } from './reseller.entity';

/**
 * One change to an entitlement, written in the change's transaction. `sequence` numbers one
 * reseller's events 1, 2, 3… without gaps, in commit order.
 */
@Entity({ name: 'entitlement_event' })
@Unique('UQ_entitlement_event_sequence', ['resellerId', 'sequence'])
@Index('IDX_entitlement_event_entitlement', ['entitlementId', 'version'])
// Added by the reports' migration (src/reports/migrations): a period's events in order.
@Index('IDX_entitlement_event_occurred', ['occurredAt', 'id'])
export class EntitlementEventRecord {
  @PrimaryColumn({
    name: 'id',
    type: 'varchar',
    length: 36,
    primaryKeyConstraintName: 'PK_entitlement_event',
  })
  id!: string;

  @Column({ name: 'reseller_id', type: 'varchar', length: 36 })
  resellerId!: string;

  @ManyToOne(() => Reseller, { nullable: false })
  @JoinColumn({ name: 'reseller_id', foreignKeyConstraintName: 'FK_entitlement_event_reseller' })
  reseller?: Reseller;

  @Column({ name: 'sequence', type: 'bigint', transformer: bigintAsNumber })
  sequence!: number;

  @Column({ name: 'entitlement_id', type: 'varchar', length: 36 })
  entitlementId!: string;

  @ManyToOne(() => EntitlementRecord, { nullable: false })
  @JoinColumn({
    name: 'entitlement_id',
    foreignKeyConstraintName: 'FK_entitlement_event_entitlement',
  })
  entitlement?: EntitlementRecord;

  /** The entitlement's version after the change. */
  @Column({ name: 'version', type: 'integer' })
  version!: number;

  @Column({ name: 'reason', type: 'varchar', length: 40 })
  reason!: EventReason;

  @Column({ name: 'actor', type: 'varchar', length: 20 })
  actor!: Actor;

  @Column({ name: 'status_before', type: 'varchar', length: 20, nullable: true })
  statusBefore!: EntitlementStatus | null;

  @Column({ name: 'status_after', type: 'varchar', length: 20 })
  statusAfter!: EntitlementStatus;

  /** Null for the scheduler's changes. */
  @Column({ name: 'request_id', type: 'varchar', length: 200, nullable: true })
  requestId!: string | null;

  @Column({ name: 'occurred_at', type: INSTANT })
  occurredAt!: Date;

  /** The entitlement as the reseller saw it right after the change. */
  @Column({ name: 'snapshot', type: 'simple-json' })
  snapshot!: components['schemas']['Entitlement'];
}
