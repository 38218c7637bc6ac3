import { randomUUID } from 'node:crypto';

import type { Clock } from '../domain/clock';
import type { Transactions, Tx } from '../database/transaction';
import type { Logger } from '../logging/logger';
import { redactUrl } from '../merchants/callback-url';
import { AttemptJournal, type JournalOptions } from './attempt-journal';
import { failingTooLong, judgeAttempt, type Verdict } from './delivery-outcome';
import { DeliveryAttempt, type NotificationDelivery, type NotificationEndpoint } from './entities';
import type { NotificationFaultProfile } from './entities';
import type { NotificationSender, SendResult } from './notification-sender';
import type {
  Acknowledgement,
  NotificationDeliveryRepository,
} from './repositories/notification-delivery.repository';
import type {
  EndpointLease,
  NotificationEndpointRepository,
} from './repositories/notification-endpoint.repository';
import type {
  NotificationReseller,
  ResellerSettingsRepository,
} from './repositories/reseller-settings.repository';
import type { SandboxNotificationRepository } from './repositories/sandbox-notification.repository';

/**
 * A lease lasts this many attempt timeouts: long enough for a few sends, short enough that a
 * crashed process's endpoints are picked up again soon.
 */
const LEASE_TIMEOUTS = 10;

/**
 * An attempt may take up to this many timeouts (token, send, new token and send after a 401,
 * and the sandbox's duplicate); no attempt starts unless the lease still covers that.
 */
const ATTEMPT_TIMEOUTS = 5;

/**
 * Deliveries taken per endpoint per round. Each round costs a claim, a load and a release, so a
 * backlog drains in few rounds; a failure or a head not due ends an endpoint's round early.
 */
const DEFAULT_BATCH_SIZE = 200;

/**
 * When acknowledgements are written (see {@link AttemptJournal}): after this many, or this
 * long after the first. A crash sends at most these again; a failure writes them at once.
 */
const JOURNAL: JournalOptions = { maxEntries: 100, maxDelayMs: 10 };

/** Longest stored error text (the column's size). */
const MAX_ERROR_LENGTH = 500;

/** Settings of the {@link NotificationDispatcher}. */
export interface DispatcherOptions {
  pollIntervalMs: number;
  /** Endpoints served at once by this process (one send at a time per endpoint). */
  concurrency: number;
  timeoutMs: number;
  disableAfterMs: number;
  /** Deliveries taken per endpoint per round; default {@link DEFAULT_BATCH_SIZE}. */
  batchSize?: number;
}

/** What the dispatcher works with. */
export interface DispatcherDeps {
  transactions: Transactions;
  endpoints: NotificationEndpointRepository;
  deliveries: NotificationDeliveryRepository;
  resellers: ResellerSettingsRepository;
  sandbox: SandboxNotificationRepository;
  sender: Pick<NotificationSender, 'send'>;
  clock: Clock;
  logger: Logger;
  /** Jitter and sandbox fault source; `Math.random` by default. */
  random?: () => number;
}

/** What one round did. */
export interface RoundSummary {
  endpoints: number;
  attempts: number;
  delivered: number;
}

/** One attempt's result and what it means. */
interface Outcome {
  at: Date;
  result: SendResult;
  verdict: Verdict;
}

interface EndpointWork {
  endpoint: NotificationEndpoint;
  reseller: NotificationReseller;
  faults: NotificationFaultProfile | null;
}

/** An acknowledged delivery waiting to be recorded, with its attempts (a sandbox duplicate). */
interface Acknowledged {
  work: EndpointWork;
  delivery: NotificationDelivery;
  outcome: Outcome;
  attempts: DeliveryAttempt[];
}

/** Counts of one endpoint's round. */
interface Done {
  attempts: number;
  delivered: number;
}

/**
 * Sends the outbox, in strict order per endpoint (reseller + URL). An endpoint's PENDING
 * deliveries form a queue: replayed ones first (lane `REPLAY`), then the rest (lane
 * `IN_ORDER`), each in `sequence` order. Only the queue's head is ever sent, when it is due;
 * while it waits for a retry everything behind it waits too, and once it is DELIVERED (or
 * FAILED for good: 410, or its retry schedule exhausted) the next one is sent at once. So a
 * delivery is sent only after every earlier one to its endpoint has been acknowledged or has
 * failed for good. Deliveries the sandbox's reorder fault holds back (lane `OUTSIDE`) are sent
 * when due, outside the queue.
 *
 * Each round leases endpoints with something to send (see the endpoint repository: several
 * processes never serve one endpoint at once, and a crashed process's leases expire), then
 * serves them in parallel: per endpoint, one delivery at a time down its queue, stopping at
 * the first failure (so an endpoint that is down gets one try per round) or at a head that is
 * not due yet. The next delivery goes out once the previous one is acknowledged; the
 * acknowledgements of the round are recorded in batches meanwhile (see {@link AttemptJournal}),
 * and all of an endpoint's before its lease is released, so a commit per delivery does not set
 * the pace. A failure is recorded at once, after them.
 */
export class NotificationDispatcher {
  private readonly random: () => number;
  private readonly batchSize: number;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private started = false;
  /** Set by {@link stop}: sends in flight finish, no new ones start. */
  private stopping = false;

  constructor(
    private readonly deps: DispatcherDeps,
    private readonly options: DispatcherOptions,
  ) {
    this.random = deps.random ?? Math.random;
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  }

  /** Starts polling for due deliveries. */
  start(): void {
    if (this.started) {
      return;
    }
    this.started = true;
    this.stopping = false;
    this.schedule(0);
  }

  /** Stops polling and waits for the sends in flight (each bounded by the timeout). */
  async stop(): Promise<void> {
    this.started = false;
    this.stopping = true;
    clearTimeout(this.timer);
    await this.round;
  }

  /** Runs a round soon rather than at the next poll, e.g. after a replay; no-op when stopped. */
  wake(): void {
    if (this.started && this.round === undefined) {
      clearTimeout(this.timer);
      this.schedule(0);
    }
  }

  /** One round: lease due endpoints and serve them. Tests call it with a manual clock. */
  async runOnce(): Promise<RoundSummary> {
    const now = this.deps.clock.now();
    const lease: EndpointLease = {
      token: randomUUID(),
      now,
      until: new Date(now.getTime() + LEASE_TIMEOUTS * this.options.timeoutMs),
    };
    const claimed = await this.deps.transactions.run((tx) =>
      this.deps.endpoints.claim(tx, lease, this.options.concurrency),
    );

    // One journal for the round: the endpoints' acknowledgements share transactions.
    const journal = new AttemptJournal<Acknowledged>(
      (entries) => this.recordDelivered(entries),
      JOURNAL,
    );
    const served = await Promise.all(
      claimed.map((endpoint) => this.serve(endpoint, lease, journal)),
    );
    return {
      endpoints: claimed.length,
      attempts: served.reduce((sum, one) => sum + one.attempts, 0),
      delivered: served.reduce((sum, one) => sum + one.delivered, 0),
    };
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.round = this.tick().finally(() => {
        this.round = undefined;
      });
    }, delayMs);
    // Pending deliveries are no reason to keep a process alive that is otherwise done.
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    let busy = false;
    try {
      // A round that delivered something may have left more: go on at once.
      busy = (await this.runOnce()).delivered > 0;
    } catch (error) {
      this.deps.logger.error({ err: error }, 'notification dispatch round failed');
    }
    if (this.started) {
      this.schedule(busy ? 0 : this.options.pollIntervalMs);
    }
  }

  private async serve(
    endpoint: NotificationEndpoint,
    lease: EndpointLease,
    journal: AttemptJournal<Acknowledged>,
  ) {
    const done: Done = { attempts: 0, delivered: 0 };
    try {
      const { work, queue, outside } = await this.load(endpoint, lease.now);
      if (work !== null) {
        // Outside the queue: sandbox reorder faults, due independently of the queue.
        if (await this.sendInOrder(work, outside, lease, done, journal)) {
          await this.sendInOrder(work, queue, lease, done, journal);
        }
        await journal.drain();
      }
    } catch (error) {
      this.deps.logger.error(
        { err: error, endpointId: endpoint.id },
        'notification dispatch failed',
      );
    } finally {
      // What was acknowledged is recorded before another process may take the endpoint.
      await journal.drain().catch(() => undefined);
      await this.release(endpoint, lease);
    }
    return done;
  }

  /**
   * Sends `deliveries` one by one, in the given order, until one fails, one is not due yet
   * (a queue head waiting for its retry holds back the rest) or the lease runs short.
   *
   * @returns whether every delivery was delivered
   */
  private async sendInOrder(
    work: EndpointWork,
    deliveries: NotificationDelivery[],
    lease: EndpointLease,
    done: Done,
    journal: AttemptJournal<Acknowledged>,
  ): Promise<boolean> {
    for (const delivery of deliveries) {
      if (this.stopping || journal.failed || !this.leaseCovers(lease)) {
        return false;
      }
      if (delivery.nextAttemptAt === null || delivery.nextAttemptAt > lease.now) {
        return false;
      }
      done.attempts += 1;
      if ((await this.attempt(work, delivery, journal)) !== 'delivered') {
        // The endpoint is failing: one try per round, not a burst of doomed requests. And
        // nothing behind a delivery that is not delivered may overtake it.
        return false;
      }
      done.delivered += 1;
    }
    return true;
  }

  private load(endpoint: NotificationEndpoint, now: Date) {
    return this.deps.transactions.read(async (tx) => {
      const reseller = await this.deps.resellers.findById(tx, endpoint.resellerId);
      if (reseller === null) {
        return { work: null, queue: [], outside: [] };
      }
      const faults = reseller.sandbox ? await this.deps.sandbox.findFaults(tx, reseller.id) : null;
      const { deliveries } = this.deps;
      const queue = await deliveries.queueOf(tx, endpoint.id, this.batchSize);
      const outside = await deliveries.dueOutsideQueue(tx, endpoint.id, now, this.batchSize);
      return { work: { endpoint, reseller, faults } satisfies EndpointWork, queue, outside };
    });
  }

  private leaseCovers(lease: EndpointLease): boolean {
    const left = lease.until.getTime() - this.deps.clock.now().getTime();
    return left >= ATTEMPT_TIMEOUTS * this.options.timeoutMs;
  }

  private async release(endpoint: NotificationEndpoint, lease: EndpointLease): Promise<void> {
    try {
      await this.deps.transactions.run((tx) =>
        this.deps.endpoints.release(tx, endpoint.id, lease.token, this.deps.clock.now()),
      );
    } catch (error) {
      // The lease then simply expires.
      this.deps.logger.warn({ err: error, endpointId: endpoint.id }, 'lease release failed');
    }
  }

  /**
   * Sends one delivery and applies the verdict. An acknowledgement goes to the journal, which
   * records it while the next delivery is sent: the next one was acknowledged-after, so order
   * holds, and a crash before the write only means a repeat. A failure is recorded at once,
   * after every acknowledgement before it, as it decides the endpoint's health.
   */
  private async attempt(
    work: EndpointWork,
    delivery: NotificationDelivery,
    journal: AttemptJournal<Acknowledged>,
  ) {
    const at = this.deps.clock.now();
    const result = await this.send(work, delivery);
    const outcome: Outcome = {
      at,
      result,
      verdict: judgeAttempt(result.statusCode, delivery.failedTries, at, this.random),
    };
    if (outcome.verdict.kind !== 'delivered') {
      await journal.drain();
      const disabled = await this.deps.transactions.run((tx) =>
        this.record(tx, work, delivery, outcome),
      );
      this.log(work, delivery, outcome, disabled);
      return outcome.verdict.kind;
    }

    const attempts = [attemptRow(delivery.id, at, result)];
    if (this.random() < (work.faults?.duplicateRate ?? 0)) {
      // Sandbox fault: the same notification once more, logged as an attempt.
      const again = this.deps.clock.now();
      attempts.push(attemptRow(delivery.id, again, await this.send(work, delivery)));
    }
    journal.add({ work, delivery, outcome, attempts });
    return outcome.verdict.kind;
  }

  /** Records acknowledged deliveries in one transaction, then logs them. */
  private async recordDelivered(entries: Acknowledged[]): Promise<void> {
    const { deliveries, endpoints } = this.deps;
    const acknowledged = entries.map(({ delivery, outcome }): Acknowledgement => ({
      id: delivery.id,
      generation: delivery.generation,
      at: outcome.at,
    }));
    await this.deps.transactions.run(async (tx) => {
      await deliveries.insertAttempts(
        tx,
        entries.flatMap((entry) => entry.attempts),
      );
      await deliveries.markDelivered(tx, acknowledged);
      await endpoints.markHealthy(tx, [...new Set(entries.map(({ work }) => work.endpoint.id))]);
    });
    for (const { work, delivery, outcome } of entries) {
      this.log(work, delivery, outcome, null);
    }
  }

  private send(work: EndpointWork, delivery: NotificationDelivery): Promise<SendResult> {
    return this.deps.sender.send({
      url: delivery.url,
      eventId: delivery.eventId,
      body: delivery.payload,
      reseller: work.reseller,
    });
  }

  /**
   * Writes a failed attempt and its consequences: the delivery's new state, the endpoint's
   * health, and disabling the endpoint after a 410 or when it has been failing for too long
   * (acknowledged attempts go through {@link recordDelivered} instead). The last
   * try of an exhausted delivery does not disable the endpoint: the delivery is FAILED and the
   * queue moves on, and the next delivery's try tells whether the endpoint is down.
   *
   * @returns the endpoint's failing period when this attempt disabled it, else null
   */
  private async record(
    tx: Tx,
    work: EndpointWork,
    delivery: NotificationDelivery,
    { at, result, verdict }: Outcome,
  ): Promise<Date | null> {
    const { deliveries, endpoints } = this.deps;
    await deliveries.insertAttempt(tx, attemptRow(delivery.id, at, result));
    await deliveries.applyChange(tx, delivery.id, delivery.generation, verdict.change);

    const endpoint = await endpoints.markFailing(tx, work.endpoint.id, at);
    const tooLong = failingTooLong(endpoint.failingSince, at, this.options.disableAfterMs);
    if (verdict.kind === 'exhausted' || (verdict.kind !== 'gone' && !tooLong)) {
      return null;
    }
    await endpoints.disable(tx, endpoint.id, at);
    await deliveries.holdForEndpoint(tx, endpoint.id);
    return endpoint.failingSince ?? at;
  }

  /** Logs an attempt after it is recorded; a disabled endpoint is an error for the operator. */
  private log(
    work: EndpointWork,
    delivery: NotificationDelivery,
    { result, verdict }: Outcome,
    disabledFailingSince: Date | null,
  ) {
    const fields = {
      deliveryId: delivery.id,
      eventId: delivery.eventId,
      resellerKey: work.reseller.resellerKey,
      url: safeUrl(delivery.url),
      statusCode: result.statusCode,
      latencyMs: result.latencyMs,
      error: result.error,
      state: verdict.change.state,
    };
    if (disabledFailingSince !== null) {
      const reason = verdict.kind === 'gone' ? '410 Gone' : 'failing too long';
      this.deps.logger.error(
        { ...fields, reason, failingSince: disabledFailingSince },
        'notification endpoint disabled; re-enable it in the admin API once it is fixed',
      );
    } else if (verdict.change.state === 'FAILED') {
      this.deps.logger.warn(
        fields,
        'notification delivery failed for good; its endpoint goes on with the next one',
      );
    } else {
      this.deps.logger.debug(fields, 'notification attempt');
    }
  }
}

function attemptRow(deliveryId: string, at: Date, result: SendResult): DeliveryAttempt {
  return Object.assign(new DeliveryAttempt(), {
    id: randomUUID(),
    deliveryId,
    attemptedAt: at,
    statusCode: result.statusCode,
    latencyMs: result.latencyMs,
    error: result.error?.slice(0, MAX_ERROR_LENGTH) ?? null,
  });
}

/** A URL as it may be logged: no credentials or query string. */
function safeUrl(url: string): string {
  try {
    return redactUrl(new URL(url));
  } catch {
    return '(invalid URL)';
  }
}
