/**
 * The plain POST loop of the dispatch baseline, run in its own process (forked by
 * `post-loop.ts`) so that, like the server's dispatcher, the sender has a process of its own and
 * the bench process only runs the receiver.
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

import type { PostLoopJob, PostLoopResult } from './post-loop';

// A Standard Webhooks signature is `v1,` and 44 base64 characters; its bytes, not its
// validity, are what the baseline has to send.
const SIGNATURE = `v1,${Buffer.alloc(32, 7).toString('base64')}`;

// The server's five notification headers (its HTTP client adds host, length and connection).
function headers(): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'Tessera-Notifications/1',
    'webhook-id': randomUUID(),
    'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
    'webhook-signature': SIGNATURE,
  };
}

const agent = new Agent({ keepAlive: true });

/** One POST with `node:http` over a kept-alive connection; resolves with whether it was 2xx. */
function postWithHttp(url: URL, body: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { ...headers(), 'content-length': String(Buffer.byteLength(body)) },
      },
      (response) => {
        response.resume();
        response.once('end', () => resolve((response.statusCode ?? 0) < 300));
      },
    );
    outgoing.once('error', reject);
    outgoing.end(body);
  });
}

async function postWithFetch(url: URL, body: string): Promise<boolean> {
  const response = await fetch(url, { method: 'POST', headers: headers(), body });
  await response.arrayBuffer();
  return response.ok;
}

// One loop per URL, each waiting for its answer before the next POST: the same discipline as
// the dispatcher's one request at a time per endpoint.
async function loops(job: PostLoopJob, perLoop: number): Promise<number> {
  const post = job.client === 'fetch' ? postWithFetch : postWithHttp;
  const failed = await Promise.all(
    job.urls.map(async (text) => {
      const url = new URL(text);
      let failures = 0;
      for (let sent = 0; sent < perLoop; sent += 1) {
        failures += (await post(url, job.body)) ? 0 : 1;
      }
      return failures;
    }),
  );
  return failed.reduce((sum, each) => sum + each, 0);
}

process.once('message', (job: PostLoopJob) => {
  void (async () => {
    await loops(job, job.warmupPerLoop);
    const started = performance.now();
    const failed = await loops(job, job.requestsPerLoop);
    const result: PostLoopResult = {
      seconds: (performance.now() - started) / 1000,
      requests: job.requestsPerLoop * job.urls.length,
      failed,
    };
    process.send?.(result, () => process.exit(0));
  })();
});
