import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

import { INSTANT } from '../database/portable-types';

/** Where a request with an idempotency key is: still running, or answered. */
export type IdempotencyState = 'IN_PROGRESS' | 'COMPLETED';

/**
 * The first answer to a mutating request sent with an `Idempotency-Key`, kept so that a retry
 * with the same key replays it. One row per (credential, key); the row is written as
 * `IN_PROGRESS` before the request runs, which is what makes two concurrent requests with one
 * key execute once.
 */
@Entity({ name: 'idempotency_record' })
@Index('IDX_idempotency_record_expires_at', ['expiresAt'])
export class IdempotencyRecord {
  /** The credential's id (`admin` for the operator's token): keys are scoped per credential. */
  @PrimaryColumn({ name: 'credential_id', type: 'varchar', length: 64 })
  credentialId!: string;

  @PrimaryColumn({ name: 'idempotency_key', type: 'varchar', length: 255 })
  idempotencyKey!: string;

  /** Random id of the request that holds the row; only it may complete or release it. */
  @Column({ name: 'claim_token', type: 'varchar', length: 36 })
  claimToken!: string;

  /** SHA-256 (hex) of the method, path and canonical JSON body. */
  @Column({ name: 'fingerprint', type: 'varchar', length: 64 })
  fingerprint!: string;

  @Column({ name: 'state', type: 'varchar', length: 20 })
  state!: IdempotencyState;

  @Column({ name: 'response_status', type: 'integer', nullable: true })
  responseStatus!: number | null;

  /** JSON object of the replayed headers (Content-Type, ETag, Location). */
  @Column({ name: 'response_headers', type: 'text', nullable: true })
  responseHeaders!: string | null;

  /** The response body as sent (JSON text), or null when there was none. */
  @Column({ name: 'response_body', type: 'text', nullable: true })
  responseBody!: string | null;

  @Column({ name: 'created_at', type: INSTANT })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: INSTANT })
  expiresAt!: Date;
}
