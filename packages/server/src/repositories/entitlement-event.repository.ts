import type { Tx } from '../database/transaction';
import { EntitlementEventRecord } from '../entities';

/** Appends and reads entitlement events. */
export class EntitlementEventRepository {
  async insert(tx: Tx, event: EntitlementEventRecord): Promise<void> {
    await tx.insert(EntitlementEventRecord, event);
  }

  /** One entitlement's events, oldest first. */
  listForEntitlement(tx: Tx, entitlementId: string): Promise<EntitlementEventRecord[]> {
    return tx.find(EntitlementEventRecord, {
      where: { entitlementId },
      order: { version: 'ASC', sequence: 'ASC' },
    });
  }

  /** Up to `limit` of a reseller's events with a sequence above `after`, in sequence order. */
  feed(
    tx: Tx,
    resellerId: string,
    after: number,
    limit: number,
  ): Promise<EntitlementEventRecord[]> {
    return tx
      .createQueryBuilder(EntitlementEventRecord, 'event')
      .where('event.reseller_id = :resellerId AND event.sequence > :after', { resellerId, after })
      .orderBy('event.sequence', 'ASC')
      .limit(limit)
      .getMany();
  }
}
