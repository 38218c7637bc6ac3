/**
 * The merchant of the benchmark's creates: the least a synchronous merchant can do. A bare
 * `node:http` server, run as a process of its own as a real merchant is another service, so
 * that none of its work is counted in the Tessera server's CPU time or competes for its event
 * loop. It answers the create callback (`POST /entitlements`, specs/paths/callbacks/
 * entitlements.yaml) with 200 and a `CallbackEntitlementResult` naming a new merchant
 * entitlement id, so that every create ends `ACTIVE`; it reads the request body to its end
 * and does not parse it. Anything else answers 404.
 *
 * Run as a child process (`node --import tsx bare-merchant.ts`); it listens on a free port of
 * 127.0.0.1 and prints `listening <port>` once it serves. SIGTERM stops it.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The path of the create callback URL the benchmark registers (`callbackUrls.create`). */
const CREATE_PATH = '/entitlements';

// Merchant entitlement ids must differ across every process that served one database (growth
// keeps its database through several), so each process numbers its own under a random prefix.
const prefix = `bm_${randomBytes(6).toString('hex')}_`;
let sequence = 0;

const server = createServer((request, response) => {
  const isCreate = request.method === 'POST' && request.url === CREATE_PATH;
  request.resume();
  request.once('end', () => {
    if (!isCreate) {
      response.writeHead(404).end();
      return;
    }
    sequence += 1;
    const body = JSON.stringify({ merchantEntitlementId: `${prefix}${sequence}` });
    response
      .writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      })
      .end(body);
  });
});
// Tessera keeps its connections to a merchant open between calls: do not close them first.
server.keepAliveTimeout = 60_000;

server.listen(0, '127.0.0.1', () => {
  console.log(`listening ${(server.address() as AddressInfo).port}`);
});

process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
