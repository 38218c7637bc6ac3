import type { Middleware } from 'koa';
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

import { TooManyRequestsProblem } from '../errors/http-problems';
import type { TesseraState } from './state';

/** Limits per credential. */
export interface RateLimitOptions {
  /** Sustained requests per second; 0 turns limiting off. */
  perSecond: number;
  /** Extra requests allowed above the sustained rate within any 10 seconds. */
  burst: number;
  /**
   * Stretches both windows (the second and the 10 s of the burst) this many times, keeping
   * their limits. Not configurable: tests set it so that a slow machine cannot refill a window
   * mid-test, as the limiter reads the wall clock. Default 1.
   */
  windowScale?: number;
}

const SUSTAINED_WINDOW_SECONDS = 1;
const BURST_WINDOW_SECONDS = 10;

/**
 * Limits each credential to `perSecond` requests a second, plus a burst allowance, in this
 * process's memory (several instances each allow that much). Over the limit: 429 with
 * `Retry-After`. Mount after authentication; health probes are not behind it.
 */
export function rateLimit(options: RateLimitOptions): Middleware<TesseraState> {
  if (options.perSecond <= 0) {
    return (_ctx, next) => next();
  }

  const scale = options.windowScale ?? 1;
  const limiter = new BurstyRateLimiter(
    new RateLimiterMemory({
      points: options.perSecond,
      duration: SUSTAINED_WINDOW_SECONDS * scale,
    }),
    new RateLimiterMemory({
      keyPrefix: 'burst',
      points: Math.max(options.burst, 1),
      duration: BURST_WINDOW_SECONDS * scale,
    }),
  );

  return async (ctx, next) => {
    const key = ctx.state.caller?.credentialId ?? `ip:${ctx.ip}`;
    try {
      await limiter.consume(key);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) {
        throw rejection;
      }
      const seconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      throw new TooManyRequestsProblem(`Too many requests; retry in ${seconds} s.`, {
        headers: { 'Retry-After': String(seconds) },
      });
    }
    await next();
  };
}
