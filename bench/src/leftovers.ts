import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * What the run made outside its own processes and has not removed yet (scratch databases,
 * temporary folders), each with how to remove it. A part removes what it made when it ends;
 * an interrupted or overrunning run removes what is left here before it exits.
 */
const leftovers = new Map<string, () => Promise<unknown>>();

/** Remembers how to remove `what`, until {@link forget} says it is gone. */
export function remember(what: string, remove: () => Promise<unknown>): void {
  leftovers.set(what, remove);
}

/** `what` was removed (or handed over): nothing to do for it on interruption. */
export function forget(what: string): void {
  leftovers.delete(what);
}

/** A new folder `tessera-bench-<purpose>-*` under the system's temporary folder. */
export async function makeTempDir(purpose: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `tessera-bench-${purpose}-`));
  remember(dir, () => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Deletes a folder {@link makeTempDir} made. */
export async function removeTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  forget(dir);
}

/**
 * Removes everything still remembered, at most `timeoutMs` for each; for an interrupted run,
 * once its servers are stopped. Resolves with what could not be removed.
 */
export async function removeLeftovers(timeoutMs: number): Promise<string[]> {
  const failed: string[] = [];
  for (const [what, remove] of [...leftovers]) {
    const removed = remove().then(
      () => true,
      () => false,
    );
    const timedOut = delay(timeoutMs, false, { ref: false });
    if (await Promise.race([removed, timedOut])) {
      leftovers.delete(what);
    } else {
      failed.push(what);
    }
  }
  return failed;
}
