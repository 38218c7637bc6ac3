/**
 * The Pact set-up every reseller consumer test shares: where pact files go, who the two sides
 * are, and the sandbox credential the interactions are recorded with.
 */
import path from 'node:path';

import { PactV4, type PactOptions } from '@pact-foundation/pact';

import { createResellerClient, type ResellerClient } from '../../src';

/** The repository's `pacts/` folder: committed, read by the providers' verification. */
export const PACT_DIR = path.resolve(__dirname, '../../../../pacts');

/** This package's name as a Pact consumer. */
export const CONSUMER = 'tessera-reseller-client';

/** The pact files this package writes; `pact-files.ts` clears them before a run. */
export const PACT_FILES = [
  `${CONSUMER}-tessera-server.json`,
  `${CONSUMER}-tessera-notifications.json`,
] as const;

/** The sandbox reseller credential a fresh Tessera seeds (`sandbox-reseller`). */
export const SANDBOX_RESELLER = {
  username: 'sandbox-reseller',
  password: 'sandbox-reseller-secret',
} as const;

const logLevel = (process.env.PACT_LOG_LEVEL ?? 'warn') as PactOptions['logLevel'];

/** A V4 pact between this client and `provider`, written to {@link PACT_DIR}. */
export function tesseraPact(provider: 'tessera-server' | 'tessera-notifications'): PactV4 {
  return new PactV4({ consumer: CONSUMER, provider, dir: PACT_DIR, logLevel });
}

/** The generated reseller client, pointed at the Pact mock server. */
export function clientFor(
  mockServerUrl: string,
  credential: { username: string; password: string } = SANDBOX_RESELLER,
): ResellerClient {
  return createResellerClient({ baseUrl: mockServerUrl, ...credential });
}
