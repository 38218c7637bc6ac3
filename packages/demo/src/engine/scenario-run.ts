import type { DemoReseller } from '@tessera/demo-reseller';
import type { MerchantClient } from '@tessera/merchant-client';
import type { ResellerClient } from '@tessera/reseller-client';

import type { LogLine } from '../environment/tessera-process';
import type { Scenario } from '../scenario/load';
import type { Timeline } from '../timeline/timeline';
import type { Answer } from './answer';
import type { HttpRecorder } from './http-recorder';
import type { StateTracker, Tracked } from './state-tracker';

/** What steps act through and observe, shared by every scenario of a run. */
export interface EngineDeps {
  timeline: Timeline;
  recorder: HttpRecorder;
  tracker: StateTracker;
  /** The reseller API, as the sandbox reseller. */
  reseller: ResellerClient;
  /** The merchant API, as the sandbox merchant. */
  merchant: MerchantClient;
  /** A browser stand-in: plain fetch, recorded as the user talking to the merchant. */
  userFetch: typeof fetch;
  /** The demo reseller receiving notifications. */
  receiver: DemoReseller;
  /** Tessera's log so far (grows while the run goes on). */
  tesseraLogs: readonly LogLine[];
  /** A customer identifier no earlier scenario used. */
  newCustomer(): string;
  /** Notifications already matched by an expectation, by event id. */
  consumed: Set<string>;
}

/** Thrown when a step cannot run at all (an unknown entitlement name, no sign-up page). */
export class StepError extends Error {
  override readonly name = 'StepError';
}

/** A form read from a sign-up page, ready to submit. */
export interface SignupForm {
  action: string;
  fields: URLSearchParams;
}

/** The state of one scenario while it runs. */
export class ScenarioRun {
  private readonly aliases = new Map<string, string>();
  private current: string | undefined;
  /** When the scenario started; notifications and attempts before it are not its own. */
  readonly startedAt = new Date();
  /** The sign-up form of the page opened last. */
  signupForm: SignupForm | undefined;
  /** The answer of the step running now. */
  answer: Answer | undefined;

  constructor(
    readonly deps: EngineDeps,
    readonly scenario: Scenario,
  ) {}

  /** A name for the next entitlement created without `as:`. */
  nextAlias(): string {
    return `e${this.aliases.size + 1}`;
  }

  /** Follows the entitlement in `record` as `alias`, and makes it the current one. */
  adopt(alias: string, record: Record<string, unknown>): void {
    const tracked = this.deps.tracker.adopt(alias, record);
    if (tracked !== undefined) {
      this.aliases.set(alias, tracked.id);
      this.current = alias;
    }
  }

  /**
   * The entitlement named `alias`, or the one created last.
   *
   * @throws StepError when there is no such entitlement
   */
  entitlement(alias?: string): Tracked {
    const name = alias ?? this.current;
    const id = name === undefined ? undefined : this.aliases.get(name);
    const tracked = id === undefined ? undefined : this.deps.tracker.get(id);
    if (tracked === undefined) {
      const known = [...this.aliases.keys()].join(', ') || 'none yet';
      throw new StepError(`no entitlement named ${name ?? '(current)'} (known: ${known})`);
    }
    return tracked;
  }

  /** Ids of every entitlement this scenario created. */
  entitlementIds(): string[] {
    return [...this.aliases.values()];
  }
}
