import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import {
  ActionParametersActionEnum,
  createCallbacksClient,
  createMerchantClient,
  TesseraApiError,
  verifyCallbackAuthorization,
} from '../src';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** A real HTTP server on port 0 answering as `handler` says. */
function listen(handler: Handler) {
  return new Promise<{ server: Server; baseUrl: string }>((resolve) => {
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => handler(req, res, body));
    }).listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, baseUrl: `http://127.0.0.1:${port}` });
    });
  });
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe('createMerchantClient', () => {
  let tessera: { server: Server; baseUrl: string };

  before(async () => {
    tessera = await listen((req, res) => {
      res.writeHead(404, { 'content-type': 'application/problem+json' });
      res.end(
        JSON.stringify({
          type: 'https://tessera.dev/problems/not-found',
          title: 'Not Found',
          status: 404,
          responseCode: 'NOT_FOUND',
          detail: `No entitlement at ${req.url}`,
        }),
      );
    });
  });

  after(() => close(tessera.server));

  it('throws a TesseraApiError for a problem answer', async () => {
    const client = createMerchantClient({ baseUrl: tessera.baseUrl, username: 'm', password: 'p' });

    await assert.rejects(
      client.entitlements.activateEntitlement({
        entitlementId: 'a2f0c1d4-0000-4000-8000-000000000001',
      }),
      (error: TesseraApiError) => {
        assert.ok(error instanceof TesseraApiError);
        assert.equal(error.responseCode, 'NOT_FOUND');
        assert.match(error.problem.detail ?? '', /\/merchant\/v1\/entitlement\/a2f0c1d4/);
        return true;
      },
    );
  });
});

describe('createCallbacksClient', () => {
  const credentials = { username: 'tessera', password: 'cb-secret' };
  let merchant: { server: Server; baseUrl: string };
  let received: { url?: string; body?: unknown } = {};

  before(async () => {
    merchant = await listen((req, res, body) => {
      if (!verifyCallbackAuthorization(req.headers.authorization, credentials)) {
        res.writeHead(401).end();
        return;
      }
      received = { url: req.url, body: JSON.parse(body) };
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          merchantEntitlementId: 'sub_1',
          parameters: {
            action: 'NAVIGATE_TO_URL',
            url: 'https://merchant.test/signup/1',
          },
        }),
      );
    });
  });

  after(() => close(merchant.server));

  it('sends a create callback that the merchant verifies, and reads its 202 answer', async () => {
    const callbacks = createCallbacksClient({ baseUrl: merchant.baseUrl, ...credentials });

    const result = await callbacks.handleCreateEntitlement({
      callbackEntitlementRequest: {
        requestId: 'r1',
        entitlementId: 'a2f0c1d4-0000-4000-8000-000000000001',
        sharedCustomerId: 'sc_1',
        merchantAccountKey: 'DEMO_MUSIC',
        productKey: 'MUSIC',
        routeExtensionData: {},
      },
    });

    assert.equal(received.url, '/entitlements');
    assert.equal((received.body as { productKey: string }).productKey, 'MUSIC');
    assert.equal(result.merchantEntitlementId, 'sub_1');
    assert.equal(result.parameters?.action, ActionParametersActionEnum.NAVIGATE_TO_URL);
  });

  it("surfaces the merchant refusing Tessera's credential", async () => {
    const callbacks = createCallbacksClient({
      baseUrl: merchant.baseUrl,
      username: 'x',
      password: 'y',
    });

    await assert.rejects(
      callbacks.handleSuspendEntitlement({
        merchantEntitlementId: 'sub_1',
        callbackStateChangeRequest: {
          requestId: 'r2',
          entitlementId: 'a2f0c1d4-0000-4000-8000-000000000001',
        },
      }),
      (error: TesseraApiError) => error.status === 401,
    );
  });
});
