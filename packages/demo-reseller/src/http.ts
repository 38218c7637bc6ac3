import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** Largest request body accepted: notifications are a few kilobytes. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** Thrown by {@link readBody} when the body is larger than {@link BODY_LIMIT_BYTES}. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

/** Reads the raw request body: signatures are checked over the exact bytes received. */
export async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT_BYTES) {
      throw new BodyTooLargeError(`The body is larger than ${BODY_LIMIT_BYTES} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Answers with a JSON body (or none for 204). */
export function sendJson(
  response: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  response.statusCode = status;
  for (const [name, value] of Object.entries(headers)) {
    response.setHeader(name, value);
  }
  if (body === undefined) {
    response.end();
    return;
  }
  response.setHeader('Content-Type', headers['Content-Type'] ?? 'application/json');
  response.end(JSON.stringify(body));
}

/** Answers with an RFC 9457 problem, as Tessera's own errors look. */
export function sendProblem(
  response: ServerResponse,
  status: number,
  title: string,
  detail: string,
  headers: Record<string, string> = {},
): void {
  const body = { type: 'about:blank', title, status, detail };
  sendJson(response, status, body, { ...headers, 'Content-Type': 'application/problem+json' });
}

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
  const address = server.address() as AddressInfo;
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { server, url: `http://${hostPart}:${address.port}` };
}

/**
 * Stops accepting connections and closes them: idle ones at once, busy ones once their
 * answer is sent, and whatever is still open after `timeoutMs`.
 */
export async function closeServer(server: Server, timeoutMs = 2000): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const sweep = setInterval(() => server.closeIdleConnections(), 20);
  const cut = setTimeout(() => server.closeAllConnections(), timeoutMs);
  try {
    await closed;
  } finally {
    clearInterval(sweep);
    clearTimeout(cut);
  }
}
