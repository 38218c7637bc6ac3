import type {
  EntitlementNotification,
  EntitlementStatus,
  NotificationReason,
} from '@tessera/reseller-client';

/** A notification that verified, kept once however often it was delivered. */
export interface ReceivedNotification {
  /** When its first delivery arrived. */
  receivedAt: Date;
  /** Always true: only verified notifications are kept (rejected ones are attempts only). */
  signatureOk: true;
  eventId: string;
  reason: NotificationReason;
  /** The event's position in the reseller's feed. */
  sequence: number;
  /** The entitlement's version after the change. */
  version: number;
  entitlementId: string;
  /** The entitlement's status after the change. */
  status: EntitlementStatus;
  /** How many deliveries carried it (more than 1 when Tessera retried after a lost answer). */
  deliveries: number;
  /**
   * True when a notification with a higher version of this entitlement arrived first: the
   * advice is to ignore such a notification, but the demo keeps it to show what happened.
   */
  stale: boolean;
  /** The notification as `verifyNotification` returned it. */
  notification: EntitlementNotification;
}

/** What the receiver did with one delivery. */
export type AttemptOutcome = 'accepted' | 'duplicate' | 'rejected' | 'down';

/** One delivery as it arrived, whatever its fate. */
export interface DeliveryAttempt {
  at: Date;
  outcome: AttemptOutcome;
  /** The HTTP status answered. */
  status: number;
  /** Whether the signature verified (false for rejected ones and for those answered "down"). */
  signatureOk: boolean;
  /** Read from the body even when it did not verify, for display only; may be missing. */
  eventId?: string;
  reason?: string;
  sequence?: number;
  version?: number;
  entitlementId?: string;
  /** Why it was rejected. */
  error?: string;
}

/** Called with every delivery attempt as soon as it is answered. */
export type AttemptListener = (attempt: DeliveryAttempt, received?: ReceivedNotification) => void;

/** The notifications and delivery attempts a demo reseller has seen, in arrival order. */
export class NotificationLog {
  private readonly byEventId = new Map<string, ReceivedNotification>();
  private readonly latestVersion = new Map<string, number>();
  private readonly attemptList: DeliveryAttempt[] = [];
  private readonly listeners = new Set<AttemptListener>();

  /** Records a verified notification; returns it and whether it was new. */
  accept(notification: EntitlementNotification, at: Date): [ReceivedNotification, boolean] {
    const known = this.byEventId.get(notification.eventId);
    if (known !== undefined) {
      known.deliveries += 1;
      return [known, false];
    }

    const received = toReceived(notification, at, this.isStale(notification));
    this.byEventId.set(received.eventId, received);
    return [received, true];
  }

  /** Records an attempt and tells the listeners. */
  addAttempt(attempt: DeliveryAttempt, received?: ReceivedNotification): void {
    this.attemptList.push(attempt);
    for (const listener of this.listeners) {
      listener(structuredClone(attempt), received && structuredClone(received));
    }
  }

  /** Verified notifications, each once, in order of first arrival. */
  received(): ReceivedNotification[] {
    return [...this.byEventId.values()].map((received) => structuredClone(received));
  }

  /** Every delivery attempt, in order of arrival. */
  attempts(): DeliveryAttempt[] {
    return this.attemptList.map((attempt) => structuredClone(attempt));
  }

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: AttemptListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // Delivery is at least once and retries may overtake nothing (Tessera sends one endpoint's
  // notifications in sequence order), so a stale version would point at a Tessera bug.
  private isStale(notification: EntitlementNotification): boolean {
    const latest = this.latestVersion.get(notification.entitlementId) ?? 0;
    this.latestVersion.set(notification.entitlementId, Math.max(latest, notification.version));
    return notification.version <= latest;
  }
}

function toReceived(
  notification: EntitlementNotification,
  at: Date,
  stale: boolean,
): ReceivedNotification {
  return {
    receivedAt: at,
    signatureOk: true,
    eventId: notification.eventId,
    reason: notification.reason,
    sequence: notification.sequence,
    version: notification.version,
    entitlementId: notification.entitlementId,
    status: notification.entitlement.status,
    deliveries: 1,
    stale,
    notification,
  };
}
