import { rejectingDuplicates } from '../database/duplicate-key';
import type { Tx } from '../database/transaction';
import { Route } from '../entities';

const WITH_PARTIES = { reseller: true, merchant: true } as const;

/** Reads and writes routes; every route is returned with its reseller and merchant. */
export class RouteRepository {
  /** Throws `DuplicateKeyError` when a unique key is taken (also by a concurrent insert). */
  async insert(tx: Tx, route: Route): Promise<void> {
    await rejectingDuplicates(() => tx.insert(Route, route));
  }

  save(tx: Tx, route: Route): Promise<Route> {
    return tx.save(Route, route);
  }

  findById(tx: Tx, id: string): Promise<Route | null> {
    return tx.findOne(Route, { where: { id }, relations: WITH_PARTIES });
  }

  findByParties(tx: Tx, resellerId: string, merchantId: string): Promise<Route | null> {
    return tx.findOne(Route, { where: { resellerId, merchantId }, relations: WITH_PARTIES });
  }

  /** All routes, oldest first. */
  list(tx: Tx): Promise<Route[]> {
    return tx.find(Route, { relations: WITH_PARTIES, order: { createdAt: 'ASC', id: 'ASC' } });
  }
}
