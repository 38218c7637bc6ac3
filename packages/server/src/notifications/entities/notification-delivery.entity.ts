import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, Unique } from 'typeorm';

import { bigintAsNumber } from '../../database/column-transformers';
import { INSTANT } from '../../database/portable-types';
import { EntitlementEventRecord } from '../../entities/entitlement-event.entity';
import { NotificationEndpoint } from './notification-endpoint.entity';

/** The contract's delivery states. */
export type DeliveryState = 'PENDING' | 'DELIVERED' | 'FAILED' | 'ENDPOINT_DISABLED';

/**
 * Where a pending delivery stands in its endpoint's queue (see `NotificationDispatcher`). The
 * queue is lane `REPLAY` then lane `IN_ORDER`, each in `sequence` order; only its head is sent.
 * `OUTSIDE` deliveries are not in the queue: sent when due, they wait for nothing and hold
 * nothing back.
 */
export const DeliveryLane = {
  /** Replayed by an operator: the front of the queue, so that it is sent now. */
  REPLAY: 0,
  /** Every notification's first place: behind every earlier one to its endpoint. */
  IN_ORDER: 1,
  /** Held back by the sandbox's reorder fault, so that later ones overtake it. */
  OUTSIDE: 2,
} as const;

export type DeliveryLane = (typeof DeliveryLane)[keyof typeof DeliveryLane];

/**
 * The outbox row: one event's notification to one endpoint, written in the transaction that
 * records the event, and updated by the dispatcher after every attempt.
 */
@Entity({ name: 'notification_delivery' })
@Unique('UQ_notification_delivery_event_endpoint', ['eventId', 'endpointId'])
@Index('IDX_notification_delivery_due', ['state', 'nextAttemptAt'])
@Index('IDX_notification_delivery_endpoint', ['endpointId', 'state', 'lane', 'sequence'])
@Index('IDX_notification_delivery_reseller', ['resellerId', 'createdAt'])
@Index('IDX_notification_delivery_created', ['createdAt', 'id'])
@Index('IDX_notification_delivery_entitlement', ['entitlementId'])
export class NotificationDelivery {
  @PrimaryColumn({
    name: 'id',
    type: 'varchar',
    length: 36,
    primaryKeyConstraintName: 'PK_notification_delivery',
  })
  id!: string;

  /** The event's id: the notification's `eventId` and `webhook-id`. */
  @Column({ name: 'event_id', type: 'varchar', length: 36 })
  eventId!: string;

  @ManyToOne(() => EntitlementEventRecord, { nullable: false })
  @JoinColumn({ name: 'event_id', foreignKeyConstraintName: 'FK_notification_delivery_event' })
  event?: EntitlementEventRecord;

  @Column({ name: 'reseller_id', type: 'varchar', length: 36 })
  resellerId!: string;

  @Column({ name: 'endpoint_id', type: 'varchar', length: 36 })
  endpointId!: string;

  @ManyToOne(() => NotificationEndpoint, { nullable: false })
  @JoinColumn({
    name: 'endpoint_id',
    foreignKeyConstraintName: 'FK_notification_delivery_endpoint',
  })
  endpoint?: NotificationEndpoint;

  @Column({ name: 'entitlement_id', type: 'varchar', length: 36 })
  entitlementId!: string;

  /** The event's position in the reseller's feed (the same number the feed shows). */
  @Column({ name: 'sequence', type: 'bigint', transformer: bigintAsNumber })
  sequence!: number;

  @Column({ name: 'reason', type: 'varchar', length: 40 })
  reason!: string;

  @Column({ name: 'url', type: 'varchar', length: 2000 })
  url!: string;

  /** The notification body, serialised once so that every attempt sends the same bytes. */
  @Column({ name: 'payload', type: 'text' })
  payload!: string;

  @Column({ name: 'state', type: 'varchar', length: 20 })
  state!: DeliveryState;

  /** The delivery's place in its endpoint's queue: a {@link DeliveryLane}. */
  @Column({ name: 'lane', type: 'integer', default: DeliveryLane.IN_ORDER })
  lane!: DeliveryLane;

  /** Every attempt ever made, replays included. */
  @Column({ name: 'attempt_count', type: 'integer', default: 0 })
  attemptCount!: number;

  /** Consecutive failed tries since the delivery was (re)queued: the retry schedule's step. */
  @Column({ name: 'failed_tries', type: 'integer', default: 0 })
  failedTries!: number;

  @Column({ name: 'next_attempt_at', type: INSTANT, nullable: true })
  nextAttemptAt!: Date | null;

  /**
   * Bumped by every replay, so that an attempt that was in flight when the delivery was
   * replayed does not mark the replay as done.
   */
  @Column({ name: 'generation', type: 'integer', default: 0 })
  generation!: number;

  @Column({ name: 'created_at', type: INSTANT })
  createdAt!: Date;

  @Column({ name: 'delivered_at', type: INSTANT, nullable: true })
  deliveredAt!: Date | null;
}
