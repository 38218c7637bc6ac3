import type { Tx } from '../database/transaction';
import { dialectOf } from '../database/dialect';
import { SharedCustomer } from '../entities';

/** Tessera's per-route pseudonyms of reseller customers. */
export class SharedCustomerRepository {
  /**
   * The customer's shared id on the route, created as `candidate` if there is none yet.
   * On PostgreSQL the row stays locked until the transaction ends: it serialises concurrent
   * creates for one customer on one route, so the limit check that follows cannot be raced.
   * (SQLite transactions already run one at a time.)
   */
  async obtain(
    tx: Tx,
    key: { routeId: string; customerIdentifier: string },
    candidate: string,
    now: Date,
  ): Promise<string> {
    await tx
      .createQueryBuilder()
      .insert()
      .into(SharedCustomer)
      .values({ ...key, sharedCustomerId: candidate, createdAt: now })
      .orIgnore()
      .execute();

    const query = tx
      .createQueryBuilder(SharedCustomer, 'shared')
      .where(
        'shared.route_id = :routeId AND shared.customer_identifier = :customerIdentifier',
        key,
      );
    if (dialectOf(tx.connection) === 'postgres') {
      query.setLock('pessimistic_write');
    }
    const row = await query.getOneOrFail();
    return row.sharedCustomerId;
  }
}
