import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

import { type Config, loadConfig } from './config/config';
import { ConfigError } from './errors/config-error';
import { PortInUseError } from './errors/port-in-use-error';
import { createLogger, type Logger } from './logging/logger';
import { type RunningServer, startServer } from './server';

/** Process entry point: read config, start the server, stop it on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = readConfigOrExit();
  const logger = createLogger(config.logLevel);
  exitOnCrash(logger);

  const server = await start(config, logger);
  logger.info(
    { url: server.url, publicBaseUrl: server.publicBaseUrl, sandbox: config.sandbox },
    `Tessera server listening on ${server.url}`,
  );
  if (config.adminToken === undefined) {
    logger.warn('ADMIN_TOKEN is not set: the admin API is disabled');
  }

  stopOnSignals(server, logger);
  await announce(server, logger);
}

async function start(config: Config, logger: Logger): Promise<RunningServer> {
  try {
    await ensureDatabaseDirectory(config);
    return await startServer(config, logger);
  } catch (error) {
    reportStartFailure(error, logger);
    process.exit(1);
  }
}

function reportStartFailure(error: unknown, logger: Logger): void {
  if (!(error instanceof PortInUseError)) {
    logger.fatal({ err: error }, 'server failed to start');
    return;
  }
  // An expected mistake, not a crash: the log line for collectors and a plain hint for the
  // operator's terminal, neither with a stack trace.
  const { code, host, port } = error;
  logger.fatal({ code, host, port }, error.message);
  process.stderr.write(`${error.message}\n`);
}

/** Seeds the sandbox catalogue on a fresh install, then logs where to start. */
async function announce(server: RunningServer, logger: Logger): Promise<void> {
  const base = server.publicBaseUrl;
  const seeding = server.services.seed.seedSandbox(base);
  // A shutdown requested meanwhile lets the seed finish before the database closes.
  server.lifecycle.onShutdown('sandbox seed', () => seeding.then(() => undefined));
  const sandbox = await seeding;
  if (sandbox === null) {
    logger.info({ baseUrl: base, docsUrl: `${base}/docs` }, `Tessera is ready at ${base}`);
    return;
  }
  const { reseller, merchant } = sandbox;
  logger.info(
    { baseUrl: base, docsUrl: `${base}/docs`, sandbox },
    `Tessera is ready at ${base} (API reference: ${base}/docs). Sandbox ` +
      `${sandbox.created ? 'created' : 'in place'}: reseller ${sandbox.resellerKey} ` +
      `${reseller.username} / ${reseller.password}, merchant ${sandbox.merchantAccountKey} ` +
      `${merchant.username} / ${merchant.password}`,
  );
}

function readConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    // The logger depends on the config, so configuration problems go to stderr as plain text.
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

async function ensureDatabaseDirectory(config: Config): Promise<void> {
  const { database } = config;

  if (database.kind === 'sqlite' && database.path !== ':memory:') {
    await mkdir(dirname(database.path), { recursive: true });
  }
}

function stopOnSignals(server: RunningServer, logger: Logger): void {
  let stopping = false;

  const onSignal = (signal: NodeJS.Signals): void => {
    // A second signal means the operator does not want to wait for the drain.
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }

    stopping = true;
    logger.info({ signal }, 'shutdown requested');
    server.shutdown().then(
      (clean) => process.exit(clean ? 0 : 1),
      (error: unknown) => {
        logger.fatal({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };

  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

function exitOnCrash(logger: Logger): void {
  const crash = (error: unknown): void => {
    logger.fatal({ err: error }, 'crashed');
    process.exit(1);
  };

  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `Tessera server failed to start: ${(error as Error).stack ?? String(error)}\n`,
  );
  process.exit(1);
});
