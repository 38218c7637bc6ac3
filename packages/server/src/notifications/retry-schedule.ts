/**
 * When a failed notification is tried again: the schedule published in the contract
 * (`specs/webhooks/entitlement-notification.yaml`) and the README. Entry `i` is the wait after
 * the `(i + 1)`-th failed try of a delivery; after the last entry's try fails too, the delivery
 * is FAILED. The contract test in test/notifications reads the published text and compares.
 */
export const NOTIFICATION_RETRY_SCHEDULE_MS: readonly number[] = [
  5 * 1000,
  5 * 60 * 1000,
  30 * 60 * 1000,
  2 * 3600 * 1000,
  5 * 3600 * 1000,
  10 * 3600 * 1000,
  14 * 3600 * 1000,
  20 * 3600 * 1000,
  24 * 3600 * 1000,
];

/** How many tries a delivery gets before it is FAILED: the first, then one per retry. */
export const MAX_DELIVERY_TRIES = NOTIFICATION_RETRY_SCHEDULE_MS.length + 1;

/**
 * Each wait is moved by up to this share either way, so that the retries of many deliveries
 * that failed together (an endpoint outage) do not hit the endpoint again in one burst.
 */
export const RETRY_JITTER = 0.1;

/**
 * The wait before the next try after `failedTries` consecutive failures (1 = the first try
 * failed), with jitter; `null` when the schedule is exhausted.
 *
 * @param random - a number in [0, 1), `Math.random` by default; tests pass a fixed one
 */
export function retryDelayMs(failedTries: number, random: () => number = Math.random) {
  const base = NOTIFICATION_RETRY_SCHEDULE_MS[failedTries - 1];
  if (base === undefined) {
    return null;
  }
  const factor = 1 + RETRY_JITTER * (2 * random() - 1);
  return Math.round(base * factor);
}
