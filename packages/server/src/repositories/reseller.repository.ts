import { rejectingDuplicates } from '../database/duplicate-key';
import type { Tx } from '../database/transaction';
import { Reseller } from '../entities';

/** Reads and writes resellers, their event counter and their sandbox clock. */
export class ResellerRepository {
  /** Throws `DuplicateKeyError` when a unique key is taken (also by a concurrent insert). */
  async insert(tx: Tx, reseller: Reseller): Promise<void> {
    await rejectingDuplicates(() => tx.insert(Reseller, reseller));
  }

  async save(tx: Tx, reseller: Reseller): Promise<Reseller> {
    return tx.save(Reseller, reseller);
  }

  findById(tx: Tx, id: string): Promise<Reseller | null> {
    return tx.findOneBy(Reseller, { id });
  }

  findByKey(tx: Tx, resellerKey: string): Promise<Reseller | null> {
    return tx.findOneBy(Reseller, { resellerKey });
  }

  /** All resellers, oldest first. */
  list(tx: Tx): Promise<Reseller[]> {
    return tx.find(Reseller, { order: { createdAt: 'ASC', id: 'ASC' } });
  }

  count(tx: Tx): Promise<number> {
    return tx.count(Reseller);
  }

  /**
   * Takes the reseller's next event sequence number. The UPDATE locks the reseller row until
   * the transaction ends, so concurrent changes of one reseller's entitlements number their
   * events in commit order, and a rollback gives its number back: the feed has no gaps.
   */
  async nextEventSequence(tx: Tx, resellerId: string): Promise<number> {
    await tx
      .createQueryBuilder()
      .update(Reseller)
      .set({ lastEventSequence: () => 'last_event_sequence + 1' })
      .where('id = :resellerId', { resellerId })
      .execute();
    // A raw read: this runs with every event, and hydrating an entity for one number is dear.
    const row = await tx
      .createQueryBuilder(Reseller, 'reseller')
      .select('reseller.last_event_sequence', 'sequence')
      .where('reseller.id = :resellerId', { resellerId })
      .getRawOne<{ sequence: number | string }>();
    if (row === undefined) {
      throw new Error(`No reseller ${resellerId}.`);
    }
    // pg returns BIGINT as a string; the sequence stays far below 2^53.
    return Number(row.sequence);
  }

  /** Moves the sandbox test clock forward by `ms`, atomically. */
  async advanceClockBy(tx: Tx, resellerId: string, ms: number): Promise<void> {
    await tx
      .createQueryBuilder()
      .update(Reseller)
      .set({ clockOffsetMs: () => `clock_offset_ms + ${Math.trunc(ms)}` })
      .where('id = :resellerId', { resellerId })
      .execute();
  }

  /** Sets the test clock's offset unless that would move it back; whether it was set. */
  async advanceClockTo(tx: Tx, resellerId: string, offsetMs: number): Promise<boolean> {
    const result = await tx
      .createQueryBuilder()
      .update(Reseller)
      .set({ clockOffsetMs: offsetMs })
      .where('id = :resellerId AND clock_offset_ms <= :offsetMs', { resellerId, offsetMs })
      .execute();
    return result.affected === 1;
  }

  /** Sandbox resellers whose test clock runs ahead of real time. */
  listWithClockOffset(tx: Tx): Promise<Reseller[]> {
    return tx
      .createQueryBuilder(Reseller, 'reseller')
      .where('reseller.sandbox = :sandbox AND reseller.clock_offset_ms > 0', { sandbox: true })
      .getMany();
  }
}
