import type { Readable } from 'node:stream';

import type { Transactions, Tx } from '../database/transaction';
import type { EntitlementStatus } from '../domain/state-machine';
import { BadRequestProblem, NotFoundProblem } from '../errors/http-problems';
import type { components, operations } from '../generated/contract';
import {
  COLUMNS_OF,
  type CsvRecord,
  csvStream,
  entitlementRecord,
  eventRecord,
  type ReportType,
  summaryRecord,
  type SummaryRecord,
} from './csv-writer';
import { REPORT_STATUSES } from './report-definitions';
import type {
  EntitlementKeyset,
  EventKeyset,
  GroupActivity,
  GroupKey,
  Period,
  ReportEvent,
  ReportRepository,
  ReportScope,
  StatusCount,
} from './report.repository';

type SummaryReport = components['schemas']['SummaryReport'];
type DeliveryHealth = components['schemas']['DeliveryHealth'];

/** The summary's query, as the contract validated it. */
export type SummaryQuery = operations['getSummaryReport']['parameters']['query'];

/** The export's query, as the contract validated it. */
export type ExportQuery = operations['exportEntitlementReport']['parameters']['query'];

/** A CSV export, ready to stream. */
export interface ReportExport {
  /** `AR_V1_20260101.csv`: Bango's `{type}_V1_{date}` without the D/W/M letter. */
  filename: string;
  body: Readable;
}

/** What {@link ReportService} needs. */
export interface ReportServiceDeps {
  transactions: Transactions;
  repository: ReportRepository;
  /** Rows read per query while streaming AR, CR and ER; default 500. */
  pageSize?: number;
}

const DEFAULT_PAGE_SIZE = 500;

/**
 * The operator's reports: the JSON summary and the Bango-shaped CSV exports.
 *
 * **Period.** `[from, to)`, compared with the instants the server recorded (`occurredAt` of
 * events, `dateCreated` of deliveries). A sandbox reseller's events carry its test clock's time.
 *
 * **Groups.** Rows are per (reseller, merchant, product), the product being the entitlement's
 * current one: a product change moves the entitlement's history to its new product. Creates
 * still waiting for the merchant's first answer are in no report.
 *
 * **Counted from events in the period** (definitions in `report-definitions.ts`):
 * - *activation*: `ACTIVATION_SUCCESS` (the merchant activated a `PENDING` entitlement, also
 *   after a product change that needed the user), or `ENTITLEMENT_CREATED` into `ACTIVE`;
 * - *cancellation*: `TERMINATION_PENDING` (cancelled at the end of the period, into
 *   `ACTIVE-ENDING`), or `TERMINATION_SUCCESS` (cancelled now, revoked, expired) from any status
 *   but `ACTIVE-ENDING`: a scheduled cancellation counts once, when scheduled, not again when it
 *   ends or is turned into a revocation;
 * - *change*: `PRODUCT_UPDATE`, `METADATA_UPDATE` (a reverted cancellation included),
 *   `SUSPENSION_SUCCESS`, `RESUMPTION_SUCCESS`.
 * Creates into `PENDING` or `FAILED`, and `CUSTOMER_NOT_ELIGIBLE`, are none of these.
 *
 * **Funnel.** The entitlements whose `ENTITLEMENT_CREATED` event in the period left them
 * `PENDING`; *activated* are those whose first `ACTIVE` event came before `to` (so a closed
 * period's report does not change later). The time to activate runs from the create event to
 * that event; its median is computed in SQL (the middle rows by duration, `LIMIT`/`OFFSET`),
 * with one dialect-specific duration expression; null when none activated.
 *
 * **Deliveries.** Notifications created in the period by state now: `DELIVERED` → delivered,
 * `PENDING` and `ENDPOINT_DISABLED` (held for a disabled endpoint) → pending, `FAILED` →
 * failed. Disabled endpoints: URLs of endpoints disabled before `to` and still disabled (with a
 * merchant filter, only those holding a notification about one of its entitlements).
 *
 * **Statuses.** The summary counts statuses now (the contract says so); the exports as at `to`,
 * from each entitlement's last event before `to`, whose snapshot is the entitlement then:
 * - `AR`: entitlements live at `to` (`PENDING`, `ACTIVE`, `ACTIVE-ENDING`, `SUSPENDED`), in
 *   creation order;
 * - `CR`: entitlements with a status change in the period (a create counts), once each, as at
 *   `to`, in order of their last event;
 * - `ER`: every event of the period, each with the entitlement right after it;
 * - `SR`: per group, counts by status as at `to`, their total, and the period's activations,
 *   cancellations and changes.
 * AR, CR and ER are read in keyset pages while the client downloads; pages are separate reads,
 * so a change committed during a long export may show in later pages (keys never repeat or
 * skip). SR has one row per group and is built at once.
 */
export class ReportService {
  private readonly pageSize: number;

  constructor(private readonly deps: ReportServiceDeps) {
    this.pageSize = deps.pageSize ?? DEFAULT_PAGE_SIZE;
  }

  /** The summary report of `query`'s period; 404 for an unknown reseller or merchant. */
  async getSummary(query: SummaryQuery): Promise<SummaryReport> {
    const period = periodOf(query);
    const { repository } = this.deps;

    return this.deps.transactions.read(async (tx) => {
      const scope = await this.scopeOf(tx, query);
      const counts = await repository.countsByStatusNow(tx, scope);
      const activity = await repository.activity(tx, scope, period);
      const funnel = await repository.funnelCounts(tx, scope, period);
      const median = await repository.medianSecondsToActivate(tx, scope, period, funnel.activated);

      return {
        from: period.from.toISOString(),
        to: period.to.toISOString(),
        rows: mergeGroups(counts, activity),
        funnel: {
          ...funnel,
          activationRate:
            funnel.createdPending === 0 ? 0 : funnel.activated / funnel.createdPending,
          medianSecondsToActivate: median,
        },
        deliveries: await this.deliveryHealth(tx, scope, period),
      };
    });
  }

  /**
   * The CSV export of `query`. Validates the query and reads the first page before returning,
   * so that a bad request or a failing database is a problem answer, not a cut-off file.
   */
  async exportReport(query: ExportQuery): Promise<ReportExport> {
    const period = periodOf(query);
    const scope = await this.deps.transactions.read((tx) => this.scopeOf(tx, query));
    const records = await this.recordsOf(query.type, scope, period);
    return {
      filename: `${query.type}_V1_${fileStamp(period.from)}.csv`,
      body: csvStream(COLUMNS_OF[query.type], records),
    };
  }

  private recordsOf(
    type: ReportType,
    scope: ReportScope,
    period: Period,
  ): Promise<AsyncIterable<CsvRecord> | Iterable<CsvRecord>> {
    const { repository } = this.deps;
    const byEvent = (row: ReportEvent): EventKeyset => ({ occurredAt: row.occurredAt, id: row.id });

    switch (type) {
      case 'AR':
        return this.paged<EntitlementKeyset>(
          (tx, after) => repository.activePage(tx, scope, period.to, after, this.pageSize),
          (row) => ({ dateCreated: new Date(row.snapshot.dateCreated), id: row.entitlementId }),
          entitlementRecord,
        );
      case 'CR':
        return this.paged<EventKeyset>(
          (tx, after) => repository.changedPage(tx, scope, period, after, this.pageSize),
          byEvent,
          entitlementRecord,
        );
      case 'ER':
        return this.paged<EventKeyset>(
          (tx, after) => repository.eventPage(tx, scope, period, after, this.pageSize),
          byEvent,
          eventRecord,
        );
      case 'SR':
        return this.summaryRecords(scope, period);
    }
  }

  /**
   * Records of a keyset-paged query: the first page now, each next one when the stream has
   * written the previous one. Each page is its own short read (SQLite's one connection is
   * never held between pages).
   */
  private async paged<K>(
    fetch: (tx: Tx, after: K | null) => Promise<ReportEvent[]>,
    keyOf: (row: ReportEvent) => K,
    render: (row: ReportEvent) => CsvRecord,
  ): Promise<AsyncIterable<CsvRecord>> {
    const read = (after: K | null) => this.deps.transactions.read((tx) => fetch(tx, after));
    const pageSize = this.pageSize;
    const first = await read(null);

    return (async function* () {
      let page = first;
      for (;;) {
        yield* page.map(render);
        const last = page.at(-1);
        if (page.length < pageSize || last === undefined) {
          return;
        }
        page = await read(keyOf(last));
      }
    })();
  }

  private async summaryRecords(scope: ReportScope, period: Period): Promise<CsvRecord[]> {
    const { repository } = this.deps;
    const rows = await this.deps.transactions.read(async (tx) =>
      mergeGroups(
        await repository.countsByStatusAt(tx, scope, period.to),
        await repository.activity(tx, scope, period),
      ),
    );
    return rows.map(summaryRecord);
  }

  private async deliveryHealth(tx: Tx, scope: ReportScope, period: Period) {
    const health: DeliveryHealth = { delivered: 0, pending: 0, failed: 0, disabledEndpoints: [] };
    for (const { state, count } of await this.deps.repository.deliveryCounts(tx, scope, period)) {
      const field = state === 'DELIVERED' ? 'delivered' : state === 'FAILED' ? 'failed' : 'pending';
      health[field] += count;
    }
    health.disabledEndpoints = await this.deps.repository.disabledEndpointUrls(
      tx,
      scope,
      period.to,
    );
    return health;
  }

  /** The ids behind the query's keys; 404 when one names nobody. */
  private async scopeOf(
    tx: Tx,
    query: { resellerKey?: string; merchantAccountKey?: string },
  ): Promise<ReportScope> {
    const scope: ReportScope = {};
    if (query.resellerKey !== undefined) {
      const id = await this.deps.repository.resellerIdOf(tx, query.resellerKey);
      if (id === null) {
        throw new NotFoundProblem(`No reseller ${query.resellerKey}.`);
      }
      scope.resellerId = id;
    }
    if (query.merchantAccountKey !== undefined) {
      const id = await this.deps.repository.merchantIdOf(tx, query.merchantAccountKey);
      if (id === null) {
        throw new NotFoundProblem(`No merchant ${query.merchantAccountKey}.`);
      }
      scope.merchantId = id;
    }
    return scope;
  }
}

/** The period of a contract-validated query; 400 unless `from` is before `to`. */
function periodOf(query: { from: string; to: string }): Period {
  const period = { from: new Date(query.from), to: new Date(query.to) };
  if (!(period.from < period.to)) {
    throw new BadRequestProblem('The period is empty: `to` must be after `from`.', {
      errors: [{ field: 'query.to', message: 'must be after from' }],
    });
  }
  return period;
}

/** `20260101` for a midnight (UTC), else `20260101T093000Z`. */
function fileStamp(instant: Date): string {
  const compact = instant.toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
  return compact.endsWith('T000000Z') ? compact.slice(0, 8) : compact;
}

/** One summary row per group seen in either list, every status keyed, in key order. */
function mergeGroups(counts: StatusCount[], activity: GroupActivity[]): SummaryRecord[] {
  const rows = new Map<string, SummaryRecord>();
  const rowOf = (key: GroupKey) => {
    const id = JSON.stringify([key.resellerKey, key.merchantAccountKey, key.productKey]);
    let row = rows.get(id);
    if (row === undefined) {
      row = {
        resellerKey: key.resellerKey,
        merchantAccountKey: key.merchantAccountKey,
        productKey: key.productKey,
        countsByStatus: zeroCounts(),
        activations: 0,
        cancellations: 0,
        changes: 0,
      };
      rows.set(id, row);
    }
    return row;
  };

  for (const count of counts) {
    rowOf(count).countsByStatus[count.status] += count.count;
  }
  for (const group of activity) {
    Object.assign(rowOf(group), {
      activations: group.activations,
      cancellations: group.cancellations,
      changes: group.changes,
    });
  }
  return [...rows.values()].sort(
    (a, b) =>
      compare(a.resellerKey, b.resellerKey) ||
      compare(a.merchantAccountKey, b.merchantAccountKey) ||
      compare(a.productKey, b.productKey),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function zeroCounts(): Record<EntitlementStatus, number> {
  return Object.fromEntries(REPORT_STATUSES.map((status) => [status, 0])) as Record<
    EntitlementStatus,
    number
  >;
}
