import type { SelectQueryBuilder } from 'typeorm';

import { dialectOf } from '../database/dialect';
import type { Tx } from '../database/transaction';
import type { EntitlementStatus } from '../domain/state-machine';
import { EntitlementRecord, type Merchant, type Reseller, type Route } from '../entities';
import type { AwaitedMerchantChange } from '../entities/entitlement.entity';

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

const DATE_COLUMNS = {
  dateEnded: 'date_ended',
  dateExpiry: 'date_expiry',
  dateCreated: 'date_created',
} as const;

/** Column values a change may set; the version is bumped by {@link applyChange}. */
export type EntitlementChanges = Partial<Omit<EntitlementRecord, 'id' | 'version'>>;

/** Reads and writes entitlements. Rows still provisioning are hidden from every read. */
export class EntitlementRepository {
  async insert(tx: Tx, record: EntitlementRecord): Promise<void> {
    await tx.insert(EntitlementRecord, record);
  }

  /** The entitlement if it is visible in `scope`, with its parties and route. */
  findVisible(tx: Tx, id: string, scope: EntitlementScope): Promise<EntitlementView | null> {
    const query = this.views(tx).andWhere('entitlement.id = :id', { id });
    applyFilter(query, scope);
    return query.getOne() as Promise<EntitlementView | null>;
  }

  /** The entitlement whatever its state, provisioning included. */
  findAny(tx: Tx, id: string): Promise<EntitlementView | null> {
    return this.views(tx, { includeProvisioning: true })
      .andWhere('entitlement.id = :id', { id })
      .getOne() as Promise<EntitlementView | null>;
  }

  /** The customer's `PENDING` entitlement created by an identical request, if any. */
  findPendingByFingerprint(
    tx: Tx,
    key: { resellerId: string; customerIdentifier: string; productKey: string },
    fingerprint: string,
  ): Promise<EntitlementView | null> {
    const query = this.views(tx).andWhere('entitlement.create_fingerprint = :fingerprint', {
      fingerprint,
    });
    applyFilter(query, { ...key, status: 'PENDING' });
    return query
      .orderBy('entitlement.date_created', 'DESC')
      .getOne() as Promise<EntitlementView | null>;
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
    const query = this.views(tx);
    applyFilter(query, filter);
    if (after !== null) {
      query.andWhere(
        '(entitlement.date_created > :afterDate OR ' +
          '(entitlement.date_created = :afterDate AND entitlement.id > :afterId))',
        { afterDate: after.dateCreated, afterId: after.id },
      );
    }
    return query
      .orderBy('entitlement.date_created', 'ASC')
      .addOrderBy('entitlement.id', 'ASC')
      .limit(limit)
      .getMany() as Promise<EntitlementView[]>;
  }

  /**
   * Locks and returns the id of one row that `due` describes, oldest first. On PostgreSQL the
   * row is taken `FOR UPDATE SKIP LOCKED`: scheduler passes of several server processes each
   * get different rows, and the lock holds until the caller's transaction ends.
   */
  async claimDue(tx: Tx, due: DueQuery): Promise<string | null> {
    const column = `entitlement.${DATE_COLUMNS[due.dateColumn]}`;
    const query = tx
      .createQueryBuilder(EntitlementRecord, 'entitlement')
      .select('entitlement.id', 'id')
      .where(`${column} <= :before`, { before: due.before })
      .andWhere('entitlement.status IN (:...statuses)', { statuses: due.statuses })
      .andWhere('entitlement.provisioning = :provisioning', { provisioning: due.provisioning })
      .orderBy(column, 'ASC')
      .limit(1);
    if (due.resellerId !== undefined) {
      query.andWhere('entitlement.reseller_id = :resellerId', { resellerId: due.resellerId });
    }
    if (due.exclude.length > 0) {
      query.andWhere('entitlement.id NOT IN (:...exclude)', { exclude: due.exclude });
    }
    if (dialectOf(tx.connection) === 'postgres') {
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
      query.andWhere('entitlement.provisioning = :provisioning', { provisioning: false });
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

function applyFilter(query: SelectQueryBuilder<EntitlementRecord>, filter: EntitlementFilter) {
  for (const [field, condition] of FILTERS) {
    const value = filter[field];
    if (value !== undefined) {
      query.andWhere(condition, { [field]: value });
    }
  }
}
