/** The environment variables {@link loadConfig} reads. */
export type Env = Record<string, string | undefined>;

/** Validated settings of the demo reseller process. */
export interface DemoResellerConfig {
  /** TCP port to listen on; 0 picks a free one. */
  port: number;
  /** Interface to bind. */
  host: string;
  /** Path notifications are POSTed to. */
  notificationPath: string;
  /** The signing secret(s), current first. */
  secrets: string[];
}

/** Thrown when environment variables fail validation; lists every problem, not just the first. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

/**
 * Reads the demo reseller's settings: `PORT` (8091), `HOST` (127.0.0.1), `NOTIFICATION_PATH`
 * (`/notifications`) and `TESSERA_SIGNING_SECRET` (required; during a rotation the current and
 * previous secrets, separated by a comma).
 *
 * @throws ConfigError listing every invalid variable at once
 */
export function loadConfig(env: Env = process.env): DemoResellerConfig {
  const problems: string[] = [];
  const port = readPort(env.PORT, problems);
  const path = env.NOTIFICATION_PATH || '/notifications';
  if (!/^\/[\w./~-]*$/.test(path)) {
    problems.push('NOTIFICATION_PATH: must be a path such as /notifications');
  }
  const secrets = (env.TESSERA_SIGNING_SECRET ?? '').split(',').map((s) => s.trim());
  if (!secrets.every((secret) => secret.startsWith('whsec_'))) {
    problems.push('TESSERA_SIGNING_SECRET: must be whsec_… (two separated by a comma at most)');
  }
  if (problems.length > 0) {
    throw new ConfigError(problems);
  }
  return { port, host: env.HOST || '127.0.0.1', notificationPath: path, secrets };
}

function readPort(value: string | undefined, problems: string[]): number {
  if (value === undefined || value === '') {
    return 8091;
  }
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    problems.push('PORT: must be a whole number from 0 to 65535');
  }
  return port;
}
