/** Thrown when environment variables fail validation; lists every problem, not just the first. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  /** One line per invalid variable, e.g. `PORT: Too big: expected number to be <=65535`. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.problems = problems;
  }
}
