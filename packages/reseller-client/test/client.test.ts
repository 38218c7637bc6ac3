import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { createResellerClient, EntitlementStatus, TesseraApiError } from '../src';

/** A real HTTP server on port 0 that answers like Tessera would, for the client to talk to. */
function startTessera(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  return new Promise<{ server: Server; baseUrl: string }>((resolve) => {
    const server = createServer(handler).listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, baseUrl: `http://127.0.0.1:${port}/` });
    });
  });
}

describe('createResellerClient', () => {
  let server: Server;
  let baseUrl: string;
  const seen: Array<{ method?: string; url?: string; authorization?: string }> = [];

  before(async () => {
    ({ server, baseUrl } = await startTessera((req, res) => {
      seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
      if (req.url === '/v1/echo/ping-1') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ responseCode: 'OK', responseMessage: 'Success', echo: 'ping-1' }));
        return;
      }
      res.writeHead(409, { 'content-type': 'application/problem+json', 'x-request-id': 'r-9' });
      res.end(
        JSON.stringify({
          type: 'https://tessera.dev/problems/conflict',
          title: 'Conflict',
          status: 409,
          detail: 'The entitlement is REVOKED',
          responseCode: 'CONFLICT',
          requestId: 'r-9',
        }),
      );
    }));
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('calls Tessera with Basic credentials over Node fetch', async () => {
    const tessera = createResellerClient({ baseUrl, username: 'demo', password: 's3cret' });

    const echo = await tessera.connectivity.echo({ echoRequestId: 'ping-1' });

    assert.equal(echo.echo, 'ping-1');
    const expected = `Basic ${Buffer.from('demo:s3cret').toString('base64')}`;
    assert.equal(seen.at(-1)?.authorization, expected);
  });

  it('throws a TesseraApiError with the parsed problem for a non-2xx answer', async () => {
    const tessera = createResellerClient({ baseUrl, username: 'demo', password: 's3cret' });
    const call = tessera.entitlements.cancelEntitlement({
      entitlementId: '7d3f2c4e-1b2a-4c5d-9e8f-0a1b2c3d4e5f',
      terminationRequest: {
        reasonCategory: 'CUSTOMER_CANCELLED' as never,
        reasonCode: 'NOT_RENEWED' as never,
      },
    });

    await assert.rejects(call, (error: TesseraApiError) => {
      assert.ok(error instanceof TesseraApiError);
      assert.equal(error.status, 409);
      assert.equal(error.responseCode, 'CONFLICT');
      assert.equal(error.requestId, 'r-9');
      return true;
    });
    assert.equal(seen.at(-1)?.url, '/v1/entitlement/7d3f2c4e-1b2a-4c5d-9e8f-0a1b2c3d4e5f/cancel');
    assert.equal(EntitlementStatus.ACTIVE_ENDING, 'ACTIVE-ENDING');
  });
});
