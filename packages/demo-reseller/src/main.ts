import { ConfigError, loadConfig, type DemoResellerConfig } from './config';
import { createDemoReseller } from './demo-reseller';
import type { DeliveryAttempt } from './notification-log';

/** Process entry point: read the environment, receive notifications, stop on a signal. */
async function main(): Promise<void> {
  const config = readConfigOrExit();
  const reseller = createDemoReseller({
    secret: config.secrets,
    notificationPath: config.notificationPath,
  });
  reseller.subscribe((attempt) => process.stdout.write(`${describe(attempt)}\n`));

  const running = await reseller.listen(config.port, config.host);
  process.stdout.write(`demo reseller: notifications to ${running.notificationUrl}\n`);

  const stop = () => {
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/** One line per delivery: time, outcome, status and what the notification says. */
function describe(attempt: DeliveryAttempt): string {
  const fields = [
    attempt.at.toISOString(),
    attempt.outcome.padEnd(9),
    String(attempt.status),
    attempt.reason ?? '-',
    `seq=${attempt.sequence ?? '-'}`,
    `v=${attempt.version ?? '-'}`,
    attempt.entitlementId ?? '-',
  ];
  return attempt.error === undefined ? fields.join(' ') : `${fields.join(' ')} (${attempt.error})`;
}

function readConfigOrExit(): DemoResellerConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo reseller failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
