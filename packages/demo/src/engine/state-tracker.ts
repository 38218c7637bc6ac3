import type { Timeline } from '../timeline/timeline';
import { shortId } from './describe';

/** What the demo last saw of one entitlement. */
export interface Tracked {
  id: string;
  /** The scenario's name for it (`as:` on create, else e1, e2, …). */
  alias: string;
  status: string;
  version: number;
  /** The last entitlement record seen (an answer or a notification). */
  record: Record<string, unknown>;
  /** The sign-up URL of the last answer that carried one. */
  signupUrl?: string;
}

/**
 * Follows every entitlement the demo touches through answers and notifications, whichever
 * arrives first, and prints a `state` line whenever one moves to another status.
 */
export class StateTracker {
  private readonly byId = new Map<string, Tracked>();

  constructor(private readonly timeline: Timeline) {}

  /** Starts following an entitlement under `alias`. */
  adopt(alias: string, record: Record<string, unknown>): Tracked | undefined {
    const id = record.entitlementId;
    if (typeof id !== 'string' || this.byId.has(id)) {
      return typeof id === 'string' ? this.byId.get(id) : undefined;
    }
    const tracked: Tracked = { id, alias, status: '—', version: 0, record: {} };
    this.byId.set(id, tracked);
    this.observe(record);
    return tracked;
  }

  /** The entitlement with this id, when followed. */
  get(id: string): Tracked | undefined {
    return this.byId.get(id);
  }

  /**
   * Takes note of an entitlement record (or an answer carrying one); older versions than the
   * one already seen are ignored, as a reseller should.
   */
  observe(record: unknown): void {
    const fields = record as Record<string, unknown> | null;
    const tracked =
      typeof fields?.entitlementId === 'string' && this.byId.get(fields.entitlementId);
    if (!tracked || typeof fields.status !== 'string' || typeof fields.version !== 'number') {
      return;
    }
    const url = (fields.parameters as { url?: unknown } | null | undefined)?.url;
    if (typeof url === 'string') {
      tracked.signupUrl = url;
    }
    if (fields.version < tracked.version) {
      return;
    }
    const before = tracked.status;
    Object.assign(tracked, { status: fields.status, version: fields.version, record: fields });
    if (before !== fields.status) {
      this.printChange(tracked, before);
    }
  }

  private printChange(tracked: Tracked, before: string): void {
    const { c } = this.timeline;
    const who = `${tracked.alias} ${c.dim(shortId(tracked.id))}`;
    const change =
      before === '—' ? c.bold(tracked.status) : `${before} → ${c.bold(tracked.status)}`;
    this.timeline.line('state', `${who}  ${change}  ${c.dim(`v${tracked.version}`)}`);
  }
}
