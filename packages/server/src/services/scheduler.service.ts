import type { Transactions } from '../database/transaction';
import { type Clock, resellerNow } from '../domain/clock';
import { resolveTransition, TRANSITIONS, type Trigger } from '../domain/state-machine';
import type { Logger } from '../logging/logger';
import type {
  DueQuery,
  EntitlementRepository,
  EntitlementView,
} from '../repositories/entitlement.repository';
import type { ResellerRepository } from '../repositories/reseller.repository';
import type { ChangeRequest, EntitlementChangeWriter } from './entitlement-changes';

/** Tuning of the {@link SchedulerService}. */
export interface SchedulerOptions {
  /** Pause between passes. */
  intervalMs: number;
  /** Most rows one job handles per pass, so one pass never runs for long. */
  batchSize: number;
  /** A create still at the merchant after this long was cut short (a crash): it is FAILED. */
  staleProvisioningMs: number;
}

export const DEFAULT_SCHEDULER_OPTIONS: SchedulerOptions = {
  intervalMs: 5000,
  batchSize: 50,
  staleProvisioningMs: 5 * 60_000,
};

/** What the scheduler needs. */
export interface SchedulerDeps {
  transactions: Transactions;
  entitlements: EntitlementRepository;
  resellers: ResellerRepository;
  writer: EntitlementChangeWriter;
  clock: Clock;
  logger: Logger;
}

/** One kind of due change. */
interface Job {
  name: string;
  /** Whether a sandbox reseller's test clock drives it (stale creates go by real time only). */
  followsTestClock: boolean;
  due(now: Date): Omit<DueQuery, 'resellerId' | 'exclude'>;
  change(view: EntitlementView): ChangeRequest;
}

/**
 * Applies the changes time brings, from the database so that they survive restarts:
 * ACTIVE-ENDING → CANCELLED at `dateEnded`, a live entitlement → CANCELLED at `dateExpiry`,
 * and creates cut short by a crash → FAILED. Each row is claimed and changed in its own
 * transaction; on PostgreSQL rows are claimed `FOR UPDATE SKIP LOCKED`, so the schedulers of
 * several server processes never handle one row twice.
 */
export class SchedulerService {
  private readonly options: SchedulerOptions;
  private readonly jobs: Job[];
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<unknown> | undefined;
  private running = false;

  constructor(
    private readonly deps: SchedulerDeps,
    options: Partial<SchedulerOptions> = {},
  ) {
    this.options = { ...DEFAULT_SCHEDULER_OPTIONS, ...options };
    this.jobs = [endPeriodJob(deps.clock), expireJob(deps.clock), this.staleCreateJob()];
  }

  /** Starts passes every `intervalMs`, the first one now. */
  start(): void {
    if (this.running) {
      return;
    }
    this.running = true;
    this.tick();
  }

  /** Stops the passes, waiting for one in progress to finish. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.pass;
  }

  /** One pass by real time, then one per sandbox reseller whose test clock runs ahead. */
  async runOnce(): Promise<number> {
    let changed = await this.runPass(this.deps.clock.now());
    const ahead = await this.deps.transactions.read((tx) =>
      this.deps.resellers.listWithClockOffset(tx),
    );
    for (const reseller of ahead) {
      changed += await this.runForReseller(reseller.id, resellerNow(this.deps.clock, reseller));
    }
    return changed;
  }

  /** One pass over one reseller's entitlements by its own time (its test clock). */
  runForReseller(resellerId: string, now: Date): Promise<number> {
    return this.runPass(now, resellerId);
  }

  private tick(): void {
    this.pass = this.runOnce()
      .catch((error: unknown) => this.deps.logger.error({ err: error }, 'scheduler pass failed'))
      .finally(() => {
        this.pass = undefined;
        if (this.running) {
          this.timer = setTimeout(() => this.tick(), this.options.intervalMs);
          // Shutdown stops the scheduler; the timer alone must not keep the process up.
          this.timer.unref();
        }
      });
  }

  private async runPass(now: Date, resellerId?: string): Promise<number> {
    let changed = 0;
    for (const job of this.jobs) {
      if (resellerId === undefined || job.followsTestClock) {
        changed += await this.runJob(job, { ...job.due(now), resellerId, exclude: [] });
      }
    }
    return changed;
  }

  private async runJob(job: Job, due: DueQuery): Promise<number> {
    const exclude: string[] = [];
    let changed = 0;
    while (changed + exclude.length < this.options.batchSize) {
      const outcome = await this.runOne(job, { ...due, exclude });
      if (outcome === null) {
        break;
      }
      if (outcome.ok) {
        changed += 1;
      } else {
        exclude.push(outcome.id);
      }
    }
    return changed;
  }

  /** Claims one due row and changes it; null when none is due. */
  private async runOne(job: Job, due: DueQuery): Promise<{ id: string; ok: boolean } | null> {
    const { entitlements, writer } = this.deps;
    let claimed: string | null = null;
    try {
      return await this.deps.transactions.run(async (tx) => {
        claimed = await entitlements.claimDue(tx, due);
        const view = claimed === null ? null : await entitlements.findAny(tx, claimed);
        if (view === null) {
          return null;
        }
        await writer.apply(tx, view, job.change(view));
        return { id: view.id, ok: true };
      });
    } catch (error) {
      if (claimed === null) {
        throw error;
      }
      // Left for the next pass; skipped for the rest of this one so others still run.
      this.deps.logger.warn({ err: error, entitlementId: claimed, job: job.name }, 'job failed');
      return { id: claimed, ok: false };
    }
  }

  /** Creates whose merchant call never finished (the process died): FAILED, as the create. */
  private staleCreateJob(): Job {
    const { clock } = this.deps;
    const staleMs = this.options.staleProvisioningMs;
    return {
      name: 'staleCreate',
      followsTestClock: false,
      due: (now) => ({
        dateColumn: 'dateCreated',
        before: new Date(now.getTime() - staleMs),
        statuses: ['PENDING'],
        provisioning: true,
      }),
      // Recorded as the outcome of the reseller's create, with its request id: the table
      // lets only the reseller's create end in FAILED from nothing.
      change: (view) => ({
        transition: resolveTransition('create', null, 'RESELLER', 'failed'),
        actor: 'RESELLER',
        requestId: view.createRequestId,
        occurredAt: resellerNow(clock, view.reseller),
      }),
    };
  }
}

/** The statuses the table lets the scheduler fire `trigger` from. */
function schedulerFrom(trigger: Trigger) {
  const transition = TRANSITIONS.find(
    (row) => row.trigger === trigger && row.actors.includes('SCHEDULER'),
  );
  if (transition?.from == null) {
    throw new Error(`The state machine lets the scheduler fire no ${trigger}`);
  }
  return transition.from;
}

function schedulerChange(clock: Clock, trigger: Trigger, view: EntitlementView): ChangeRequest {
  return {
    transition: resolveTransition(trigger, view.status, 'SCHEDULER'),
    actor: 'SCHEDULER',
    requestId: null,
    occurredAt: resellerNow(clock, view.reseller),
  };
}

/** ACTIVE-ENDING → CANCELLED once `dateEnded` is reached. */
function endPeriodJob(clock: Clock): Job {
  return {
    name: 'endPeriod',
    followsTestClock: true,
    due: (now) => ({
      dateColumn: 'dateEnded',
      before: now,
      statuses: schedulerFrom('endPeriod'),
      provisioning: false,
    }),
    change: (view) => schedulerChange(clock, 'endPeriod', view),
  };
}

/** A live entitlement → CANCELLED with the table's reason once `dateExpiry` is reached. */
function expireJob(clock: Clock): Job {
  return {
    name: 'expire',
    followsTestClock: true,
    due: (now) => ({
      dateColumn: 'dateExpiry',
      before: now,
      statuses: schedulerFrom('expire'),
      provisioning: false,
    }),
    change: (view) => {
      const change = schedulerChange(clock, 'expire', view);
      const { reasonCategory = null, reasonCode = null } = change.transition;
      change.fields = {
        dateEnded: view.dateExpiry,
        reasonCategory,
        reasonCode,
        reasonDescription: 'The scheduled dateExpiry was reached.',
      };
      return change;
    },
  };
}
