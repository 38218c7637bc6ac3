import { randomUUID } from 'node:crypto';

import type { Clock } from '../domain/clock';
import type { Tx } from '../database/transaction';
import type { EventListener, RecordedEvent } from '../services/event-recorder';
import { DeliveryLane, NotificationDelivery } from './entities';
import { notificationOf } from './notification-payload';
// prettier-ignore
import type {
  NotificationDeliveryRepository,
} from './repositories/notification-delivery.repository';
// prettier-ignore
import type {
  NotificationEndpointRepository,
} from './repositories/notification-endpoint.repository';
import type { ResellerSettingsRepository } from './repositories/reseller-settings.repository';
import type { SandboxNotificationRepository } from './repositories/sandbox-notification.repository';

/** How long the sandbox's reorder fault holds a notification back, on top of any delay. */
export const REORDER_HOLD_MS = 2000;

/** What the outbox reads and writes. */
export interface OutboxDeps {
  resellers: ResellerSettingsRepository;
  endpoints: NotificationEndpointRepository;
  deliveries: NotificationDeliveryRepository;
  sandbox: SandboxNotificationRepository;
  clock: Clock;
  /** For the sandbox faults; `Math.random` by default. */
  random?: () => number;
}

/**
 * The transactional outbox: for every notified event, inserts its delivery (to the
 * entitlement's notification URL, else the reseller's default; none without either) in the
 * transaction that records the event. A delivery exists exactly when its event committed, so a
 * crash at any point loses no notification and sends none for a rolled-back change.
 */
export class NotificationOutbox {
  private readonly random: () => number;

  constructor(private readonly deps: OutboxDeps) {
    this.random = deps.random ?? Math.random;
  }

  /** The listener to register with the event recorder. */
  readonly listener: EventListener = async (tx, event) => {
    await this.enqueue(tx, event);
  };

  /** Inserts the delivery of `event`, if it is notified and has somewhere to go. */
  async enqueue(tx: Tx, event: RecordedEvent): Promise<NotificationDelivery | null> {
    if (!event.notify) {
      return null;
    }
    const reseller = await this.deps.resellers.findById(tx, event.resellerId);
    const url = event.notificationUrl ?? reseller?.defaultNotificationUrl ?? null;
    if (reseller === null || url === null) {
      return null;
    }

    // Deliveries are scheduled on the dispatcher's clock, not the event's time, which a
    // sandbox test clock may have moved ahead.
    const now = this.deps.clock.now();
    const endpoint = await this.deps.endpoints.ensure(tx, reseller.id, url, now);
    const parked = endpoint.state === 'DISABLED';
    const { firstTry, lane } = parked
      ? { firstTry: null, lane: DeliveryLane.IN_ORDER }
      : await this.firstTryAt(tx, reseller, now);

    const delivery = Object.assign(new NotificationDelivery(), {
      id: randomUUID(),
      eventId: event.eventId,
      resellerId: reseller.id,
      endpointId: endpoint.id,
      entitlementId: event.entitlementId,
      sequence: event.sequence,
      reason: event.reason,
      url,
      payload: JSON.stringify(notificationOf(event)),
      state: parked ? 'ENDPOINT_DISABLED' : 'PENDING',
      lane,
      attemptCount: 0,
      failedTries: 0,
      nextAttemptAt: firstTry,
      generation: 0,
      createdAt: now,
      deliveredAt: null,
    } satisfies NotificationDelivery);
    await this.deps.deliveries.insert(tx, delivery);
    return delivery;
  }

  /**
   * Now and in order; or, for a sandbox reseller who asked for faults, later by `delayMs` and,
   * when the reorder fault strikes, also held back {@link REORDER_HOLD_MS} outside the
   * endpoint's order, so that later notifications overtake it.
   */
  private async firstTryAt(
    tx: Tx,
    reseller: { id: string; sandbox: boolean },
    now: Date,
  ): Promise<{ firstTry: Date; lane: DeliveryLane }> {
    const faults = reseller.sandbox ? await this.deps.sandbox.findFaults(tx, reseller.id) : null;
    if (faults === null) {
      return { firstTry: now, lane: DeliveryLane.IN_ORDER };
    }
    const reordered = this.random() < faults.reorderRate;
    return {
      firstTry: new Date(now.getTime() + faults.delayMs + (reordered ? REORDER_HOLD_MS : 0)),
      lane: reordered ? DeliveryLane.OUTSIDE : DeliveryLane.IN_ORDER,
    };
  }
}
