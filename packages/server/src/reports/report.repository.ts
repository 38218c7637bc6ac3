import type { SelectQueryBuilder } from 'typeorm';

import { dialectOf } from '../database/dialect';
import { keysetAfter } from '../database/keyset';
import type { Tx } from '../database/transaction';
import type { EntitlementStatus } from '../domain/state-machine';
import { EntitlementEventRecord, EntitlementRecord, Merchant, Reseller } from '../entities';
import { NotificationDelivery, NotificationEndpoint } from '../notifications/entities';
import {
  isActivationSql,
  isCancellationSql,
  isChangeSql,
  isStatusChangeSql,
  REPORTED_LIVE_STATUSES,
} from './report-definitions';

/** Whose entitlements a report covers; ids, resolved from the keys by the service. */
export interface ReportScope {
  resellerId?: string;
  merchantId?: string;
}

/** The order of every page of events: when they occurred, then id. */
const EVENT_ORDER = ['event.occurred_at', 'event.id'] as const;

/** `from` inclusive, `to` exclusive. */
export interface Period {
  from: Date;
  to: Date;
}

/** One (reseller, merchant, product) group of a report. */
export interface GroupKey {
  resellerKey: string;
  merchantAccountKey: string;
  productKey: string;
}

/** How many entitlements of a group are in one status. */
export interface StatusCount extends GroupKey {
  status: EntitlementStatus;
  count: number;
}

/** A group's activity in a period. */
export interface GroupActivity extends GroupKey {
  activations: number;
  cancellations: number;
  changes: number;
}

/** An event with its reseller's key: one CSV row of AR, CR or ER. */
export type ReportEvent = EntitlementEventRecord & { reseller: Pick<Reseller, 'resellerKey'> };

/** A position in the (occurred at, id) order of events. */
export interface EventKeyset {
  occurredAt: Date;
  id: string;
}

/** A position in the (created, id) order of entitlements. */
export interface EntitlementKeyset {
  dateCreated: Date;
  id: string;
}

/**
 * The SQL of "the entitlement's last event before `:asOf`", for the entitlement whose id is
 * `idColumn`: its state at that instant. Uses `IDX_entitlement_event_entitlement`.
 */
function lastEventBefore(alias: string, idColumn: string): string {
  return (
    `${alias}.version = (SELECT MAX(x.version) FROM entitlement_event x ` +
    `WHERE x.entitlement_id = ${idColumn} AND x.occurred_at < :asOf)`
  );
}

/**
 * The reports' queries. Counting and filtering happen in the database; CSV rows are read in
 * keyset pages (never with OFFSET) so that an export of any size holds one page in memory.
 * Every query is the same SQL on SQLite and PostgreSQL, except the duration expression of
 * {@link ReportRepository.medianSecondsToActivate}.
 */
export class ReportRepository {
  async resellerIdOf(tx: Tx, resellerKey: string): Promise<string | null> {
    const reseller = await tx.findOne(Reseller, { select: { id: true }, where: { resellerKey } });
    return reseller?.id ?? null;
  }

  async merchantIdOf(tx: Tx, merchantAccountKey: string): Promise<string | null> {
    const merchant = await tx.findOne(Merchant, {
      select: { id: true },
      where: { merchantAccountKey },
    });
    return merchant?.id ?? null;
  }

  /** Entitlements per group and current status (creates still at the merchant left out). */
  async countsByStatusNow(tx: Tx, scope: ReportScope): Promise<StatusCount[]> {
    const query = this.groupedEntitlements(tx, scope)
      .addSelect('entitlement.status', 'status')
      .andWhere('entitlement.provisioning = :provisioning', { provisioning: false })
      .addGroupBy('entitlement.status');
    return toStatusCounts(await query.getRawMany());
  }

  /** Entitlements per group and status as at `asOf`: the status after their last event before. */
  async countsByStatusAt(tx: Tx, scope: ReportScope, asOf: Date): Promise<StatusCount[]> {
    const query = this.groupedEntitlements(tx, scope)
      .innerJoin(
        EntitlementEventRecord,
        'latest',
        `latest.entitlement_id = entitlement.id AND ${lastEventBefore('latest', 'entitlement.id')}`,
        { asOf },
      )
      .addSelect('latest.status_after', 'status')
      .andWhere('entitlement.date_created < :asOf', { asOf })
      .addGroupBy('latest.status_after');
    return toStatusCounts(await query.getRawMany());
  }

  /** Activations, cancellations and changes per group in `period` (report-definitions.ts). */
  async activity(tx: Tx, scope: ReportScope, period: Period): Promise<GroupActivity[]> {
    const sum = (condition: string) => `SUM(CASE WHEN ${condition} THEN 1 ELSE 0 END)`;
    const query = this.groupedEvents(tx, scope, period)
      .addSelect(sum(isActivationSql('event')), 'activations')
      .addSelect(sum(isCancellationSql('event')), 'cancellations')
      .addSelect(sum(isChangeSql('event')), 'changes');
    const rows = await query.getRawMany<GroupKey & Record<keyof GroupActivity, unknown>>();
    return rows.map((row) => ({
      ...groupKeyOf(row),
      activations: Number(row.activations),
      cancellations: Number(row.cancellations),
      changes: Number(row.changes),
    }));
  }

  /**
   * Of the entitlements created `PENDING` in `period`, how many there are and how many became
   * `ACTIVE` (their first `ACTIVE` event) before the period ended.
   */
  async funnelCounts(
    tx: Tx,
    scope: ReportScope,
    period: Period,
  ): Promise<{ createdPending: number; activated: number }> {
    const row = await this.funnel(tx, scope, period, 'left')
      .select('COUNT(created.id)', 'createdPending')
      .addSelect('COUNT(activation.id)', 'activated')
      .getRawOne<{ createdPending: unknown; activated: unknown }>();
    return { createdPending: Number(row?.createdPending ?? 0), activated: Number(row?.activated) };
  }

  /**
   * The median of the funnel's times to activate, in seconds, computed by the database: the
   * middle one or two durations in order (`LIMIT 2 OFFSET ⌊(n−1)/2⌋`), so nothing but those
   * rows leaves it. The duration is the only dialect-specific SQL of the reports.
   *
   * @param activated the funnel's `activated` count (n), from {@link funnelCounts}.
   */
  async medianSecondsToActivate(
    tx: Tx,
    scope: ReportScope,
    period: Period,
    activated: number,
  ): Promise<number | null> {
    if (activated === 0) {
      return null;
    }
    const seconds =
      dialectOf(tx.connection) === 'postgres'
        ? 'EXTRACT(EPOCH FROM (activation.occurred_at - created.occurred_at))'
        : '(julianday(activation.occurred_at) - julianday(created.occurred_at)) * 86400.0';
    const middle = await this.funnel(tx, scope, period, 'inner')
      .select(seconds, 'seconds')
      .orderBy('seconds', 'ASC')
      .limit(activated % 2 === 0 ? 2 : 1)
      .offset(Math.floor((activated - 1) / 2))
      .getRawMany<{ seconds: unknown }>();
    // Instants are whole milliseconds; julianday's floating point adds noise far below that.
    const millis = middle.map((row) => Math.round(Number(row.seconds) * 1000));
    return millis.reduce((sum, value) => sum + value, 0) / millis.length / 1000;
  }

  /** Deliveries created in `period`, counted by state. */
  async deliveryCounts(
    tx: Tx,
    scope: ReportScope,
    period: Period,
  ): Promise<{ state: NotificationDelivery['state']; count: number }[]> {
    const query = tx
      .createQueryBuilder(NotificationDelivery, 'delivery')
      .select('delivery.state', 'state')
      .addSelect('COUNT(*)', 'count')
      .where('delivery.created_at >= :from AND delivery.created_at < :to', period)
      .groupBy('delivery.state');
    if (scope.resellerId !== undefined) {
      query.andWhere('delivery.reseller_id = :resellerId', scope);
    }
    if (scope.merchantId !== undefined) {
      query
        .innerJoin(EntitlementRecord, 'entitlement', 'entitlement.id = delivery.entitlement_id')
        .andWhere('entitlement.merchant_id = :merchantId', scope);
    }
    const rows = await query.getRawMany<{ state: NotificationDelivery['state']; count: unknown }>();
    return rows.map((row) => ({ state: row.state, count: Number(row.count) }));
  }

  /**
   * URLs of endpoints disabled before `before` and still disabled. With a merchant, only those
   * that hold a notification about one of the merchant's entitlements.
   */
  async disabledEndpointUrls(tx: Tx, scope: ReportScope, before: Date): Promise<string[]> {
    const query = tx
      .createQueryBuilder(NotificationEndpoint, 'endpoint')
      .select('endpoint.url', 'url')
      .distinct(true)
      .where("endpoint.state = 'DISABLED' AND endpoint.disabled_at < :before", { before })
      .orderBy('endpoint.url', 'ASC');
    if (scope.resellerId !== undefined) {
      query.andWhere('endpoint.reseller_id = :resellerId', scope);
    }
    if (scope.merchantId !== undefined) {
      query.andWhere(
        `EXISTS (SELECT 1 FROM notification_delivery d
          INNER JOIN entitlement e ON e.id = d.entitlement_id
          WHERE d.endpoint_id = endpoint.id AND e.merchant_id = :merchantId)`,
        scope,
      );
    }
    const rows = await query.getRawMany<{ url: string }>();
    return rows.map((row) => row.url);
  }

  /**
   * AR: a page of the entitlements live at `asOf`, as their last event before it (the event's
   * snapshot is the entitlement at that instant), in (created, id) order after `after`.
   *
   * Two indexed queries, so that the database walks entitlements in key order and stops at
   * `limit` (a join with the events lets SQLite scan every event and sort instead): the page's
   * ids, with the status at `asOf` as a correlated subquery; then those entitlements' events.
   */
  async activePage(
    tx: Tx,
    scope: ReportScope,
    asOf: Date,
    after: EntitlementKeyset | null,
    limit: number,
  ): Promise<ReportEvent[]> {
    const statusAt =
      '(SELECT latest.status_after FROM entitlement_event latest ' +
      'WHERE latest.entitlement_id = entitlement.id AND latest.occurred_at < :asOf ' +
      'ORDER BY latest.version DESC LIMIT 1)';
    const page = tx
      .createQueryBuilder(EntitlementRecord, 'entitlement')
      .select('entitlement.id', 'id')
      .where('entitlement.date_created < :asOf', { asOf })
      .andWhere(`${statusAt} IN (:...live)`, { live: REPORTED_LIVE_STATUSES });
    applyScope(page, scope);
    if (after !== null) {
      page.andWhere(
        keysetAfter(['entitlement.date_created', 'entitlement.id'], 'ASC', [
          'afterDate',
          'afterId',
        ]),
        { afterDate: after.dateCreated, afterId: after.id },
      );
    }
    const ids = (
      await page
        .orderBy('entitlement.date_created', 'ASC')
        .addOrderBy('entitlement.id', 'ASC')
        .limit(limit)
        .getRawMany<{ id: string }>()
    ).map((row) => row.id);
    if (ids.length === 0) {
      return [];
    }

    const events = (await this.reportEvents(tx, {})
      .andWhere('event.entitlement_id IN (:...ids)', { ids })
      .andWhere(lastEventBefore('event', 'event.entitlement_id'), { asOf })
      .getMany()) as ReportEvent[];
    const position = new Map(ids.map((id, index) => [id, index]));
    return events.sort((a, b) => position.get(a.entitlementId)! - position.get(b.entitlementId)!);
  }

  /**
   * CR: a page of the entitlements whose status changed in `period`, each once, as its last
   * event before the period's end, in that event's (occurred at, id) order after `after`.
   */
  changedPage(
    tx: Tx,
    scope: ReportScope,
    period: Period,
    after: EventKeyset | null,
    limit: number,
  ): Promise<ReportEvent[]> {
    const query = this.eventsIn(tx, scope, period, after)
      .andWhere(
        `NOT EXISTS (SELECT 1 FROM entitlement_event later
          WHERE later.entitlement_id = event.entitlement_id AND later.version > event.version
          AND later.occurred_at < :to)`,
      )
      .andWhere(
        `EXISTS (SELECT 1 FROM entitlement_event changed
          WHERE changed.entitlement_id = event.entitlement_id
          AND changed.occurred_at >= :from AND changed.occurred_at < :to
          AND ${isStatusChangeSql('changed')})`,
      );
    return query.limit(limit).getMany() as Promise<ReportEvent[]>;
  }

  /** ER: a page of the events of `period`, in (occurred at, id) order after `after`. */
  eventPage(
    tx: Tx,
    scope: ReportScope,
    period: Period,
    after: EventKeyset | null,
    limit: number,
  ): Promise<ReportEvent[]> {
    return this.eventsIn(tx, scope, period, after).limit(limit).getMany() as Promise<ReportEvent[]>;
  }

  /** Events of `period` in scope, ordered, after `after`. */
  private eventsIn(tx: Tx, scope: ReportScope, period: Period, after: EventKeyset | null) {
    const query = this.reportEvents(tx, scope).andWhere('event.occurred_at < :to', period);
    // One lower bound, the later: with both, SQLite seeks the period's start and walks every
    // event before the position (PostgreSQL picks the row value either way).
    if (after === null || after.occurredAt < period.from) {
      query.andWhere('event.occurred_at >= :from', period);
    }
    if (after !== null) {
      query.andWhere(keysetAfter(EVENT_ORDER, 'ASC', ['afterAt', 'afterId']), {
        afterAt: after.occurredAt,
        afterId: after.id,
      });
    }
    return query.orderBy(EVENT_ORDER[0], 'ASC').addOrderBy(EVENT_ORDER[1], 'ASC');
  }

  /** Events in scope, with their reseller's key; `entitlement` is joined for filters. */
  private reportEvents(tx: Tx, scope: ReportScope): SelectQueryBuilder<EntitlementEventRecord> {
    const query = tx
      .createQueryBuilder(EntitlementEventRecord, 'event')
      .innerJoin('event.reseller', 'reseller')
      .addSelect(['reseller.id', 'reseller.resellerKey'])
      .innerJoin('event.entitlement', 'entitlement');
    applyScope(query, scope);
    return query;
  }

  /** Entitlements in scope grouped by (reseller, merchant, product), with a COUNT. */
  private groupedEntitlements(tx: Tx, scope: ReportScope) {
    const query = tx
      .createQueryBuilder(EntitlementRecord, 'entitlement')
      .innerJoin('entitlement.reseller', 'reseller')
      .innerJoin('entitlement.merchant', 'merchant')
      .select('reseller.reseller_key', 'resellerKey')
      .addSelect('merchant.merchant_account_key', 'merchantAccountKey')
      .addSelect('entitlement.product_key', 'productKey')
      .addSelect('COUNT(*)', 'count')
      .groupBy('reseller.reseller_key')
      .addGroupBy('merchant.merchant_account_key')
      .addGroupBy('entitlement.product_key');
    applyScope(query, scope);
    return query;
  }

  /** Events of `period` in scope grouped by their entitlement's current group. */
  private groupedEvents(tx: Tx, scope: ReportScope, period: Period) {
    const query = tx
      .createQueryBuilder(EntitlementEventRecord, 'event')
      .innerJoin('event.entitlement', 'entitlement')
      .innerJoin('entitlement.reseller', 'reseller')
      .innerJoin('entitlement.merchant', 'merchant')
      .select('reseller.reseller_key', 'resellerKey')
      .addSelect('merchant.merchant_account_key', 'merchantAccountKey')
      .addSelect('entitlement.product_key', 'productKey')
      .where('event.occurred_at >= :from AND event.occurred_at < :to', period)
      .groupBy('reseller.reseller_key')
      .addGroupBy('merchant.merchant_account_key')
      .addGroupBy('entitlement.product_key');
    applyScope(query, scope);
    return query;
  }

  /**
   * The funnel's rows: creates into `PENDING` in `period` (alias `created`), joined ('left') or
   * restricted ('inner') to the entitlement's first `ACTIVE` event before the period's end
   * (alias `activation`).
   */
  private funnel(tx: Tx, scope: ReportScope, period: Period, join: 'left' | 'inner') {
    const firstActive =
      'activation.entitlement_id = created.entitlement_id AND activation.occurred_at < :to ' +
      'AND activation.version = (SELECT MIN(y.version) FROM entitlement_event y ' +
      "WHERE y.entitlement_id = created.entitlement_id AND y.status_after = 'ACTIVE')";
    const query = tx
      .createQueryBuilder(EntitlementEventRecord, 'created')
      .innerJoin('created.entitlement', 'entitlement')
      .where("created.reason = 'ENTITLEMENT_CREATED' AND created.status_after = 'PENDING'")
      .andWhere('created.occurred_at >= :from AND created.occurred_at < :to', period);
    if (join === 'left') {
      query.leftJoin(EntitlementEventRecord, 'activation', firstActive);
    } else {
      query.innerJoin(EntitlementEventRecord, 'activation', firstActive);
    }
    applyScope(query, scope);
    return query;
  }
}

/** Filters on the alias `entitlement`, which every report query joins. */
function applyScope<T extends object>(query: SelectQueryBuilder<T>, scope: ReportScope): void {
  if (scope.resellerId !== undefined) {
    query.andWhere('entitlement.reseller_id = :resellerId', { resellerId: scope.resellerId });
  }
  if (scope.merchantId !== undefined) {
    query.andWhere('entitlement.merchant_id = :merchantId', { merchantId: scope.merchantId });
  }
}

function groupKeyOf(row: GroupKey): GroupKey {
  return {
    resellerKey: row.resellerKey,
    merchantAccountKey: row.merchantAccountKey,
    productKey: row.productKey,
  };
}

function toStatusCounts(rows: (GroupKey & { status: EntitlementStatus; count: unknown })[]) {
  return rows.map((row) => ({ ...groupKeyOf(row), status: row.status, count: Number(row.count) }));
}
