import { randomUUID } from 'node:crypto';

import {
  callbacks,
  createCallbacksClient,
  type CallbackEntitlementRequest,
  type ClientOptions,
} from '@tessera/merchant-client';

import {
  createDemoMerchant,
  type DemoMerchant,
  type DemoMerchantOptions,
  type RunningDemoMerchant,
} from '../../src';
import { startTesseraStub, type TesseraStub } from './tessera-stub';

/** The Basic credential Tessera presents on callbacks in these tests. */
export const CALLBACK_CREDENTIALS = { username: 'tessera', password: 'callback-secret' };

/** The merchant API credential the demo merchant uses at the stub. */
export const MERCHANT_CREDENTIALS = { username: 'DEMO_MUSIC', password: 'merchant-secret' };

/** A clock the tests move forward by hand. */
export class TestClock {
  private offsetMs = 0;

  now = (): Date => new Date(Date.now() + this.offsetMs);

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

/** A demo merchant on port 0, the stub of Tessera it reports to, and a callbacks client. */
export interface Harness {
  demo: DemoMerchant;
  running: RunningDemoMerchant;
  stub: TesseraStub;
  clock: TestClock;
  /** The callbacks client, as Tessera's server builds it, with the right credential. */
  callbacksApi: callbacks.MerchantCallbacksApi;
  /** Base URL of the callbacks (`…/tessera`). */
  callbacksUrl: string;
  /** A callbacks client with other options (credential, fetch). */
  clientWith(options: Partial<ClientOptions>): callbacks.MerchantCallbacksApi;
  close(): Promise<void>;
}

/** Starts a harness; short delays unless `options` say otherwise. */
export async function startHarness(options: Partial<DemoMerchantOptions> = {}): Promise<Harness> {
  const stub = await startTesseraStub(MERCHANT_CREDENTIALS);
  const clock = new TestClock();
  const demo = createDemoMerchant({
    tessera: { baseUrl: stub.baseUrl, ...MERCHANT_CREDENTIALS },
    callbackCredentials: CALLBACK_CREDENTIALS,
    oauth2: { clientId: 'tessera-client', clientSecret: 'oauth-secret', tokenTtlSeconds: 3600 },
    now: clock.now,
    ...options,
    timing: {
      activationDelayMs: 50,
      confirmationDelayMs: 50,
      timeoutDelayMs: 200,
      ...options.timing,
    },
  });
  const running = await demo.listen(0);
  const callbacksUrl = `${running.url}/tessera`;
  const clientWith = (overrides: Partial<ClientOptions>) =>
    createCallbacksClient({ baseUrl: callbacksUrl, ...CALLBACK_CREDENTIALS, ...overrides });

  return {
    demo,
    running,
    stub,
    clock,
    callbacksApi: clientWith({}),
    callbacksUrl,
    clientWith,
    close: async () => {
      await running.close();
      await stub.close();
    },
  };
}

/** A create request as Tessera sends it, for a new entitlement. */
export function createRequest(productKey = 'MUSIC'): CallbackEntitlementRequest {
  return {
    requestId: randomUUID(),
    entitlementId: randomUUID(),
    sharedCustomerId: `sc_${randomUUID().slice(0, 8)}`,
    resellerKey: 'DEMO_TELCO',
    merchantAccountKey: 'DEMO_MUSIC',
    productKey,
    routeExtensionData: {},
  };
}

/** Creates an entitlement that is active at once; returns its ids. */
export async function createActive(
  harness: Harness,
  productKey = 'MUSIC',
): Promise<{ entitlementId: string; merchantEntitlementId: string }> {
  const request = createRequest(productKey);
  const result = await harness.callbacksApi.handleCreateEntitlement({
    callbackEntitlementRequest: request,
    xMagicNumber: 'CREATE_REQUEST_RETURNS_ACTIVATED',
  });
  return {
    entitlementId: request.entitlementId,
    merchantEntitlementId: result.merchantEntitlementId ?? '',
  };
}

/** Polls `condition` until it holds, or fails after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`Condition not met within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
