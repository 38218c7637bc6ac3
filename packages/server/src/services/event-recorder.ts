import { randomUUID } from 'node:crypto';

import type { Tx } from '../database/transaction';
import type { EntitlementEvent } from '../domain/principals';
import type { Actor, EntitlementStatus, Transition } from '../domain/state-machine';
import { EntitlementEventRecord } from '../entities';
import type { EntitlementEventRepository } from '../repositories/entitlement-event.repository';
import type { EntitlementView } from '../repositories/entitlement.repository';
import type { ResellerRepository } from '../repositories/reseller.repository';
import { toEntitlement, toEvent } from './entitlement-views';

/** An event as listeners get it: the contract's event plus what delivery needs. */
export type RecordedEvent = EntitlementEvent & {
  resellerId: string;
  /** The entitlement's own notification URL after the change (null: the reseller default). */
  notificationUrl: string | null;
  /** Whether the reseller is notified (false for creates, answered synchronously). */
  notify: boolean;
};

/**
 * Called with every event inside the transaction that records it, so what a listener writes
 * (e.g. the notification outbox of issue #5) commits or rolls back with the change.
 */
export type EventListener = (tx: Tx, event: RecordedEvent) => Promise<void>;

/** One change to record. */
export interface ChangeToRecord {
  /** The entitlement after the change. */
  entitlement: EntitlementView;
  transition: Transition;
  actor: Actor;
  requestId: string | null;
  /** Null for a create. */
  statusBefore: EntitlementStatus | null;
  occurredAt: Date;
}

/** Appends the event of each change, numbered in the reseller's gap-free sequence. */
export class EventRecorder {
  constructor(
    private readonly events: EntitlementEventRepository,
    private readonly resellers: ResellerRepository,
    private readonly listeners: readonly EventListener[],
  ) {}

  /** Records `change` in `tx`, the transaction that made it, and tells the listeners. */
  async record(tx: Tx, change: ChangeToRecord): Promise<RecordedEvent> {
    const { entitlement } = change;
    const record = Object.assign(new EntitlementEventRecord(), {
      id: randomUUID(),
      resellerId: entitlement.resellerId,
      sequence: await this.resellers.nextEventSequence(tx, entitlement.resellerId),
      entitlementId: entitlement.id,
      version: entitlement.version,
      reason: change.transition.reason,
      actor: change.actor,
      statusBefore: change.statusBefore,
      statusAfter: entitlement.status,
      requestId: change.requestId,
      occurredAt: change.occurredAt,
      snapshot: toEntitlement(entitlement),
    });
    await this.events.insert(tx, record);

    const event: RecordedEvent = {
      ...toEvent(record),
      resellerId: entitlement.resellerId,
      notificationUrl: entitlement.notificationUrl,
      notify: change.transition.notify,
    };
    for (const listener of this.listeners) {
      await listener(tx, event);
    }
    return event;
  }
}
