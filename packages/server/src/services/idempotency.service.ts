import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import type { Clock } from '../domain/clock';
import type { Transactions } from '../database/transaction';
import { IdempotencyRecord } from '../entities';
import { ConflictProblem } from '../errors/http-problems';
import { ProblemError } from '../errors/problem';
import type { Logger } from '../logging/logger';
import type {
  IdempotencyKeyRef,
  IdempotencyRecordRepository,
  StoredResponse,
} from '../repositories/idempotency-record.repository';

/** How long a key is remembered: 24 hours, as the contract promises. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** Tuning of {@link IdempotencyService}. */
export interface IdempotencyOptions {
  ttlMs: number;
  /** How long a request waits for another one holding its key before answering 409. */
  waitMs: number;
  pollMs: number;
  /**
   * A record still `IN_PROGRESS` after this long belongs to a process that died mid-request;
   * it is taken over. Longer than any request can run (merchant calls time out well before).
   */
  abandonedAfterMs: number;
}

const DEFAULTS: IdempotencyOptions = {
  ttlMs: IDEMPOTENCY_TTL_MS,
  waitMs: 5_000,
  pollMs: 50,
  abandonedAfterMs: 5 * 60_000,
};

/** Outcome of {@link IdempotencyService.claim}. */
export type IdempotencyClaim =
  { kind: 'claimed'; claimToken: string } | { kind: 'replay'; response: StoredResponse };

/**
 * Remembers the first answer per (credential, idempotency key) so that retries replay it.
 * A request first claims its key by inserting an `IN_PROGRESS` record (the primary key makes
 * the insert happen once); whoever loses the race waits for the winner's answer and replays it.
 */
export class IdempotencyService {
  private readonly options: IdempotencyOptions;

  constructor(
    private readonly transactions: Transactions,
    private readonly records: IdempotencyRecordRepository,
    private readonly clock: Clock,
    options: Partial<IdempotencyOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /**
   * Claims `ref` for a request whose method, path and body hash to `fingerprint`.
   *
   * @throws ProblemError IDEMPOTENCY_KEY_REUSED (422) when the key was used for another
   *   request; CONFLICT (409) when the request holding it is still running after the wait.
   */
  async claim(ref: IdempotencyKeyRef, fingerprint: string): Promise<IdempotencyClaim> {
    const deadline = Date.now() + this.options.waitMs;

    for (;;) {
      const claimToken = randomUUID();
      const record = await this.insertOrRead(ref, fingerprint, claimToken);
      if (record.claimToken === claimToken) {
        return { kind: 'claimed', claimToken };
      }

      if (this.isDead(record)) {
        await this.transactions.run((tx) => this.records.release(tx, ref, record.claimToken));
        continue;
      }
      if (record.fingerprint !== fingerprint) {
        throw new ProblemError(
          'IDEMPOTENCY_KEY_REUSED',
          'This idempotency key was already used for a different request.',
        );
      }
      if (record.state === 'COMPLETED') {
        return { kind: 'replay', response: storedResponse(record) };
      }
      if (Date.now() >= deadline) {
        throw new ConflictProblem('A request with this idempotency key is in progress.');
      }
      await sleep(this.options.pollMs);
    }
  }

  /** Stores the answer of the request holding `claimToken`, for replays. */
  async complete(ref: IdempotencyKeyRef, claimToken: string, response: StoredResponse) {
    await this.transactions.run((tx) => this.records.complete(tx, ref, claimToken, response));
  }

  /** Forgets the claim, so that a retry runs the request again (after a 5xx). */
  async release(ref: IdempotencyKeyRef, claimToken: string): Promise<void> {
    await this.transactions.run((tx) => this.records.release(tx, ref, claimToken));
  }

  /** Deletes expired records; returns how many. */
  async purgeExpired(): Promise<number> {
    return this.transactions.run((tx) => this.records.purgeExpired(tx, this.clock.now()));
  }

  /**
   * Purges expired records every `intervalMs` until the returned stop function is called
   * (register it as a shutdown hook). Failures are logged; the next round tries again.
   */
  startPurging(intervalMs: number, logger: Logger): () => void {
    const timer = setInterval(() => {
      this.purgeExpired().then(
        (purged) => purged > 0 && logger.debug({ purged }, 'purged idempotency records'),
        (error: unknown) => logger.warn({ err: error }, 'purging idempotency records failed'),
      );
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  private insertOrRead(ref: IdempotencyKeyRef, fingerprint: string, claimToken: string) {
    const now = this.clock.now();
    const record = Object.assign(new IdempotencyRecord(), {
      ...ref,
      claimToken,
      fingerprint,
      state: 'IN_PROGRESS',
      responseStatus: null,
      responseHeaders: null,
      responseBody: null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.options.ttlMs),
    });

    return this.transactions.run(async (tx) => {
      await this.records.insertIfAbsent(tx, record);
      const stored = await this.records.find(tx, ref);
      // The insert either succeeded or hit a committed row, so a row is there.
      return stored!;
    });
  }

  /** Expired, or abandoned by a process that died while holding it. */
  private isDead(record: IdempotencyRecord): boolean {
    const now = this.clock.now().getTime();
    const abandoned =
      record.state === 'IN_PROGRESS' &&
      record.createdAt.getTime() + this.options.abandonedAfterMs <= now;
    return record.expiresAt.getTime() <= now || abandoned;
  }
}

function storedResponse(record: IdempotencyRecord): StoredResponse {
  return {
    status: record.responseStatus ?? 200,
    headers: JSON.parse(record.responseHeaders ?? '{}') as Record<string, string>,
    body: record.responseBody,
  };
}
