import { In, LessThanOrEqual } from 'typeorm';

import { keysetAfter } from '../../database/keyset';
import type { Tx } from '../../database/transaction';
import {
  DeliveryAttempt,
  DeliveryLane,
  type DeliveryState,
  NotificationDelivery,
} from '../entities';

/** Filters of the admin listing. */
export interface DeliveryFilter {
  resellerId?: string;
  state?: DeliveryState;
  entitlementId?: string;
}

/** Keyset position in the newest-first listing. */
export interface DeliveryCursor {
  createdAt: Date;
  id: string;
}

/** How an attempt changed a delivery; applied only if no replay happened meanwhile. */
export type DeliveryChange =
  | { state: 'DELIVERED'; at: Date }
  | { state: 'PENDING'; failedTries: number; nextAttemptAt: Date }
  | { state: 'FAILED'; failedTries: number };

/** An acknowledged attempt of a delivery, to be marked DELIVERED with others. */
export interface Acknowledgement {
  id: string;
  /** The delivery's `generation` when the attempt began. */
  generation: number;
  at: Date;
}

/**
 * Rows per statement when many are written at once: far below the bound-parameter limits of
 * SQLite (32,766) and PostgreSQL (65,535), yet few statements for a dispatcher's batch.
 */
const ROWS_PER_STATEMENT = 200;

/** The outbox rows and their attempts. */
export class NotificationDeliveryRepository {
  async insert(tx: Tx, delivery: NotificationDelivery): Promise<void> {
    await tx.insert(NotificationDelivery, delivery);
  }

  findById(tx: Tx, id: string): Promise<NotificationDelivery | null> {
    return tx.findOneBy(NotificationDelivery, { id });
  }

  /**
   * The head of an endpoint's queue and what follows it, in queue order: its PENDING deliveries
   * in lane `REPLAY`, then lane `IN_ORDER`, each by `sequence`. Due or not: a head that is not
   * due holds back everything behind it.
   */
  queueOf(tx: Tx, endpointId: string, limit: number): Promise<NotificationDelivery[]> {
    return tx.find(NotificationDelivery, {
      where: {
        endpointId,
        state: 'PENDING',
        lane: In([DeliveryLane.REPLAY, DeliveryLane.IN_ORDER]),
      },
      order: { lane: 'ASC', sequence: 'ASC', createdAt: 'ASC', id: 'ASC' },
      take: limit,
    });
  }

  /** An endpoint's due deliveries outside its queue (lane `OUTSIDE`), by `sequence`. */
  dueOutsideQueue(tx: Tx, endpointId: string, now: Date, limit: number) {
    return tx.find(NotificationDelivery, {
      where: {
        endpointId,
        state: 'PENDING',
        lane: DeliveryLane.OUTSIDE,
        nextAttemptAt: LessThanOrEqual(now),
      },
      order: { sequence: 'ASC', createdAt: 'ASC', id: 'ASC' },
      take: limit,
    });
  }

  async insertAttempt(tx: Tx, attempt: DeliveryAttempt): Promise<void> {
    await tx.insert(DeliveryAttempt, attempt);
    await tx.increment(NotificationDelivery, { id: attempt.deliveryId }, 'attemptCount', 1);
  }

  /**
   * Inserts attempts (several may be of one delivery) and counts them on their deliveries: a
   * few statements for the lot rather than two per attempt.
   */
  async insertAttempts(tx: Tx, attempts: readonly DeliveryAttempt[]): Promise<void> {
    for (const rows of chunks(attempts)) {
      await tx.insert(DeliveryAttempt, rows);
    }
    const counts = new Map<string, number>();
    for (const attempt of attempts) {
      counts.set(attempt.deliveryId, (counts.get(attempt.deliveryId) ?? 0) + 1);
    }
    for (const [count, ids] of groupBy(
      [...counts],
      ([, n]) => n,
      ([id]) => id,
    )) {
      for (const some of chunks(ids)) {
        await tx
          .createQueryBuilder()
          .update(NotificationDelivery)
          .set({ attemptCount: () => `attempt_count + ${count}` })
          .where('id IN (:...ids)', { ids: some })
          .execute();
      }
    }
  }

  /**
   * Marks acknowledged deliveries DELIVERED at their own acknowledgement times, like
   * {@link applyChange} (a delivery replayed since its attempt began stays queued), in one
   * statement per {@link ROWS_PER_STATEMENT} deliveries of one generation.
   */
  async markDelivered(tx: Tx, acknowledged: readonly Acknowledgement[]): Promise<void> {
    for (const [generation, group] of groupBy(acknowledged, (one) => one.generation)) {
      for (const some of chunks(group)) {
        const parameters: Record<string, unknown> = { generation, ids: some.map((one) => one.id) };
        const whens = some.map((one, i) => {
          parameters[`id${i}`] = one.id;
          parameters[`at${i}`] = one.at;
          return `WHEN :id${i} THEN :at${i}`;
        });
        await tx
          .createQueryBuilder()
          .update(NotificationDelivery)
          .set({
            state: 'DELIVERED',
            // The ELSE branch gives PostgreSQL the column's type for the parameters.
            deliveredAt: () => `CASE id ${whens.join(' ')} ELSE delivered_at END`,
            nextAttemptAt: null,
            failedTries: 0,
          })
          .where('id IN (:...ids) AND generation = :generation')
          .setParameters(parameters)
          .execute();
      }
    }
  }

  /**
   * Applies an attempt's outcome, unless the delivery was replayed since the attempt began
   * (its `generation` moved): then it stays queued for the replay's own send.
   */
  async applyChange(tx: Tx, id: string, generation: number, change: DeliveryChange) {
    const values =
      change.state === 'DELIVERED'
        ? { state: change.state, deliveredAt: change.at, nextAttemptAt: null, failedTries: 0 }
        : change.state === 'PENDING'
          ? {
              state: change.state,
              failedTries: change.failedTries,
              nextAttemptAt: change.nextAttemptAt,
            }
          : { state: change.state, failedTries: change.failedTries, nextAttemptAt: null };
    const result = await tx.update(NotificationDelivery, { id, generation }, values);
    return result.affected === 1;
  }

  /** Parks an endpoint's pending deliveries while it is disabled. */
  async holdForEndpoint(tx: Tx, endpointId: string): Promise<void> {
    await tx.update(
      NotificationDelivery,
      { endpointId, state: 'PENDING' },
      { state: 'ENDPOINT_DISABLED', nextAttemptAt: null },
    );
  }

  /**
   * Queues a re-enabled endpoint's parked deliveries, due now, in their places. Their failed
   * tries are kept: re-enabling resumes a delivery's retry schedule rather than restarting it,
   * so a notification the receiver always refuses still runs out of tries (and the queue moves
   * on) however often the endpoint is re-enabled. A replay restarts the schedule.
   */
  async releaseForEndpoint(tx: Tx, endpointId: string, now: Date): Promise<number> {
    const result = await tx.update(
      NotificationDelivery,
      { endpointId, state: 'ENDPOINT_DISABLED' },
      { state: 'PENDING', nextAttemptAt: now },
    );
    return result.affected ?? 0;
  }

  /**
   * Queues a delivery again for a send at `now` with a fresh retry schedule, whatever its
   * state, at the front of its endpoint's queue (lane `REPLAY`). Bumping `generation` keeps an
   * attempt in flight from marking the replay done.
   */
  async requeue(tx: Tx, id: string, now: Date): Promise<void> {
    await tx
      .createQueryBuilder()
      .update(NotificationDelivery)
      .set({
        state: 'PENDING',
        lane: DeliveryLane.REPLAY,
        nextAttemptAt: now,
        failedTries: 0,
        generation: () => 'generation + 1',
      })
      .where('id = :id', { id })
      .execute();
  }

  /**
   * Queues again every delivery of a reseller created at or after `since`, like
   * {@link requeue} (at the front of their endpoints' queues, where they keep `sequence`
   * order among themselves), except that those of a disabled endpoint are parked until it is
   * re-enabled.
   *
   * @returns how many deliveries were queued (parked ones included)
   */
  async requeueSince(tx: Tx, resellerId: string, since: Date, now: Date): Promise<number> {
    let queued = 0;
    for (const parked of [false, true]) {
      const result = await tx
        .createQueryBuilder()
        .update(NotificationDelivery)
        .set({
          state: parked ? 'ENDPOINT_DISABLED' : 'PENDING',
          lane: DeliveryLane.REPLAY,
          nextAttemptAt: parked ? null : now,
          failedTries: 0,
          generation: () => 'generation + 1',
        })
        .where('reseller_id = :resellerId AND created_at >= :since', { resellerId, since })
        .andWhere(
          `endpoint_id ${parked ? 'IN' : 'NOT IN'} (SELECT e.id FROM notification_endpoint e
            WHERE e.reseller_id = :resellerId AND e.state = 'DISABLED')`,
        )
        .execute();
      queued += result.affected ?? 0;
    }
    return queued;
  }

  /** A page of deliveries, newest first, after `cursor`. */
  listPage(tx: Tx, filter: DeliveryFilter, cursor: DeliveryCursor | null, limit: number) {
    const query = tx.createQueryBuilder(NotificationDelivery, 'd');
    if (filter.resellerId !== undefined) {
      query.andWhere('d.reseller_id = :resellerId', { resellerId: filter.resellerId });
    }
    if (filter.state !== undefined) {
      query.andWhere('d.state = :state', { state: filter.state });
    }
    if (filter.entitlementId !== undefined) {
      query.andWhere('d.entitlement_id = :entitlementId', { entitlementId: filter.entitlementId });
    }
    if (cursor !== null) {
      query.andWhere(keysetAfter(['d.created_at', 'd.id'], 'DESC', ['at', 'id']), {
        at: cursor.createdAt,
        id: cursor.id,
      });
    }
    return query.orderBy('d.created_at', 'DESC').addOrderBy('d.id', 'DESC').take(limit).getMany();
  }

  /** The attempts of the given deliveries, oldest first. */
  attemptsOf(tx: Tx, deliveryIds: readonly string[]): Promise<DeliveryAttempt[]> {
    if (deliveryIds.length === 0) {
      return Promise.resolve([]);
    }
    return tx.find(DeliveryAttempt, {
      where: { deliveryId: In([...deliveryIds]) },
      order: { attemptedAt: 'ASC', id: 'ASC' },
    });
  }
}

function chunks<T>(items: readonly T[]): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += ROWS_PER_STATEMENT) {
    result.push(items.slice(start, start + ROWS_PER_STATEMENT));
  }
  return result;
}

function groupBy<T, K, V = T>(
  items: readonly T[],
  key: (item: T) => K,
  value: (item: T) => V = (item) => item as unknown as V,
): Map<K, V[]> {
  const groups = new Map<K, V[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group === undefined) {
      groups.set(k, [value(item)]);
    } else {
      group.push(value(item));
    }
  }
  return groups;
}
