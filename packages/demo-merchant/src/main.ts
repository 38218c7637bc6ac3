import pino, { type Logger } from 'pino';

import { ConfigError, loadConfig, type DemoMerchantConfig } from './config';
import { createDemoMerchant, type RunningDemoMerchant } from './demo-merchant';

/** Process entry point: read the environment, start the demo merchant, stop it on a signal. */
async function main(): Promise<void> {
  const config = readConfigOrExit();
  const logger = pino({
    name: 'tessera-demo-merchant',
    level: config.logLevel,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });

  const merchant = createDemoMerchant({ ...config.merchant, logger });
  const running = await merchant.listen(config.port, config.host);
  const callbacks = `${config.merchant.publicBaseUrl ?? running.url}${config.merchant.basePath}`;
  logger.info(
    { url: running.url, callbacks, oauth2: config.merchant.oauth2 !== undefined },
    `demo merchant listening on ${running.url}; callbacks under ${callbacks}`,
  );

  stopOnSignals(running, logger);
}

function readConfigOrExit(): DemoMerchantConfig {
  try {
    return loadConfig();
  } catch (error) {
    // The logger's level comes from the config, so its problems go to stderr as plain text.
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

function stopOnSignals(running: RunningDemoMerchant, logger: Logger): void {
  let stopping = false;

  const onSignal = (signal: NodeJS.Signals): void => {
    // A second signal means the operator does not want to wait.
    if (stopping) {
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.fatal({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };

  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `demo merchant failed to start: ${(error as Error).stack ?? String(error)}\n`,
  );
  process.exit(1);
});
