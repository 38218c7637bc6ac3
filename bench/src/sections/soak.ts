import type autocannon from 'autocannon';

import { customLoad, type LoadResult } from '../load';
import { NotificationReceiver } from '../receiver';
import {
  type BenchContext,
  markdownTable,
  mib,
  ms,
  percent,
  type Section,
  stopAll,
  whole,
} from '../section';
import { type BenchServer, type ProcessMemory, startServer } from '../server-process';
import { BENCH_SERVER_ENV, notifySandboxResellerAt } from '../tessera-api';

/** Issue #8: RSS at the end of the soak within 10 % of RSS after warm-up. */
const GROWTH_LIMIT = 0.1;

// Enough to keep one process busy without queueing every request for long.
const CONNECTIONS = 16;
const SAMPLE_EVERY_MS = 5_000;
// RSS moves with every GC cycle; averaging a few samples at each end compares levels, not
// the phase of the collector.
const SAMPLES_AVERAGED = 6;

/** One RSS sample. */
interface Sample {
  atSeconds: number;
  memory: ProcessMemory;
}

/**
 * Resident memory of one server (SQLite) under a long mixed load: creates, gets and customer
 * lists in turn on every connection, notifications delivered to a loopback receiver meanwhile.
 */
export const soakSection: Section = {
  id: 'soak',
  title: 'Soak: memory under a long mixed load',
  estimateSeconds: (settings) => settings.soakSeconds + 30,
  run: async (context) => {
    const receiver = new NotificationReceiver();
    const receiverUrl = await receiver.start();
    let server: BenchServer | undefined;
    try {
      server = await startServer({
        serverMain: context.serverMain,
        database: { kind: 'sqlite', driver: 'better-sqlite3' },
        startTimeoutMs: 60_000,
        env: BENCH_SERVER_ENV,
      });
      await notifySandboxResellerAt(server, `${receiverUrl}/notifications`);
      const { result, samples } = await soak(context, server);
      return summarize(context, result, samples, receiver.snapshot().distinctEvents);
    } finally {
      await stopAll([server]);
      await receiver.stop();
    }
  },
};

async function soak(
  context: BenchContext,
  server: BenchServer,
): Promise<{ result: LoadResult; samples: Sample[] }> {
  const { soakSeconds } = context.settings;
  const started = Date.now();
  const samples: Sample[] = [{ atSeconds: 0, memory: await server.memory() }];
  const sampler = setInterval(() => {
    void server.memory().then((memory) => {
      samples.push({ atSeconds: (Date.now() - started) / 1000, memory });
      if (samples.length % 12 === 1) {
        context.log(
          `soak ${Math.round((Date.now() - started) / 1000)} s: RSS ${mib(memory.rssKb)} MiB`,
        );
      }
    });
  }, SAMPLE_EVERY_MS);

  try {
    const result = await customLoad(
      {
        url: server.url,
        connections: CONNECTIONS,
        durationSeconds: soakSeconds,
        maxRequests: 10_000_000,
      },
      { requests: mixedRequests() },
    );
    if (result.non2xx > 0 || result.errors > 0 || server.hasExited()) {
      throw new Error(
        `soak: ${result.non2xx} non-2xx (${JSON.stringify(result.statusCodes)}), ` +
          `${result.errors} errors${server.hasExited() ? ', the server exited' : ''}`,
      );
    }
    return { result, samples };
  } finally {
    clearInterval(sampler);
  }
}

/**
 * create → get → suspend → customer list, repeated on each connection. Each works on the
 * entitlement the same connection created just before, so every request finds something.
 */
function mixedRequests(): autocannon.Request[] {
  let sequence = 0;
  type Created = { entitlementId: string; customerIdentifier: string };
  // autocannon keeps one context object per connection across its requests.
  const created = (context: object) => (context as { created: Created }).created;
  return [
    {
      method: 'POST',
      path: '/v1/entitlement',
      setupRequest: (request) => {
        sequence += 1;
        const customerIdentifier = `soak-${sequence}`;
        return {
          ...request,
          headers: {
            ...request.headers,
            'content-type': 'application/json',
            'idempotency-key': `soak-${sequence}`,
          },
          body: JSON.stringify({
            customerIdentifier,
            merchantAccountKey: 'DEMO_MUSIC',
            productKey: 'MUSIC',
          }),
        };
      },
      onResponse: (_status, body, context) => {
        (context as { created: Created }).created = JSON.parse(body) as Created;
      },
    },
    {
      method: 'GET',
      setupRequest: (request, context) => ({
        ...request,
        path: `/v1/entitlement/${created(context).entitlementId}`,
      }),
    },
    {
      // A suspend goes to the merchant and is notified: it keeps the outbox busy.
      method: 'PATCH',
      setupRequest: (request, context) => ({
        ...request,
        path: `/v1/entitlement/${created(context).entitlementId}`,
        headers: { ...request.headers, 'content-type': 'application/json' },
        body: JSON.stringify({ entitlementBenefits: 'SUSPENDED' }),
      }),
    },
    {
      method: 'GET',
      setupRequest: (request, context) => ({
        ...request,
        body: undefined,
        path:
          '/v1/entitlement?customerIdentifier=' +
          encodeURIComponent(created(context).customerIdentifier),
      }),
    },
  ];
}

function summarize(
  context: BenchContext,
  result: LoadResult,
  samples: Sample[],
  delivered: number,
) {
  const { soakSeconds, soakWarmupSeconds } = context.settings;
  const afterWarmup = samples.filter((each) => each.atSeconds >= soakWarmupSeconds);
  const reference = mean(afterWarmup.slice(0, SAMPLES_AVERAGED));
  const end = mean(afterWarmup.slice(-SAMPLES_AVERAGED));
  const growth = end / reference - 1;
  const peakKb = Math.max(...samples.map((each) => each.memory.peakRssKb));

  const perMinute = samples.filter(
    (each, index) =>
      index === 0 || index === samples.length - 1 || Math.round(each.atSeconds) % 60 < 5,
  );
  const table = markdownTable(
    ['Time (s)', 'RSS (MiB)'],
    perMinute.map((each) => [Math.round(each.atSeconds), mib(each.memory.rssKb)]),
  );
  const met = Math.abs(growth) <= GROWTH_LIMIT;
  return {
    title: 'Soak: memory under a long mixed load',
    markdown: [
      `One server on SQLite (better-sqlite3) under ${soakSeconds} s of mixed load at ` +
        `${CONNECTIONS} connections: on every connection a create, a get of that entitlement, ` +
        'its suspension (through the merchant, notified) and a list of its customer, in turn; ' +
        'the notifications delivered to a loopback receiver ' +
        `meanwhile. RSS (from /proc) is sampled every ${SAMPLE_EVERY_MS / 1000} s. The ` +
        `reference is the mean of the first ${SAMPLES_AVERAGED} samples after ` +
        `${soakWarmupSeconds} s of warm-up, the end the mean of the last ${SAMPLES_AVERAGED}.`,
      '',
      `- Requests: ${whole(result.requests)} (${whole(result.requestsPerSecond)}/s), ` +
        `p50 ${ms(result.p50Ms)} ms, p99 ${ms(result.p99Ms)} ms, all 2xx; notifications ` +
        `delivered: ${whole(delivered)}`,
      `- RSS after warm-up ${mib(reference)} MiB, at the end ${mib(end)} MiB ` +
        `(${growth >= 0 ? '+' : ''}${percent(growth)}); peak ${mib(peakKb)} MiB`,
      '',
      table,
    ].join('\n'),
    targets: [
      {
        target: `RSS at the end of the soak within ${percent(GROWTH_LIMIT)} of RSS after warm-up`,
        measured:
          `${growth >= 0 ? '+' : ''}${percent(growth)} ` + `(${mib(reference)} → ${mib(end)} MiB)`,
        met,
        why: met ? undefined : 'RSS kept growing over the run: see the samples above',
      },
    ],
  };
}

function mean(samples: Sample[]): number {
  return samples.reduce((sum, each) => sum + each.memory.rssKb, 0) / Math.max(samples.length, 1);
}
