import { setTimeout as delay } from 'node:timers/promises';

import type { LoadResult } from './load';
import type { BenchServer } from './server-process';
import type { Measurement } from './stats';

/** How often, and below what share of a core, {@link settle} samples the server's CPU. */
const SETTLE_SAMPLE_MS = 100;
const SETTLE_IDLE_SHARE = 0.05;
/** Longest wait for a server to settle; a server still busy after it is measured anyway. */
const SETTLE_MAX_MS = 20_000;

/**
 * Waits until `server` has finished the work earlier loads left in flight: when a load's time
 * is up, autocannon drops the requests it is still waiting for, but the server carries them
 * through (a create runs on to its merchant call and commits). Measured at once, the next
 * load would queue behind them: on a busy machine, PostgreSQL creates queued for seconds and
 * a short load completed no request at all. Idle means two samples in a row below 5 % of a
 * core (timers and the dispatcher's polls cost far less).
 */
export async function settle(server: BenchServer): Promise<void> {
  const deadline = Date.now() + SETTLE_MAX_MS;
  let idleSamples = 0;
  let before = await server.cpuSeconds();
  while (idleSamples < 2 && Date.now() < deadline && !server.hasExited()) {
    await delay(SETTLE_SAMPLE_MS);
    const now = await server.cpuSeconds();
    const idle = now - before < (SETTLE_SAMPLE_MS / 1000) * SETTLE_IDLE_SHARE;
    idleSamples = idle ? idleSamples + 1 : 0;
    before = now;
  }
}

/**
 * Runs `load` against `server`, once the server has {@link settle}d, and adds the server CPU
 * time it cost per request.
 *
 * @throws when any answer was not 2xx, a connection failed or the server exited.
 */
export async function measure(
  server: BenchServer,
  name: string,
  load: () => Promise<LoadResult>,
): Promise<Measurement> {
  await settle(server);
  const cpuBefore = await server.cpuSeconds();
  const result = await load();
  assertClean(server, name, result);
  const cpuMs = ((await server.cpuSeconds()) - cpuBefore) * 1000;
  return { ...result, serverCpuMsPerRequest: cpuMs / Math.max(result.requests, 1) };
}

// A non-2xx answer means the server did other work than the workload describes (a 409 from
// a repeated customer, a 429 from the limiter...), so the numbers would compare nothing.
export function assertClean(server: BenchServer, name: string, result: LoadResult): void {
  const problems: string[] = [];
  if (server.hasExited()) {
    problems.push('the server exited');
  }
  if (result.non2xx > 0) {
    problems.push(`${result.non2xx} non-2xx answers (${JSON.stringify(result.statusCodes)})`);
  }
  if (result.errors > 0) {
    problems.push(`${result.errors} connection errors or timeouts`);
  }
  if (result.requests === 0) {
    problems.push('no request completed');
  }
  if (problems.length > 0) {
    const output = server.outputLines().slice(-10).join('\n    ');
    throw new Error(
      `${name} against ${server.label} failed: ${problems.join('; ')}.\n` +
        `  Server output (last lines):\n    ${output || '(none)'}`,
    );
  }
}
