import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a {@link NotificationReceiver} has seen. */
export interface ReceiverCounts {
  /** Requests answered (every attempt, duplicates included). */
  requests: number;
  /** Distinct `webhook-id`s received. */
  distinctEvents: number;
  /** Requests whose `webhook-id` had been received before (at-least-once redeliveries). */
  repeats: number;
  /**
   * Times a `webhook-id` arrived while another request with the same id was still being
   * answered: a delivery sent twice at once, which the dispatcher must never do.
   */
  concurrentDuplicates: number;
  /** Requests that arrived while an earlier one to the same path was still open. */
  overlappingPerPath: number;
}

/**
 * A loopback webhook receiver that answers every POST with 200 after `delayMs`, counting what
 * it receives per `webhook-id`. It verifies nothing: signature checks are the reseller client's
 * and are tested elsewhere; here it stands for the fastest receiver a reseller could run.
 */
export class NotificationReceiver {
  private readonly seen = new Set<string>();
  private readonly inFlight = new Set<string>();
  private readonly openPerPath = new Map<string, number>();
  private readonly counts: ReceiverCounts = {
    requests: 0,
    distinctEvents: 0,
    repeats: 0,
    concurrentDuplicates: 0,
    overlappingPerPath: 0,
  };
  private server: Server | undefined;
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  constructor(private readonly delayMs = 0) {}

  /** Listens on a free port of 127.0.0.1 and resolves with the base URL. */
  async start(): Promise<string> {
    const server = createServer((request, response) => {
      this.receive(request, () => response.writeHead(200).end());
    });
    server.keepAliveTimeout = 60_000;
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** A copy of the counts so far. */
  snapshot(): ReceiverCounts {
    return { ...this.counts };
  }

  /** Resolves once `count` distinct events arrived, or rejects after `timeoutMs`. */
  waitForDistinct(count: number, timeoutMs: number): Promise<void> {
    if (this.counts.distinctEvents >= count) {
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter = { count, resolve };
      this.waiters.push(waiter);
      setTimeout(() => {
        this.waiters = this.waiters.filter((each) => each !== waiter);
        reject(new Error(`received ${this.counts.distinctEvents} of ${count} events in time`));
      }, timeoutMs).unref();
    });
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) {
      return;
    }
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private receive(request: IncomingMessage, answer: () => void): void {
    const id = String(request.headers['webhook-id'] ?? '');
    const path = request.url ?? '/';
    this.counts.requests += 1;
    if (this.inFlight.has(id)) {
      this.counts.concurrentDuplicates += 1;
    }
    this.inFlight.add(id);
    const open = this.openPerPath.get(path) ?? 0;
    if (open > 0) {
      this.counts.overlappingPerPath += 1;
    }
    this.openPerPath.set(path, open + 1);

    request.resume();
    request.once('end', () => {
      const done = () => {
        this.inFlight.delete(id);
        this.openPerPath.set(path, (this.openPerPath.get(path) ?? 1) - 1);
        this.record(id);
        answer();
      };
      if (this.delayMs > 0) {
        setTimeout(done, this.delayMs);
      } else {
        done();
      }
    });
  }

  private record(id: string): void {
    if (this.seen.has(id)) {
      this.counts.repeats += 1;
      return;
    }
    this.seen.add(id);
    this.counts.distinctEvents += 1;
    const ready = this.waiters.filter((each) => this.counts.distinctEvents >= each.count);
    this.waiters = this.waiters.filter((each) => this.counts.distinctEvents < each.count);
    ready.forEach((each) => each.resolve());
  }
}
