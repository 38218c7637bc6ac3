import { removeLeftovers } from './leftovers';
import { killStartedServers } from './server-process';

/** Longest wait for each leftover (a scratch database, a folder) of a stopped run. */
const LEFTOVER_TIMEOUT_MS = 10_000;

/**
 * Bounds the run in time and makes Ctrl-C (SIGINT) and SIGTERM stop it cleanly: the processes
 * it started are killed by PID, then its scratch databases are dropped and its temporary
 * folders deleted, and the process exits (1 when over time, 130 when interrupted). A second
 * Ctrl-C while that goes on exits at once.
 */
export function guardRun(limitSeconds: number): void {
  setTimeout(
    () =>
      abandon(1, `The benchmark did not finish within ${Math.round(limitSeconds)} s; stopping.`),
    limitSeconds * 1000,
  ).unref();

  process.on('exit', killStartedServers);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => abandon(130, `Interrupted (${signal}); stopping.`));
  }
}

/** Stops the run now: its processes killed, its leftovers removed, exit with `code`. */
export function abandon(code: number, message: string): void {
  console.error(message);
  killStartedServers();
  void removeLeftovers(LEFTOVER_TIMEOUT_MS).then((failed) => {
    if (failed.length > 0) {
      console.error(`Could not remove, please do by hand: ${failed.join(', ')}`);
    }
    process.exit(code);
  });
}
