import type { DataSource, EntityManager } from 'typeorm';

import { Mutex } from '../util/mutex';
import { type Dialect, dialectOf } from './dialect';

/** The handle repositories work through inside a transaction (or a read). */
export type Tx = EntityManager;

/**
 * Runs units of work in database transactions. Every write in the server goes through
 * {@link Transactions.run}.
 *
 * SQLite (both drivers) has a single connection in TypeORM, so two transactions started
 * concurrently would interleave on it ("cannot start a transaction within a transaction").
 * On SQLite the units therefore run one at a time behind a mutex, reads included, so that a
 * read never sees another unit's uncommitted writes. PostgreSQL has a pool and row locks and
 * needs none of this. Never call `run` or `read` from inside a unit: it would wait for itself.
 */
export class Transactions {
  readonly dialect: Dialect;
  private readonly mutex: Mutex | undefined;

  constructor(private readonly dataSource: DataSource) {
    this.dialect = dialectOf(dataSource);
    this.mutex = this.dialect === 'sqlite' ? new Mutex() : undefined;
  }

  /** Runs `work` in a transaction: committed when it resolves, rolled back when it throws. */
  run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.exclusive(() => this.dataSource.transaction(work));
  }

  /** Runs read-only `work` outside a transaction. */
  read<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.exclusive(() => work(this.dataSource.manager));
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.mutex === undefined ? work() : this.mutex.runExclusive(work);
  }
}
