import type { Transactions } from '../database/transaction';
import { type Clock, resellerNow } from '../domain/clock';
import type { ResellerPrincipal } from '../domain/principals';
import type { Reseller } from '../entities';
import { BadRequestProblem, ForbiddenProblem } from '../errors/http-problems';
import type { components } from '../generated/contract';
import type { ResellerRepository } from '../repositories/reseller.repository';
import type { SchedulerService } from './scheduler.service';

export type SandboxClock = components['schemas']['SandboxClock'];
export type AdvanceClockRequest = components['schemas']['AdvanceClockRequest'];

/** The sandbox test clock of each sandbox reseller. */
export class SandboxService {
  constructor(
    private readonly transactions: Transactions,
    private readonly resellers: ResellerRepository,
    private readonly scheduler: SchedulerService,
    private readonly clock: Clock,
  ) {}

  async getClock(p: ResellerPrincipal): Promise<SandboxClock> {
    return this.describe(await this.sandboxReseller(p));
  }

  /**
   * Moves the reseller's test clock forward (it never goes back) and applies what falls due
   * by the new time before answering, so the caller sees the effect at once.
   */
  async advanceClock(p: ResellerPrincipal, body: AdvanceClockRequest): Promise<SandboxClock> {
    const hasBy = body.advanceBySeconds !== undefined;
    if (hasBy === (body.to !== undefined)) {
      throw new BadRequestProblem('Send either advanceBySeconds or to.');
    }
    const reseller = await this.sandboxReseller(p);

    await this.transactions.run(async (tx) => {
      if (body.advanceBySeconds !== undefined) {
        return this.resellers.advanceClockBy(tx, reseller.id, body.advanceBySeconds * 1000);
      }
      const offset = new Date(body.to as string).getTime() - this.clock.now().getTime();
      if (!(await this.resellers.advanceClockTo(tx, reseller.id, offset))) {
        throw new BadRequestProblem('The test clock never goes back.', {
          errors: [{ field: 'to', message: 'is before the test clock' }],
        });
      }
    });

    const moved = await this.sandboxReseller(p);
    await this.scheduler.runForReseller(moved.id, resellerNow(this.clock, moved));
    return this.describe(moved);
  }

  private async sandboxReseller(p: ResellerPrincipal): Promise<Reseller> {
    const reseller = await this.transactions.read((tx) =>
      this.resellers.findById(tx, p.resellerId),
    );
    if (reseller === null || !reseller.sandbox) {
      throw new ForbiddenProblem('The test clock is for sandbox resellers only.');
    }
    return reseller;
  }

  private describe(reseller: Reseller): SandboxClock {
    return {
      now: resellerNow(this.clock, reseller).toISOString(),
      offsetSeconds: Math.floor(reseller.clockOffsetMs / 1000),
    };
  }
}
