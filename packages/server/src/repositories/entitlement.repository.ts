import type { SelectQueryBuilder } from 'typeorm';

import { dialectOf } from '../database/dialect';
import { keysetAfter } from '../database/keyset';
import { PreparedSelects, type SelectParameters } from '../database/prepared-select';
import type { Tx } from '../database/transaction';
import type { EntitlementStatus } from '../domain/state-machine';
import { EntitlementRecord, type Merchant, type Reseller, type Route } from '../entities';
import { type AwaitedMerchantChange, PROVISIONING_ROWS } from '../entities/entitlement.entity';

/** An entitlement with the parties and route it belongs to. */
export type EntitlementView = EntitlementRecord & {
  reseller: Reseller;
  merchant: Merchant;
  route: Route;
};

/** Who may see an entitlement: its reseller, or the merchant of its product. */
export interface EntitlementScope {
  resellerId?: string;
  merchantId?: string;
}

/** Filters of a page of entitlements; all optional, all exact matches. */
export interface EntitlementFilter extends EntitlementScope {
  entitlementId?: string;
  resellerKey?: string;
  merchantAccountKey?: string;
  customerIdentifier?: string;
  sharedCustomerId?: string;
  merchantEntitlementId?: string;
  productKey?: string;
  status?: EntitlementStatus;
  createdFrom?: Date;
  createdTo?: Date;
}

/** A position in the (date created, id) order. */
export interface Keyset {
  dateCreated: Date;
  id: string;
}

/** Rows the scheduler has to act on; see {@link EntitlementRepository.claimDue}. */
export interface DueQuery {
  /** The instant that makes a row due. */
  dateColumn: 'dateEnded' | 'dateExpiry' | 'dateCreated';
  before: Date;
  statuses: readonly EntitlementStatus[];
  provisioning: boolean;
  resellerId?: string;
  /** Rows that failed earlier in this pass. */
  exclude: readonly string[];
}

/** The order of every page of entitlements: creation time, then id. */
const CREATED_ORDER = ['entitlement.date_created', 'entitlement.id'] as const;

/** Rows every read but {@link EntitlementRepository.findAny} shows; a literal, as is its twin. */
const NOT_PROVISIONING = 'entitlement.provisioning = FALSE';

/**
 * Distinct read statements kept prepared: the filter combinations in use times the page sizes
 * asked for. Past it the oldest is built again when next needed.
 */
const MAX_SELECT_VARIANTS = 200;

/**
 * Per sweep: the date column, and whether its index leads with `status` (period ends:
 * IDX_entitlement_status_ended). The others have an index on the date alone (expiries:
 * IDX_entitlement_expiry; stale creates: the partial IDX_entitlement_provisioning).
 */
const DUE_COLUMNS = {
  dateEnded: { column: 'date_ended', statusLeads: true },
  dateExpiry: { column: 'date_expiry', statusLeads: false },
  dateCreated: { column: 'date_created', statusLeads: false },
} as const;

/** Column values a change may set; the version is bumped by {@link applyChange}. */
export type EntitlementChanges = Partial<Omit<EntitlementRecord, 'id' | 'version'>>;

/** Reads and writes entitlements. Rows still provisioning are hidden from every read. */
export class EntitlementRepository {
  /** Every read's select, per variant (filters set, page size); see {@link PreparedSelects}. */
  private readonly selects = new PreparedSelects<EntitlementRecord>(MAX_SELECT_VARIANTS);

  async insert(tx: Tx, record: EntitlementRecord): Promise<void> {
    await tx.insert(EntitlementRecord, record);
  }

  /** The entitlement if it is visible in `scope`, with its parties and route. */
  findVisible(tx: Tx, id: string, scope: EntitlementScope): Promise<EntitlementView | null> {
    const filter = { entitlementId: id, ...scope };
    const select = this.selects.variant(`visible ${filterKey(filter)}`, (t) =>
      filtered(this.views(t), filter),
    );
    return select.getOne(tx, filterParameters(filter)) as Promise<EntitlementView | null>;
  }

  /** The entitlement whatever its state, provisioning included. */
  findAny(tx: Tx, id: string): Promise<EntitlementView | null> {
    const select = this.selects.variant('any', (t) =>
      this.views(t, { includeProvisioning: true }).andWhere('entitlement.id = :id'),
    );
    return select.getOne(tx, { id }) as Promise<EntitlementView | null>;
  }

  /** The customer's `PENDING` entitlement created by an identical request, if any. */
  findPendingByFingerprint(
    tx: Tx,
    key: { resellerId: string; customerIdentifier: string; productKey: string },
    fingerprint: string,
  ): Promise<EntitlementView | null> {
    const filter: EntitlementFilter = { ...key, status: 'PENDING' };
    // The customer index's own order: a seek to the customer's few rows, whatever the table.
    const select = this.selects.variant(`pending ${filterKey(filter)}`, (t) =>
      filtered(this.views(t), filter)
        .andWhere('entitlement.create_fingerprint = :fingerprint')
        .orderBy('entitlement.date_created', 'DESC')
        .addOrderBy('entitlement.id', 'DESC'),
    );
    return select.getOne(tx, {
      ...filterParameters(filter),
      fingerprint,
    }) as Promise<EntitlementView | null>;
  }

  /** Live entitlements (creates in flight included) of one customer and product on a route. */
  countLive(
    tx: Tx,
    key: { routeId: string; customerIdentifier: string; productKey: string },
    liveStatuses: readonly EntitlementStatus[],
  ): Promise<number> {
    return tx
      .createQueryBuilder(EntitlementRecord, 'entitlement')
      .where('entitlement.route_id = :routeId', key)
      .andWhere('entitlement.customer_identifier = :customerIdentifier', key)
      .andWhere('entitlement.product_key = :productKey', key)
      .andWhere('entitlement.status IN (:...liveStatuses)', { liveStatuses })
      .getCount();
  }

  /**
   * Applies `changes` and bumps the version, only if the row is still at `expectedVersion`.
   * Under concurrency exactly one of several changes from one version succeeds: PostgreSQL
   * re-checks the WHERE clause after waiting for the row lock; SQLite runs them one by one.
   *
   * @returns whether the row was at `expectedVersion` (and so changed).
   */
  async applyChange(
    tx: Tx,
    id: string,
    expectedVersion: number,
    changes: EntitlementChanges,
  ): Promise<boolean> {
    const result = await tx
      .createQueryBuilder()
      .update(EntitlementRecord)
      .set({ ...changes, version: expectedVersion + 1 })
      .where('id = :id AND version = :expectedVersion', { id, expectedVersion })
      .execute();
    return result.affected === 1;
  }

  /** Notes a change the merchant queued, without a new version: nothing changed yet. */
  async markAwaiting(tx: Tx, id: string, change: AwaitedMerchantChange): Promise<void> {
    await tx.update(EntitlementRecord, { id }, { awaitingMerchant: change });
  }

  /** Up to `limit` entitlements matching `filter` after `after`, oldest first. */
  page(
    tx: Tx,
    filter: EntitlementFilter,
    after: Keyset | null,
    limit: number,
  ): Promise<EntitlementView[]> {
    const key = `page ${filterKey(filter)} ${after === null ? 'first' : 'after'} ${limit}`;
    const select = this.selects.variant(key, (t) => {
      const query = filtered(this.views(t), filter);
      if (after !== null) {
        query.andWhere(keysetAfter(CREATED_ORDER, 'ASC', ['afterDate', 'afterId']));
      }
      return query
        .orderBy(CREATED_ORDER[0], 'ASC')
        .addOrderBy(CREATED_ORDER[1], 'ASC')
        .limit(limit);
    });
    const parameters = filterParameters(filter);
    if (after !== null) {
      Object.assign(parameters, { afterDate: after.dateCreated, afterId: after.id });
    }
    return select.getMany(tx, parameters) as Promise<EntitlementView[]>;
  }

  /**
   * Locks and returns the id of one row that `due` describes, oldest first. On PostgreSQL the
   * row is taken `FOR UPDATE SKIP LOCKED`: scheduler passes of several server processes each
   * get different rows, and the lock holds until the caller's transaction ends.
   */
  async claimDue(tx: Tx, due: DueQuery): Promise<string | null> {
    const { column: dateColumn, statusLeads } = DUE_COLUMNS[due.dateColumn];
    const column = `entitlement.${dateColumn}`;
    const sqlite = dialectOf(tx.connection) === 'sqlite';
    // Due rows are few, so the date's index is the way in. SQLite, without statistics, would
    // rather seek the status or the reseller and sort every live row it walks; a unary `+`
    // keeps a term from choosing an index. PostgreSQL's statistics choose right by themselves
    // (and it has no unary + on text).
    const unindexed = (term: string) => (sqlite ? `+${term}` : term);
    const status = statusLeads ? 'entitlement.status' : unindexed('entitlement.status');
    const query = tx
      .createQueryBuilder(EntitlementRecord, 'entitlement')
      .select('entitlement.id', 'id')
      .where(`${column} <= :before`, { before: due.before })
      .andWhere(`${status} IN (:...statuses)`, { statuses: due.statuses })
      // Written out, not bound: only then may the stale-create sweep use the partial index.
      .andWhere(due.provisioning ? `entitlement.${PROVISIONING_ROWS}` : NOT_PROVISIONING)
      .orderBy(column, 'ASC')
      .limit(1);
    if (due.resellerId !== undefined) {
      query.andWhere(`${unindexed('entitlement.reseller_id')} = :resellerId`, {
        resellerId: due.resellerId,
      });
    }
    if (due.exclude.length > 0) {
      query.andWhere('entitlement.id NOT IN (:...exclude)', { exclude: due.exclude });
    }
    if (!sqlite) {
      query.setLock('pessimistic_write').setOnLocked('skip_locked');
    }
    const row = await query.getRawOne<{ id: string }>();
    return row?.id ?? null;
  }

  private views(
    tx: Tx,
    options: { includeProvisioning?: boolean } = {},
  ): SelectQueryBuilder<EntitlementRecord> {
    const query = tx
      .createQueryBuilder(EntitlementRecord, 'entitlement')
      .innerJoinAndSelect('entitlement.reseller', 'reseller')
      .innerJoinAndSelect('entitlement.merchant', 'merchant')
      .innerJoinAndSelect('entitlement.route', 'route');
    if (!options.includeProvisioning) {
      // Callers add their conditions with andWhere: where() would drop this one.
      query.andWhere(NOT_PROVISIONING);
    }
    return query;
  }
}

// Each entry: the filter field, its SQL condition, and the parameter name it binds.
const FILTERS: [keyof EntitlementFilter, string][] = [
  ['resellerId', 'entitlement.reseller_id = :resellerId'],
  ['merchantId', 'entitlement.merchant_id = :merchantId'],
  ['entitlementId', 'entitlement.id = :entitlementId'],
  ['resellerKey', 'reseller.reseller_key = :resellerKey'],
  ['merchantAccountKey', 'merchant.merchant_account_key = :merchantAccountKey'],
  ['customerIdentifier', 'entitlement.customer_identifier = :customerIdentifier'],
  ['sharedCustomerId', 'entitlement.shared_customer_id = :sharedCustomerId'],
  ['merchantEntitlementId', 'entitlement.merchant_entitlement_id = :merchantEntitlementId'],
  ['productKey', 'entitlement.product_key = :productKey'],
  ['status', 'entitlement.status = :status'],
  ['createdFrom', 'entitlement.date_created >= :createdFrom'],
  ['createdTo', 'entitlement.date_created < :createdTo'],
];

/** `query` with the condition of every filter `filter` sets; the values are bound later. */
function filtered(
  query: SelectQueryBuilder<EntitlementRecord>,
  filter: EntitlementFilter,
): SelectQueryBuilder<EntitlementRecord> {
  for (const [field, condition] of FILTERS) {
    if (filter[field] !== undefined) {
      query.andWhere(condition);
    }
  }
  return query;
}

/** Which filters are set: what the text of a filtered select depends on. */
function filterKey(filter: EntitlementFilter): string {
  return FILTERS.filter(([field]) => filter[field] !== undefined)
    .map(([field]) => field)
    .join(',');
}

/** The values of the filters `filter` sets, named as their conditions bind them. */
function filterParameters(filter: EntitlementFilter): SelectParameters {
  const parameters: SelectParameters = {};
  for (const [field] of FILTERS) {
    const value = filter[field];
    if (value !== undefined) {
      parameters[field] = value;
    }
  }
  return parameters;
}
