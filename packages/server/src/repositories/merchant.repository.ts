import { rejectingDuplicates } from '../database/duplicate-key';
import type { Tx } from '../database/transaction';
import { Merchant } from '../entities';

/** Reads and writes merchants. */
export class MerchantRepository {
  /** Throws `DuplicateKeyError` when a unique key is taken (also by a concurrent insert). */
  async insert(tx: Tx, merchant: Merchant): Promise<void> {
    await rejectingDuplicates(() => tx.insert(Merchant, merchant));
  }

  save(tx: Tx, merchant: Merchant): Promise<Merchant> {
    return tx.save(Merchant, merchant);
  }

  findById(tx: Tx, id: string): Promise<Merchant | null> {
    return tx.findOneBy(Merchant, { id });
  }

  findByKey(tx: Tx, merchantAccountKey: string): Promise<Merchant | null> {
    return tx.findOneBy(Merchant, { merchantAccountKey });
  }

  /** All merchants, oldest first. */
  list(tx: Tx): Promise<Merchant[]> {
    return tx.find(Merchant, { order: { createdAt: 'ASC', id: 'ASC' } });
  }

  count(tx: Tx): Promise<number> {
    return tx.count(Merchant);
  }
}
