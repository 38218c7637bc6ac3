import { randomUUID } from 'node:crypto';

import { dialectOf } from '../../database/dialect';
import type { Tx } from '../../database/transaction';
import { DeliveryLane, NotificationEndpoint } from '../entities';

/**
 * SQL true for endpoint `e` (an alias in the enclosing query) when it has something to send at
 * `:now`: its queue's head is due, or a delivery outside the queue is. The dispatcher claims
 * only such endpoints, so one whose head waits for its retry is left alone meanwhile.
 */
const ENDPOINT_HAS_SENDABLE_SQL = `(EXISTS (SELECT 1 FROM notification_delivery o
    WHERE o.endpoint_id = e.id AND o.state = 'PENDING' AND o.lane = ${DeliveryLane.OUTSIDE}
      AND o.next_attempt_at <= :now)
  OR (SELECT h.next_attempt_at FROM notification_delivery h
    WHERE h.endpoint_id = e.id AND h.state = 'PENDING' AND h.lane < ${DeliveryLane.OUTSIDE}
    ORDER BY h.lane, h.sequence LIMIT 1) <= :now)`;

/** The lease a dispatcher takes on endpoints before sending to them. */
export interface EndpointLease {
  token: string;
  now: Date;
  until: Date;
}

/** Notification endpoints: their health, and the dispatcher's per-endpoint lease. */
export class NotificationEndpointRepository {
  /**
   * The endpoint of `resellerId` at `url`, created ACTIVE if new. On PostgreSQL the row is read
   * `FOR SHARE`, so a concurrent disable either waits for this transaction (and then holds its
   * new deliveries too) or has committed and is seen here.
   */
  async ensure(tx: Tx, resellerId: string, url: string, now: Date): Promise<NotificationEndpoint> {
    await tx
      .createQueryBuilder()
      .insert()
      .into(NotificationEndpoint)
      .values({
        id: randomUUID(),
        resellerId,
        url,
        state: 'ACTIVE',
        failingSince: null,
        disabledAt: null,
        lockedUntil: now,
        lockToken: null,
        createdAt: now,
      })
      .orIgnore()
      .execute();

    const query = tx
      .createQueryBuilder(NotificationEndpoint, 'e')
      .where('e.reseller_id = :resellerId AND e.url = :url', { resellerId, url });
    if (dialectOf(tx.connection) === 'postgres') {
      query.setLock('pessimistic_read');
    }
    return query.getOneOrFail();
  }

  findById(tx: Tx, id: string): Promise<NotificationEndpoint | null> {
    return tx.findOneBy(NotificationEndpoint, { id });
  }

  findByUrl(tx: Tx, resellerId: string, url: string): Promise<NotificationEndpoint | null> {
    return tx.findOneBy(NotificationEndpoint, { resellerId, url });
  }

  /** Every endpoint: disabled first, then failing (longest first), then the rest by URL. */
  list(tx: Tx): Promise<NotificationEndpoint[]> {
    return tx
      .createQueryBuilder(NotificationEndpoint, 'e')
      .orderBy(
        "CASE WHEN e.state = 'DISABLED' THEN 0 WHEN e.failing_since IS NULL THEN 2 ELSE 1 END",
      )
      .addOrderBy('e.failing_since', 'ASC')
      .addOrderBy('e.url', 'ASC')
      .addOrderBy('e.id', 'ASC')
      .getMany();
  }

  /**
   * Leases up to `limit` active endpoints that have something to send (a due queue head, or a
   * due delivery outside the queue) and no live lease, the one waiting longest first. On
   * PostgreSQL the candidates are locked `FOR UPDATE SKIP LOCKED`, so processes claiming
   * together take different endpoints; the UPDATE re-checks the lease, so on SQLite too an
   * endpoint is never leased twice.
   */
  async claim(tx: Tx, lease: EndpointLease, limit: number): Promise<NotificationEndpoint[]> {
    const candidates = tx
      .createQueryBuilder(NotificationEndpoint, 'e')
      .select('e.id', 'id')
      .where("e.state = 'ACTIVE' AND e.locked_until <= :now", { now: lease.now })
      .andWhere(ENDPOINT_HAS_SENDABLE_SQL)
      .orderBy('e.locked_until', 'ASC')
      .limit(limit);
    if (dialectOf(tx.connection) === 'postgres') {
      candidates.setLock('pessimistic_write').setOnLocked('skip_locked');
    }
    const ids = (await candidates.getRawMany<{ id: string }>()).map((row) => row.id);
    if (ids.length === 0) {
      return [];
    }

    await tx
      .createQueryBuilder()
      .update(NotificationEndpoint)
      .set({ lockedUntil: lease.until, lockToken: lease.token })
      .where("id IN (:...ids) AND state = 'ACTIVE' AND locked_until <= :now", {
        ids,
        now: lease.now,
      })
      .execute();
    return tx.findBy(NotificationEndpoint, { lockToken: lease.token });
  }

  /** Ends a lease (if still held with `token`); the endpoint may be claimed again at once. */
  async release(tx: Tx, id: string, token: string, now: Date): Promise<void> {
    await tx
      .createQueryBuilder()
      .update(NotificationEndpoint)
      .set({ lockedUntil: now, lockToken: null })
      .where('id = :id AND lock_token = :token', { id, token })
      .execute();
  }

  /** Successes: these endpoints are healthy again. */
  async markHealthy(tx: Tx, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) {
      return;
    }
    await tx
      .createQueryBuilder()
      .update(NotificationEndpoint)
      .set({ failingSince: null })
      .where('id IN (:...ids) AND failing_since IS NOT NULL', { ids })
      .execute();
  }

  /** A failure at `at`: starts the failing period unless one is running; returns the row. */
  async markFailing(tx: Tx, id: string, at: Date): Promise<NotificationEndpoint> {
    await tx
      .createQueryBuilder()
      .update(NotificationEndpoint)
      .set({ failingSince: at })
      .where('id = :id AND failing_since IS NULL', { id })
      .execute();
    return tx.findOneByOrFail(NotificationEndpoint, { id });
  }

  async disable(tx: Tx, id: string, at: Date): Promise<void> {
    await tx.update(NotificationEndpoint, { id }, { state: 'DISABLED', disabledAt: at });
  }

  async enable(tx: Tx, id: string): Promise<void> {
    await tx.update(
      NotificationEndpoint,
      { id },
      { state: 'ACTIVE', disabledAt: null, failingSince: null },
    );
  }
}
