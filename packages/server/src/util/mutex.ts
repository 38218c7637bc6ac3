/**
 * A promise-based mutex: callers of {@link Mutex.runExclusive} run one at a time, in arrival
 * order. Used to serialise SQLite transactions, which share TypeORM's single connection.
 */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `work` once every earlier caller's work has settled; settles like `work`. */
  runExclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work);
    // The next caller waits for this one to settle, whatever the outcome.
    this.tail = run.catch(() => undefined);
    return run;
  }
}
