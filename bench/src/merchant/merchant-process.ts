import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import type { CreateTarget } from '../load';
import { type BenchServer, stopChild, trackChild } from '../server-process';
import { adminRequest, SANDBOX_RESELLER_KEY } from '../tessera-api';

/** The bare merchant ({@link ./bare-merchant.ts}) running as a child process. */
export interface BenchMerchant {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** The create callback URL to register: `<url>/entitlements`. */
  createUrl: string;
  pid: number;
  stop(): Promise<void>;
}

/** What the benchmark's creates name once {@link registerBenchMerchant} has run. */
export const BENCH_MERCHANT_TARGET: CreateTarget = {
  merchantAccountKey: 'BENCH_MERCHANT',
  productKey: 'BENCH_PRODUCT',
};

const BARE_MERCHANT = join(__dirname, 'bare-merchant.ts');
const START_TIMEOUT_MS = 20_000;

/**
 * Starts the bare merchant on a free loopback port; it is killed with the benchmark's other
 * children if the run crashes or is interrupted.
 */
export async function startBenchMerchant(): Promise<BenchMerchant> {
  const child = spawn(process.execPath, ['--import', 'tsx', BARE_MERCHANT], {
    cwd: join(__dirname, '..', '..'),
    env: process.env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  trackChild(child);

  const port = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('the bench merchant did not start')),
      START_TIMEOUT_MS,
    );
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the bench merchant exited (${code}) while starting`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('listening ')) {
        clearTimeout(timer);
        resolve(Number(line.slice('listening '.length)));
      }
    });
  });
  let listening: number;
  try {
    listening = await port;
  } catch (error) {
    await stopChild(child);
    throw error;
  }

  const url = `http://127.0.0.1:${listening}`;
  return {
    url,
    createUrl: `${url}/entitlements`,
    pid: child.pid ?? 0,
    stop: () => stopChild(child),
  };
}

/**
 * Registers `merchant` on `server` through the admin API (the server must run with
 * `BENCH_SERVER_ENV`'s admin token): merchant `BENCH_MERCHANT` calling `merchant.createUrl`
 * without callback auth, its product `BENCH_PRODUCT`, and a route to it from the sandbox
 * reseller. The rows stay in the database, so a database kept across servers needs this once.
 */
export async function registerBenchMerchant(
  server: BenchServer,
  merchant: BenchMerchant,
): Promise<void> {
  const { merchantAccountKey, productKey } = BENCH_MERCHANT_TARGET;
  await adminRequest(server, 'POST', '/merchants', {
    merchantAccountKey,
    name: 'Bench merchant',
    callbackUrls: { create: merchant.createUrl },
    callbackAuth: { type: 'NONE' },
  });
  await adminRequest(server, 'POST', '/products', {
    productKey,
    merchantAccountKey,
    name: 'Bench product',
  });
  await adminRequest(server, 'POST', '/routes', {
    resellerKey: SANDBOX_RESELLER_KEY,
    merchantAccountKey,
    productKeys: [productKey],
  });
}
