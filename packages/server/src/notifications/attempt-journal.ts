/** When an {@link AttemptJournal} writes. */
export interface JournalOptions {
  /** Entries that make a write start at once. */
  maxEntries: number;
  /** How long the first entry waits for others before a write starts anyway. */
  maxDelayMs: number;
}

/**
 * Acknowledged attempts that are sent but not yet recorded, written in batches in the
 * background while the next ones are sent (a group commit): a commit can cost more than a send
 * (an fsync), and SQLite's drivers block the process while they commit, so one transaction per
 * delivery would set the pace. Writes run one at a time, in the order the entries were added.
 *
 * A crash loses at most the entries not yet written: their deliveries are still PENDING and are
 * sent again, in order, before anything after them (at least once).
 */
export class AttemptJournal<Entry> {
  private pending: Entry[] = [];
  private writing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failure: { error: unknown } | undefined;

  /** @param write - records one batch of entries (in one transaction) */
  constructor(
    private readonly write: (entries: Entry[]) => Promise<void>,
    private readonly options: JournalOptions,
  ) {}

  /** Whether a write failed: nothing more may be sent, as it could not be recorded. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Queues `entry`, to be written with others soon. */
  add(entry: Entry): void {
    this.pending.push(entry);
    if (this.pending.length >= this.options.maxEntries) {
      this.flush();
    } else {
      this.timer ??= setTimeout(() => this.flush(), this.options.maxDelayMs);
    }
  }

  /** Writes every entry now and waits for it; throws the error of a failed write. */
  async drain(): Promise<void> {
    while (this.failure === undefined && (this.pending.length > 0 || this.writing !== undefined)) {
      this.flush();
      await this.writing;
    }
    if (this.failure !== undefined) {
      throw this.failure.error;
    }
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.writing !== undefined || this.failure !== undefined || this.pending.length === 0) {
      // A running write flushes again when it ends.
      return;
    }
    const entries = this.pending;
    this.pending = [];
    this.writing = this.write(entries)
      .catch((error: unknown) => {
        // These entries and any after them stay unrecorded: their deliveries are sent again.
        this.failure = { error };
        clearTimeout(this.timer);
      })
      .then(() => {
        this.writing = undefined;
        if (this.failure !== undefined) {
          return;
        }
        if (this.pending.length >= this.options.maxEntries) {
          this.flush();
        } else if (this.pending.length > 0) {
          this.timer ??= setTimeout(() => this.flush(), this.options.maxDelayMs);
        }
      });
  }
}
