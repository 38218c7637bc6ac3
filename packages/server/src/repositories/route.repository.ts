import type { SelectQueryBuilder } from 'typeorm';

import { rejectingDuplicates } from '../database/duplicate-key';
import { PreparedSelect } from '../database/prepared-select';
import type { Tx } from '../database/transaction';
import { type Merchant, type Reseller, Route } from '../entities';

const WITH_PARTIES = { reseller: true, merchant: true } as const;

/** A route as the lookups below return it: with both parties loaded. */
export type RouteWithParties = Route & { reseller: Reseller; merchant: Merchant };

/**
 * A route with its parties in one statement (`findOne` with `relations` sends two: a DISTINCT
 * subquery for its implicit LIMIT 1, then the join). Left joins, as `relations` would do.
 */
function withParties(tx: Tx): SelectQueryBuilder<Route> {
  return tx
    .createQueryBuilder(Route, 'route')
    .leftJoinAndSelect('route.reseller', 'reseller')
    .leftJoinAndSelect('route.merchant', 'merchant');
}

// Prepared: a create reads its route.
const BY_ID = new PreparedSelect((tx) => withParties(tx).where('route.id = :id'));
const BY_PARTIES = new PreparedSelect((tx) =>
  withParties(tx)
    .where('route.reseller_id = :resellerId')
    .andWhere('route.merchant_id = :merchantId'),
);
const BY_MERCHANT_KEY = new PreparedSelect((tx) =>
  withParties(tx)
    .where('route.reseller_id = :resellerId')
    .andWhere('merchant.merchant_account_key = :merchantAccountKey'),
);

/** Reads and writes routes; every route is returned with its reseller and merchant. */
export class RouteRepository {
  /** Throws `DuplicateKeyError` when a unique key is taken (also by a concurrent insert). */
  async insert(tx: Tx, route: Route): Promise<void> {
    await rejectingDuplicates(() => tx.insert(Route, route));
  }

  save(tx: Tx, route: Route): Promise<Route> {
    return tx.save(Route, route);
  }

  findById(tx: Tx, id: string): Promise<RouteWithParties | null> {
    return BY_ID.getOne(tx, { id }) as Promise<RouteWithParties | null>;
  }

  findByParties(tx: Tx, resellerId: string, merchantId: string): Promise<RouteWithParties | null> {
    return BY_PARTIES.getOne(tx, { resellerId, merchantId }) as Promise<RouteWithParties | null>;
  }

  /** The reseller's route to the merchant with key `merchantAccountKey`, in one statement. */
  findByMerchantKey(
    tx: Tx,
    resellerId: string,
    merchantAccountKey: string,
  ): Promise<RouteWithParties | null> {
    return BY_MERCHANT_KEY.getOne(tx, {
      resellerId,
      merchantAccountKey,
    }) as Promise<RouteWithParties | null>;
  }

  /** All routes, oldest first. */
  list(tx: Tx): Promise<Route[]> {
    return tx.find(Route, { relations: WITH_PARTIES, order: { createdAt: 'ASC', id: 'ASC' } });
  }
}
