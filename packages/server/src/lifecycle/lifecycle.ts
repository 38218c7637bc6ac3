import type { Logger } from '../logging/logger';

/** Stops one piece of background work, e.g. a notification delivery loop. */
export type ShutdownHook = () => void | Promise<void>;

/**
 * The list of things to stop on shutdown, after HTTP requests have drained and before the
 * database closes. Features register their background jobs here when they start them.
 */
export class Lifecycle {
  private readonly hooks: { name: string; hook: ShutdownHook }[] = [];

  /** Registers `hook`; hooks run in reverse order of registration, like a stack unwinding. */
  onShutdown(name: string, hook: ShutdownHook): void {
    this.hooks.push({ name, hook });
  }

  /**
   * Runs every hook, even when some fail.
   *
   * @returns whether all hooks succeeded.
   */
  async runShutdownHooks(logger: Logger): Promise<boolean> {
    let clean = true;

    for (const { name, hook } of [...this.hooks].reverse()) {
      try {
        await hook();
        logger.debug({ hook: name }, 'shutdown hook done');
      } catch (error) {
        clean = false;
        logger.error({ err: error, hook: name }, 'shutdown hook failed');
      }
    }
    return clean;
  }
}
