import type { LoadResult } from './load';
import type { BenchServer } from './server-process';
import type { Measurement } from './stats';

/**
 * Runs `load` against `server` and adds the server CPU time it cost per request.
 *
 * @throws when any answer was not 2xx, a connection failed or the server exited.
 */
export async function measure(
  server: BenchServer,
  name: string,
  load: () => Promise<LoadResult>,
): Promise<Measurement> {
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
