import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A stable URL in front of a server that changes (see {@link startForwarder}). */
export interface Forwarder {
  /** Where to send requests, e.g. `http://127.0.0.1:54321`. */
  url: string;
  /** The server requests go to now; until one is set they get 503. */
  target: string | undefined;
  close(): Promise<void>;
}

/**
 * Starts a plain HTTP forwarder on port 0. The provider verification starts a fresh server on a
 * new port for every interaction, but the Verifier takes one base URL for the whole run: it
 * targets this forwarder, which passes each request, unchanged apart from `Host`, to whichever
 * server is current and streams the answer back as it is.
 */
export async function startForwarder(): Promise<Forwarder> {
  let target: URL | undefined;
  const server = createServer((req, res) => {
    if (target === undefined) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('No server to forward to yet.');
      return;
    }
    const upstream = request(
      new URL(req.url ?? '/', target),
      { method: req.method, headers: { ...req.headers, host: target.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      res.writeHead(502, { 'content-type': 'text/plain' }).end(`Forwarding failed: ${error}`);
    });
    req.pipe(upstream);
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get target() {
      return target?.toString();
    },
    set target(url: string | undefined) {
      target = url === undefined ? undefined : new URL(url);
    },
    close: () => close(server),
  };
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve, reject) =>
    server.close((error) => (error ? reject(error) : resolve())),
  );
}
