/**
 * The Pact set-up the merchant-side consumer tests share: where pact files go, the two pairs of
 * parties, and the credentials the interactions are recorded with.
 */
import path from 'node:path';

import { PactV4, type PactOptions } from '@pact-foundation/pact';

import {
  createCallbacksClient,
  createMerchantClient,
  type MerchantCallbacksApi,
  type MerchantClient,
} from '../../src';

/** The repository's `pacts/` folder: committed, read by the providers' verification. */
export const PACT_DIR = path.resolve(__dirname, '../../../../pacts');

/** The merchant client calling Tessera's merchant API. */
export const MERCHANT_CONSUMER = 'tessera-merchant-client';

/** Tessera's callback client (this package's `createCallbacksClient`) calling a merchant. */
export const CALLBACKS_CONSUMER = 'tessera-server-callbacks';

/** The pact files this package writes; `pact-files.ts` clears them before a run. */
export const PACT_FILES = [
  `${MERCHANT_CONSUMER}-tessera-server.json`,
  `${CALLBACKS_CONSUMER}-tessera-demo-merchant.json`,
] as const;

/** The sandbox merchant credential a fresh Tessera seeds for `DEMO_MUSIC`. */
export const SANDBOX_MERCHANT = {
  username: 'sandbox-merchant',
  password: 'sandbox-merchant-secret',
} as const;

/**
 * The HTTP Basic credential Tessera presents on callbacks. The demo merchant's provider
 * verification must expect exactly this one (see README.md).
 */
export const TESSERA_CALLBACK_CREDENTIAL = {
  username: 'tessera',
  password: 'tessera-callback-secret',
} as const;

const logLevel = (process.env.PACT_LOG_LEVEL ?? 'warn') as PactOptions['logLevel'];

/** A V4 pact between the merchant client and Tessera's server. */
export function merchantApiPact(): PactV4 {
  return new PactV4({
    consumer: MERCHANT_CONSUMER,
    provider: 'tessera-server',
    dir: PACT_DIR,
    logLevel,
  });
}

/** A V4 pact between Tessera's callback client and the demo merchant. */
export function callbacksPact(): PactV4 {
  return new PactV4({
    consumer: CALLBACKS_CONSUMER,
    provider: 'tessera-demo-merchant',
    dir: PACT_DIR,
    logLevel,
  });
}

/** The generated merchant client, pointed at the Pact mock server. */
export function merchantClientFor(
  mockServerUrl: string,
  credential: { username: string; password: string } = SANDBOX_MERCHANT,
): MerchantClient {
  return createMerchantClient({ baseUrl: mockServerUrl, ...credential });
}

/** The generated callback client, as Tessera's server builds it, pointed at the mock merchant. */
export function callbacksClientFor(mockServerUrl: string): MerchantCallbacksApi {
  return createCallbacksClient({ baseUrl: mockServerUrl, ...TESSERA_CALLBACK_CREDENTIAL });
}
