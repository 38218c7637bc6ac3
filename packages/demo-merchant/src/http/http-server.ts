import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

// How often idle keep-alive connections are closed while requests drain.
const IDLE_SWEEP_MS = 50;

/**
 * Serves `listener` on `port` (0 picks a free one) and `host`.
 *
 * @returns the server and the URL it answers at
 */
export async function listenOn(
  listener: RequestListener,
  port: number,
  host: string,
): Promise<{ server: Server; url: string }> {
  const server = createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { server, url: urlOf(server.address() as AddressInfo) };
}

/**
 * Stops accepting connections and waits for requests in flight; after `timeoutMs` the
 * connections still busy are cut.
 *
 * @returns whether every request finished in time
 */
export async function drain(server: Server, timeoutMs: number): Promise<boolean> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));

  // A keep-alive connection goes idle when its last response is sent; closing it then lets
  // `close` finish instead of waiting for the client to hang up.
  const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
  server.closeIdleConnections();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });

  try {
    const clean = await Promise.race([closed.then(() => true), timedOut]);
    if (!clean) {
      server.closeAllConnections();
      await closed;
    }
    return clean;
  } finally {
    clearInterval(sweep);
    clearTimeout(timer);
  }
}

function urlOf(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
