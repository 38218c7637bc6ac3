import type { DeliveryChange } from './repositories/notification-delivery.repository';
import { retryDelayMs } from './retry-schedule';

/** What an attempt means for the delivery and its endpoint. */
export type Verdict =
  /** Any 2xx. */
  | { kind: 'delivered'; change: DeliveryChange }
  /** 410 Gone: this delivery fails and the endpoint is disabled. */
  | { kind: 'gone'; change: DeliveryChange }
  /** Anything else, with tries left on the schedule: retried. */
  | { kind: 'failed'; change: DeliveryChange }
  /**
   * Anything else on the schedule's last try: the delivery is FAILED and its endpoint's queue
   * moves on to the next one (the endpoint is not disabled for this failure alone).
   */
  | { kind: 'exhausted'; change: DeliveryChange };

/**
 * Judges one attempt of a delivery that had `failedTries` consecutive failures before it.
 *
 * @param random - jitter source for the retry delay
 */
export function judgeAttempt(
  statusCode: number | null,
  failedTries: number,
  at: Date,
  random: () => number,
): Verdict {
  if (statusCode !== null && statusCode >= 200 && statusCode < 300) {
    return { kind: 'delivered', change: { state: 'DELIVERED', at } };
  }

  const tries = failedTries + 1;
  if (statusCode === 410) {
    return { kind: 'gone', change: { state: 'FAILED', failedTries: tries } };
  }
  const delay = retryDelayMs(tries, random);
  if (delay === null) {
    return { kind: 'exhausted', change: { state: 'FAILED', failedTries: tries } };
  }
  const nextAttemptAt = new Date(at.getTime() + delay);
  return { kind: 'failed', change: { state: 'PENDING', failedTries: tries, nextAttemptAt } };
}

/** Whether an endpoint failing since `failingSince` has failed for too long at `at`. */
export function failingTooLong(failingSince: Date | null, at: Date, disableAfterMs: number) {
  return failingSince !== null && at.getTime() - failingSince.getTime() >= disableAfterMs;
}
