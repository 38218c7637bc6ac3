import type { Tx } from '../database/transaction';
import { dialectOf } from '../database/dialect';
import { PreparedSelect } from '../database/prepared-select';
import { SharedCustomer } from '../entities';

// Prepared: every create reads it. The row lock is PostgreSQL's only (see obtain).
const BY_CUSTOMER = new PreparedSelect((tx) => {
  const query = tx
    .createQueryBuilder(SharedCustomer, 'shared')
    .where('shared.route_id = :routeId AND shared.customer_identifier = :customerIdentifier');
  return dialectOf(tx.connection) === 'postgres' ? query.setLock('pessimistic_write') : query;
});

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

    const row = await BY_CUSTOMER.getOne(tx, key);
    if (row === null) {
      throw new Error(`No shared customer for ${key.customerIdentifier} on ${key.routeId}.`);
    }
    return row.sharedCustomerId;
  }
}
