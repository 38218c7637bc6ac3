/**
 * What the demo started, to be stopped in reverse order, once, whatever happens: on success,
 * on failure and on SIGINT.
 */
export class Cleanup {
  private readonly tasks: { name: string; stop: () => Promise<void> | void }[] = [];
  private running: Promise<string[]> | undefined;

  /** Registers something to stop. */
  add(name: string, stop: () => Promise<void> | void): void {
    this.tasks.push({ name, stop });
  }

  /**
   * Stops everything registered, last first; a failing task does not keep the others running.
   *
   * @returns the problems met, one line each (empty when all stopped cleanly)
   */
  run(): Promise<string[]> {
    this.running ??= this.stopAll();
    return this.running;
  }

  private async stopAll(): Promise<string[]> {
    const problems: string[] = [];
    for (const task of this.tasks.reverse()) {
      try {
        await task.stop();
      } catch (error) {
        problems.push(`${task.name}: ${(error as Error).message}`);
      }
    }
    return problems;
  }
}
