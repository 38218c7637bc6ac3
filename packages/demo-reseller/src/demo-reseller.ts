import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';

import { closeServer, listenOn, readBody, sendJson, sendProblem } from './http';
import {
  NotificationLog,
  type AttemptListener,
  type DeliveryAttempt,
  type ReceivedNotification,
} from './notification-log';
import { receiveNotification, type ReceiverState } from './receiver';

/** How a demo reseller is set up. */
export interface DemoResellerOptions {
  /**
   * The `whsec_` signing secret Tessera gave the reseller, or the current and previous ones
   * during a rotation. May be set later with {@link DemoReseller.setSecret}; until then every
   * notification is rejected with 401.
   */
  secret?: string | readonly string[];
  /** Path notifications are POSTed to; `/notifications` by default. */
  notificationPath?: string;
  /** The clock used for receipt times and "down" periods, for tests. */
  now?: () => Date;
}

/** A demo reseller listening on a socket. */
export interface RunningDemoReseller {
  /** The URL it answers at, e.g. `http://127.0.0.1:54321`. */
  url: string;
  /** The URL to give Tessera as the notification URL. */
  notificationUrl: string;
  server: Server;
  /** Stops listening; answers in flight are finished. */
  close(): Promise<void>;
}

/** A demo reseller: a notification receiver whose record can be read and whose mood is set. */
export interface DemoReseller {
  /** The request handler, for serving the demo reseller on a server of your own. */
  callback: RequestListener;
  /** Serves it on `port` (0, the default, picks a free one) and `host` (loopback). */
  listen(port?: number, host?: string): Promise<RunningDemoReseller>;
  /** Replaces the signing secret(s) notifications are verified with. */
  setSecret(secret: string | readonly string[]): void;
  /** Answers every delivery with 503 for `forMs` milliseconds, or until {@link up}. */
  goDown(forMs?: number): void;
  /** Accepts deliveries again. */
  up(): void;
  /** Whether deliveries are answered with 503 right now. */
  isDown(): boolean;
  /** Verified notifications, each once, in order of first arrival. */
  received(): ReceivedNotification[];
  /** Every delivery attempt (accepted, duplicate, rejected, down), in order of arrival. */
  attempts(): DeliveryAttempt[];
  /** Calls `listener` after every delivery attempt; returns the function that stops it. */
  subscribe(listener: AttemptListener): () => void;
}

/**
 * Creates a demo reseller: `POST /notifications` verifies each notification's Standard Webhooks
 * signature with `verifyNotification` from `@tessera/reseller-client` (401 when it fails),
 * deduplicates by `eventId` and records it; `GET /received` lists what arrived;
 * `POST /control/down` (`{"forMs": 3000}`) and `POST /control/up` set whether it answers 503;
 * `GET /health`. Everything is kept in memory.
 *
 * @example
 * const reseller = createDemoReseller({ secret: 'whsec_…' });
 * const running = await reseller.listen(0);
 * // PATCH /admin/v1/resellers/DEMO_TELCO {defaultNotificationUrl: running.notificationUrl}
 * reseller.received(); // [{ reason: 'ACTIVATION_SUCCESS', sequence: 2, version: 2, … }]
 */
export function createDemoReseller(options: DemoResellerOptions = {}): DemoReseller {
  const now = options.now ?? (() => new Date());
  const log = new NotificationLog();
  const path = options.notificationPath ?? '/notifications';
  let secrets = toList(options.secret);
  let downUntil: number | undefined;

  const isDown = () => downUntil !== undefined && now().getTime() < downUntil;
  const goDown = (forMs?: number) => {
    downUntil = forMs === undefined ? Number.POSITIVE_INFINITY : now().getTime() + forMs;
  };
  const up = () => {
    downUntil = undefined;
  };
  const state: ReceiverState = { log, secrets: () => secrets, isDown, now };
  const controls = { goDown, up, isDown };
  const callback = requestListener(path, state, controls);

  return {
    callback,
    listen: (port = 0, host = '127.0.0.1') => listen(callback, path, port, host),
    setSecret: (secret) => {
      secrets = toList(secret);
    },
    goDown,
    up,
    isDown,
    received: () => log.received(),
    attempts: () => log.attempts(),
    subscribe: (listener) => log.subscribe(listener),
  };
}

type Controls = Pick<DemoReseller, 'goDown' | 'up' | 'isDown'>;

function toList(secret: string | readonly string[] | undefined): readonly string[] {
  if (secret === undefined) {
    return [];
  }
  return typeof secret === 'string' ? [secret] : [...secret];
}

function requestListener(path: string, state: ReceiverState, controls: Controls) {
  const route = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://demo-reseller');
    const handler = pickHandler(request.method ?? 'GET', url, path, state, controls);
    await handler(request, response);
  };

  // node:http ignores the promise, so failures are answered here rather than left hanging.
  const listener: RequestListener = (request, response) => {
    route(request, response).catch((error: unknown) => {
      if (!response.headersSent) {
        sendProblem(response, 500, 'Internal Server Error', String(error));
      }
    });
  };
  return listener;
}

type Handler = (request: IncomingMessage, response: ServerResponse) => Promise<void> | void;

function pickHandler(
  method: string,
  url: URL,
  path: string,
  state: ReceiverState,
  controls: Controls,
): Handler {
  const routes: Record<string, Record<string, Handler>> = {
    [path]: { POST: (req, res) => receiveNotification(req, res, state) },
    '/received': { GET: (_req, res) => listReceived(res, state, url) },
    '/control/down': { POST: (req, res) => controlDown(req, res, controls) },
    '/control/up': { POST: (_req, res) => controlUp(res, controls) },
    '/health': {
      GET: (_req, res) => sendJson(res, 200, { status: 'ok', down: controls.isDown() }),
    },
  };
  const methods = routes[url.pathname];
  if (methods === undefined) {
    return (_req, res) => sendProblem(res, 404, 'Not Found', `No resource at ${url.pathname}`);
  }
  return (
    methods[method] ??
    ((_req, res) =>
      sendProblem(res, 405, 'Method Not Allowed', `${method} is not allowed`, {
        Allow: Object.keys(methods).join(', '),
      }))
  );
}

function listReceived(response: ServerResponse, state: ReceiverState, url: URL): void {
  const entitlementId = url.searchParams.get('entitlementId');
  const matches = (item: { entitlementId?: string }) =>
    entitlementId === null || item.entitlementId === entitlementId;
  sendJson(response, 200, {
    notifications: state.log.received().filter(matches),
    attempts: state.log.attempts().filter(matches),
  });
}

async function controlDown(
  request: IncomingMessage,
  response: ServerResponse,
  controls: Controls,
): Promise<void> {
  const forMs = parseForMs((await readBody(request)).toString('utf8'));
  if (forMs === null) {
    sendProblem(response, 400, 'Bad Request', 'Send {"forMs": <positive number>} or no body');
    return;
  }
  controls.goDown(forMs);
  sendJson(response, 204);
}

/** `undefined` for no body (down until told otherwise), `null` for a body that is not valid. */
function parseForMs(text: string): number | undefined | null {
  if (text.trim() === '') {
    return undefined;
  }
  try {
    const { forMs } = JSON.parse(text) as { forMs?: unknown };
    return typeof forMs === 'number' && forMs > 0 ? forMs : null;
  } catch {
    return null;
  }
}

function controlUp(response: ServerResponse, controls: Controls): void {
  controls.up();
  sendJson(response, 204);
}

async function listen(
  callback: RequestListener,
  path: string,
  port: number,
  host: string,
): Promise<RunningDemoReseller> {
  const { server, url } = await listenOn(callback, port, host);
  return { url, notificationUrl: `${url}${path}`, server, close: () => closeServer(server) };
}
