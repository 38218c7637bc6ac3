import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createDemoMerchant } from '@tessera/demo-merchant';
import { createDemoReseller, type DemoReseller } from '@tessera/demo-reseller';

import { AdminApi } from './admin-api';
import type { Cleanup } from './cleanup';
import { SANDBOX } from './sandbox';
import { startTessera, type LogLine, type TesseraProcess } from './tessera-process';

/** Everything the scenarios run against. */
export interface DemoEnvironment {
  tesseraUrl: string;
  tessera: TesseraProcess;
  admin: AdminApi;
  /** The notification receiver, built on `@tessera/reseller-client`. */
  reseller: DemoReseller;
  /** Where the simulated merchant runs: mounted in Tessera, or started by the demo. */
  merchant: { url: string; mode: 'sandbox' | 'demo' };
  /** The SQLite file of this run. */
  databaseFile: string;
}

/** How to start the environment. */
export interface EnvironmentOptions {
  serverMain: string;
  /** Tessera's log lines, as they are written. */
  onLog?: (line: LogLine) => void;
  /** Told about each setup step, for the timeline. */
  onSetup?: (what: string) => void;
}

/**
 * Starts Tessera on a fresh SQLite file with its seeded sandbox, the demo reseller and, when
 * Tessera does not serve the simulated merchant itself, the demo merchant; then points the
 * sandbox reseller's notifications at the demo reseller with a fresh signing secret. Everything
 * started is registered with `cleanup`, which the caller runs whatever happens.
 */
export async function startEnvironment(
  options: EnvironmentOptions,
  cleanup: Cleanup,
): Promise<DemoEnvironment> {
  const say = options.onSetup ?? (() => undefined);
  const directory = await mkdtemp(join(tmpdir(), 'tessera-demo-'));
  cleanup.add('temporary directory', () => rm(directory, { recursive: true, force: true }));

  const reseller = createDemoReseller();
  const receiver = await reseller.listen(0);
  cleanup.add('demo reseller', () => receiver.close());
  say(`demo reseller listening at ${receiver.notificationUrl}`);

  const databaseFile = join(directory, 'tessera.sqlite');
  const adminToken = randomBytes(24).toString('hex');
  const tessera = await startTessera({
    serverMain: options.serverMain,
    env: serverEnv(databaseFile, adminToken),
    cwd: directory,
    onLog: options.onLog,
  });
  cleanup.add('Tessera', () => tessera.stop());
  say(`Tessera (pid ${tessera.pid}) listening at ${tessera.url}`);
  say(`  on a fresh SQLite file, ${databaseFile}`);

  await waitForSandboxSeed(tessera.url);
  const admin = new AdminApi(tessera.url, adminToken);
  await connectReseller(admin, reseller, receiver.notificationUrl, say);
  const merchant = await connectMerchant(tessera.url, admin, cleanup, say);
  return { tesseraUrl: tessera.url, tessera, admin, reseller, merchant, databaseFile };
}

function serverEnv(databaseFile: string, adminToken: string): Record<string, string> {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: `sqlite:${databaseFile}`,
    SANDBOX: 'true',
    ADMIN_TOKEN: adminToken,
    // Debug lines tell what the demo cannot see from outside: Tessera's calls to the merchant.
    LOG_LEVEL: 'debug',
    // Short polling keeps notifications and scheduled ends prompt, so the demo runs quickly.
    NOTIFICATION_POLL_INTERVAL_MS: '100',
    SCHEDULER_INTERVAL_MS: '200',
    SANDBOX_RESELLER_PASSWORD: SANDBOX.reseller.password,
    SANDBOX_MERCHANT_PASSWORD: SANDBOX.merchant.password,
    SANDBOX_CALLBACK_PASSWORD: SANDBOX.callback.password,
  };
}

/** The sandbox is seeded right after the server listens; the reseller's echo says when. */
async function waitForSandboxSeed(tesseraUrl: string): Promise<void> {
  const { username, password } = SANDBOX.reseller;
  const authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const deadline = Date.now() + 15_000;
  let status = 0;
  while (Date.now() < deadline) {
    const response = await fetch(`${tesseraUrl}/v1/echo/demo-ready`, {
      headers: { Authorization: authorization },
    });
    status = response.status;
    await response.body?.cancel();
    if (response.ok) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `The sandbox reseller ${username} cannot call Tessera (GET /v1/echo answered ${status}): ` +
      'is the sandbox seeded?',
  );
}

async function connectReseller(
  admin: AdminApi,
  reseller: DemoReseller,
  notificationUrl: string,
  say: (what: string) => void,
): Promise<void> {
  // The secret is shown only once, when it is made: rotating is how the demo learns one.
  reseller.setSecret(await admin.rotateSigningSecret(SANDBOX.resellerKey));
  await admin.updateReseller(SANDBOX.resellerKey, { defaultNotificationUrl: notificationUrl });
  say(`${SANDBOX.resellerKey}'s notifications go to the demo reseller, with a fresh secret`);
}

async function connectMerchant(
  tesseraUrl: string,
  admin: AdminApi,
  cleanup: Cleanup,
  say: (what: string) => void,
): Promise<DemoEnvironment['merchant']> {
  const mounted = `${tesseraUrl}${SANDBOX.merchantMountPath}`;
  if (await answersHealth(mounted)) {
    say(
      `simulated merchant ${SANDBOX.merchantAccountKey}: ` +
        `served by Tessera under ${SANDBOX.merchantMountPath}`,
    );
    return { url: mounted, mode: 'sandbox' };
  }

  const url = await startOwnMerchant(tesseraUrl, cleanup);
  await admin.updateMerchant(SANDBOX.merchantAccountKey, {
    callbackUrls: callbackUrls(`${url}/tessera`),
    callbackAuth: { type: 'BASIC', ...SANDBOX.callback },
  });
  say(`no simulated merchant in Tessera: demo merchant started at ${url}`);
  return { url, mode: 'demo' };
}

async function answersHealth(baseUrl: string): Promise<boolean> {
  const response = await fetch(`${baseUrl}/health`).catch(() => undefined);
  await response?.body?.cancel();
  return response?.status === 200;
}

async function startOwnMerchant(tesseraUrl: string, cleanup: Cleanup): Promise<string> {
  const merchant = createDemoMerchant({
    tessera: { baseUrl: tesseraUrl, ...SANDBOX.merchant },
    callbackCredentials: SANDBOX.callback,
    timing: { activationDelayMs: 200, confirmationDelayMs: 200, timeoutDelayMs: 3000 },
  });
  const running = await merchant.listen(0);
  cleanup.add('demo merchant', () => running.close());
  return running.url;
}

/** The demo merchant's callback URLs under `base` (see its README). */
function callbackUrls(base: string): Record<string, string> {
  const one = `${base}/entitlements/{merchantEntitlementId}`;
  return {
    create: `${base}/entitlements`,
    activationInfo: `${one}/activationInfo`,
    update: one,
    suspend: `${one}/suspend`,
    resume: `${one}/resume`,
    terminate: `${one}/terminate`,
  };
}
