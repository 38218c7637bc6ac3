import { LessThanOrEqual } from 'typeorm';

import { PreparedSelect } from '../database/prepared-select';
import type { Tx } from '../database/transaction';
import { IdempotencyRecord } from '../entities';

/** Identifies one idempotency record. */
export interface IdempotencyKeyRef {
  credentialId: string;
  idempotencyKey: string;
}

/** The stored answer of a completed request. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string | null;
}

// Prepared: every mutating request reads its record.
const BY_KEY = new PreparedSelect((tx) =>
  tx
    .createQueryBuilder(IdempotencyRecord, 'record')
    .where('record.credential_id = :credentialId AND record.idempotency_key = :idempotencyKey'),
);

/** Reads and writes `idempotency_record`; every method works inside the caller's unit. */
export class IdempotencyRecordRepository {
  /**
   * Inserts `record` unless a record with its key exists (`ON CONFLICT DO NOTHING` on
   * PostgreSQL, `INSERT OR IGNORE` on SQLite); read it back to learn whether it was ours.
   */
  async insertIfAbsent(tx: Tx, record: IdempotencyRecord): Promise<void> {
    await tx
      .createQueryBuilder()
      .insert()
      .into(IdempotencyRecord)
      .values(record)
      .orIgnore()
      .execute();
  }

  async find(tx: Tx, ref: IdempotencyKeyRef): Promise<IdempotencyRecord | null> {
    return BY_KEY.getOne(tx, { ...ref });
  }

  /** Stores the answer, if the record is still held by `claimToken`. */
  async complete(
    tx: Tx,
    ref: IdempotencyKeyRef,
    claimToken: string,
    response: StoredResponse,
  ): Promise<void> {
    await tx.getRepository(IdempotencyRecord).update(
      { ...ref, claimToken },
      {
        state: 'COMPLETED',
        responseStatus: response.status,
        responseHeaders: JSON.stringify(response.headers),
        responseBody: response.body,
      },
    );
  }

  /** Deletes the record if it is still held by `claimToken`. */
  async release(tx: Tx, ref: IdempotencyKeyRef, claimToken: string): Promise<void> {
    await tx.getRepository(IdempotencyRecord).delete({ ...ref, claimToken });
  }

  /** Deletes every expired record; returns how many went. */
  async purgeExpired(tx: Tx, now: Date): Promise<number> {
    const result = await tx
      .getRepository(IdempotencyRecord)
      .delete({ expiresAt: LessThanOrEqual(now) });
    return result.affected ?? 0;
  }
}
