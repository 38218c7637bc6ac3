import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { createCallbacksClient, EntitlementStatus } from '@tessera/merchant-client';

import { createDemoMerchant, DEFAULT_PRODUCTS, type DemoMerchant } from '../../src';
import { MERCHANT_CREDENTIALS } from '../helpers/harness';
import { startTesseraStub, type TesseraStub } from '../helpers/tessera-stub';

/**
 * The callback credential Tessera's callback client presents in the pact
 * (`pacts/tessera-server-callbacks-tessera-demo-merchant.json`).
 */
export const PACT_CALLBACK_CREDENTIALS = {
  username: 'tessera',
  password: 'tessera-callback-secret',
};

/** The statuses `the merchant holds a subscription` can seed, and how. */
const SEEDABLE: Record<string, { magic: string; suspend: boolean }> = {
  [EntitlementStatus.PENDING]: {
    magic: 'CREATE_REQUEST_RETURNS_ACTIVATION_REQUIRED',
    suspend: false,
  },
  [EntitlementStatus.ACTIVE]: { magic: 'CREATE_REQUEST_RETURNS_ACTIVATED', suspend: false },
  [EntitlementStatus.SUSPENDED]: { magic: 'CREATE_REQUEST_RETURNS_ACTIVATED', suspend: true },
};

/**
 * A fresh demo merchant for every interaction (an empty subscription store, the default
 * products), behind one socket on port 0 that serves whichever is current, with a stub of
 * Tessera's merchant API (port 0) for the calls it makes back.
 */
export class FreshDemoMerchant {
  private socket: Server | undefined;
  private stub: TesseraStub | undefined;
  private merchant: DemoMerchant | undefined;
  url = '';

  async start(): Promise<void> {
    this.stub = await startTesseraStub(MERCHANT_CREDENTIALS);
    const socket = createServer((req, res) => {
      if (this.merchant === undefined) {
        res.writeHead(503).end('No demo merchant yet.');
        return;
      }
      this.merchant.callback(req, res);
    });
    await new Promise<void>((resolve) => socket.listen(0, '127.0.0.1', resolve));
    this.socket = socket;
    this.url = `http://127.0.0.1:${(socket.address() as AddressInfo).port}`;
    await this.reset();
  }

  /** Replaces the demo merchant with a new one, cancelling the old one's delayed calls. */
  async reset(): Promise<void> {
    if (this.stub === undefined) {
      throw new Error('FreshDemoMerchant.start() has not run');
    }
    await this.merchant?.stop();
    this.merchant = createDemoMerchant({
      tessera: { baseUrl: this.stub.baseUrl, ...MERCHANT_CREDENTIALS },
      callbackCredentials: PACT_CALLBACK_CREDENTIALS,
      basePath: '',
    });
  }

  async stop(): Promise<void> {
    await this.merchant?.stop();
    this.merchant = undefined;
    const socket = this.socket;
    socket?.closeAllConnections();
    await new Promise<void>((resolve) => (socket ? socket.close(() => resolve()) : resolve()));
    await this.stub?.close();
  }

  /** `the merchant sells the product`: nothing to seed, but the product must be a default one. */
  sells(productKey: string): void {
    if (!(productKey in DEFAULT_PRODUCTS)) {
      throw new Error(`The demo merchant sells ${Object.keys(DEFAULT_PRODUCTS).join(', ')} only`);
    }
  }

  /**
   * `the merchant holds a subscription`: made through the merchant's own create callback (and
   * its suspend callback for `SUSPENDED`), as Tessera would have; returns the id it gave it.
   */
  async holds(entitlementId: string, productKey: string, status: string): Promise<string> {
    const how = SEEDABLE[status];
    if (how === undefined) {
      throw new Error(`Cannot seed a ${status} subscription (only ${Object.keys(SEEDABLE)})`);
    }
    const callbacks = createCallbacksClient({ baseUrl: this.url, ...PACT_CALLBACK_CREDENTIALS });
    const created = await callbacks.handleCreateEntitlement({
      callbackEntitlementRequest: {
        requestId: randomUUID(),
        entitlementId,
        sharedCustomerId: `sc_${randomUUID().slice(0, 8)}`,
        resellerKey: 'DEMO_TELCO',
        merchantAccountKey: 'DEMO_MUSIC',
        productKey,
        routeExtensionData: {},
      },
      xMagicNumber: how.magic,
    });
    const merchantEntitlementId = created.merchantEntitlementId;
    if (merchantEntitlementId === undefined) {
      throw new Error('The demo merchant answered the create without a merchantEntitlementId');
    }
    if (how.suspend) {
      await callbacks.handleSuspendEntitlement({
        merchantEntitlementId,
        callbackStateChangeRequest: { requestId: randomUUID(), entitlementId },
      });
    }

    const held = this.merchant?.state.subscriptionOf(entitlementId);
    if (held?.status !== status) {
      throw new Error(`The demo merchant holds the subscription as ${held?.status}, not ${status}`);
    }
    return merchantEntitlementId;
  }
}
