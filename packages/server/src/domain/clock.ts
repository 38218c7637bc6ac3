/** Where services and the scheduler read the time from; injectable so tests can move it. */
export interface Clock {
  now(): Date;
}

/** The real time. */
export const systemClock: Clock = { now: () => new Date() };

/** A clock that stands still until told to move; for tests and simulations. */
export class ManualClock implements Clock {
  private current: number;

  constructor(start: Date = new Date()) {
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  set(instant: Date): void {
    this.current = instant.getTime();
  }

  advance(ms: number): void {
    this.current += ms;
  }
}

/** `clock`'s time moved forward by `offsetMs` (a sandbox reseller's test clock). */
export function offsetNow(clock: Clock, offsetMs: number): Date {
  return new Date(clock.now().getTime() + offsetMs);
}

/**
 * The time by which a reseller's entitlements change: real time, or for a sandbox reseller
 * its test clock (real time plus the offset it advanced by).
 */
export function resellerNow(
  clock: Clock,
  reseller: { sandbox: boolean; clockOffsetMs: number },
): Date {
  return offsetNow(clock, reseller.sandbox ? reseller.clockOffsetMs : 0);
}
