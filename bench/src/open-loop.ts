import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';

import { Pool } from 'undici';

import type { LoadResult } from './load';

/** One request of an open-loop load, as {@link OpenLoopOptions.next} makes it. */
export interface OpenLoopRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** Settings of {@link openLoopLoad}. */
export interface OpenLoopOptions {
  url: string;
  connections: number;
  /** Requests per second, sent evenly: one every 1 / rate s. */
  ratePerSecond: number;
  durationSeconds: number;
  maxRequests: number;
  timeoutSeconds: number;
  /** The next request to send; called once per request, in sending order. */
  next(): OpenLoopRequest;
  /** Called with each answer. */
  onResponse?(status: number, body: string): void;
}

// How late the scheduler may wake for a request that is due: requests due meanwhile go together.
const TICK_MS = 1;

/**
 * Sends requests on a schedule, one every 1 / rate s, over `connections` keep-alive connections
 * (undici's pool; a request due while every connection is busy waits for one), and times each
 * from when it was due to be sent, not from when a connection took it (an open loop, so a stall
 * of the server counts against every request it delays: no coordinated omission).
 *
 * Why not autocannon's `overallRate`: autocannon resets each connection's allowance once a
 * second, so every connection sends its share of the second at once when the second starts and
 * then waits: a paced load was a burst of the whole second's requests every second, and its
 * latency that of the burst, not that of a server with headroom.
 */
export async function openLoopLoad(options: OpenLoopOptions): Promise<LoadResult> {
  const pool = new Pool(options.url, {
    connections: options.connections,
    headersTimeout: options.timeoutSeconds * 1000,
    bodyTimeout: options.timeoutSeconds * 1000,
  });
  const tally = new Tally();
  const sent: Promise<void>[] = [];
  const intervalMs = 1000 / options.ratePerSecond;
  const started = performance.now();
  const end = started + options.durationSeconds * 1000;
  try {
    for (let index = 0; index < options.maxRequests; index += 1) {
      const due = started + index * intervalMs;
      if (due >= end) {
        break;
      }
      const wait = due - performance.now();
      if (wait > TICK_MS) {
        await delay(wait);
      }
      sent.push(send(pool, options, due, tally));
    }
    await Promise.all(sent);
  } finally {
    await pool.close();
  }
  return tally.result(options.durationSeconds);
}

async function send(pool: Pool, options: OpenLoopOptions, due: number, tally: Tally) {
  const request = options.next();
  try {
    const response = await pool.request({
      method: request.method,
      path: request.path,
      headers: request.headers,
      body: request.body,
    });
    const body = await response.body.text();
    tally.answer(response.statusCode, performance.now() - due);
    options.onResponse?.(response.statusCode, body);
  } catch {
    tally.error();
  }
}

/** The answers of a load so far. */
class Tally {
  private readonly latenciesMs: number[] = [];
  private readonly statusCodes: Record<string, number> = {};
  private non2xx = 0;
  private errors = 0;

  answer(status: number, latencyMs: number): void {
    this.statusCodes[status] = (this.statusCodes[status] ?? 0) + 1;
    if (status >= 200 && status < 300) {
      this.latenciesMs.push(latencyMs);
    } else {
      this.non2xx += 1;
    }
  }

  error(): void {
    this.errors += 1;
  }

  result(seconds: number): LoadResult {
    const sorted = [...this.latenciesMs].sort((a, b) => a - b);
    const requests = sorted.length + this.non2xx;
    return {
      requests,
      seconds,
      requestsPerSecond: requests / seconds,
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      non2xx: this.non2xx,
      errors: this.errors,
      statusCodes: this.statusCodes,
    };
  }
}

// Nearest rank, as HdrHistogram (autocannon) reports it; 0 for no samples.
function percentile(sorted: readonly number[], share: number): number {
  if (sorted.length === 0) {
    return 0;
  }
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)]!;
}
