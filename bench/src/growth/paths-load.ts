import autocannon from 'autocannon';

import type { LoadOptions, LoadResult } from '../load';
import { SANDBOX_AUTHORIZATION } from '../server-process';

// Same as load.ts: a request with no answer in this time counts as an error.
const REQUEST_TIMEOUT_SECONDS = 10;

/**
 * `GET` of each of `paths` (query strings included) in turn as the sandbox reseller, in a
 * scattered order: stepping by a prime that does not divide the count visits every path, so
 * consecutive requests do not read neighbouring rows.
 */
export function pathsLoad(options: LoadOptions, paths: readonly string[]): Promise<LoadResult> {
  if (paths.length === 0) {
    throw new Error('a paths load needs at least one path');
  }
  const step = [7919, 7907, 7901].find((prime) => paths.length % prime !== 0) ?? 1;
  let position = 0;
  const settings: autocannon.Options = {
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    maxOverallRequests: options.maxRequests,
    timeout: REQUEST_TIMEOUT_SECONDS,
    headers: { authorization: SANDBOX_AUTHORIZATION },
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => {
          position = (position + step) % paths.length;
          return { ...request, path: paths[position] };
        },
      },
    ],
  };
  return new Promise((resolve, reject) => {
    autocannon(settings, (error: unknown, result: autocannon.Result) => {
      if (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      const statusCodes: Record<string, number> = {};
      for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) {
        statusCodes[code] = stats.count ?? 0;
      }
      resolve({
        requests: result.requests.total,
        seconds: result.duration,
        requestsPerSecond: result.requests.total / result.duration,
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
        non2xx: result.non2xx,
        errors: result.errors,
        statusCodes,
      });
    });
  });
}
