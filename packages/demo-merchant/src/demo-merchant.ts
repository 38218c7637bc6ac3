import type { RequestListener, Server } from 'node:http';

import { Router } from '@koa/router';
import {
  createMerchantClient,
  type CallbackCredentials,
  type ClientOptions,
} from '@tessera/merchant-client';
import Koa from 'koa';
import pino, { type Logger } from 'pino';

import { Behaviour, DEFAULT_PRODUCTS, type ProductCatalogue } from './behaviour';
import { callbackAuth } from './callbacks/callback-auth';
import type { CallbackDeps, Timing } from './callbacks/callback-context';
import { callbackRoutes } from './callbacks/callback-routes';
import { drain, listenOn } from './http/http-server';
import { accessLog, problemHandler } from './http/middleware';
import { TokenIssuer, type OAuth2Settings } from './oauth2/token-issuer';
import { tokenRoutes } from './oauth2/token-routes';
import { Scheduler } from './scheduler';
import { signupRoutes } from './signup/signup-routes';
import { SubscriptionStore, type Subscription } from './subscription-store';
import { TesseraCalls } from './tessera-calls';

/** How a demo merchant behaves and reaches Tessera. */
export interface DemoMerchantOptions {
  /** Tessera's base URL and the merchant API credential the operator issued. */
  tessera: ClientOptions;
  /** The HTTP Basic credential Tessera presents on callbacks. */
  callbackCredentials: CallbackCredentials;
  /** Serves `POST /oauth2/token` and accepts its tokens on callbacks; off when unset. */
  oauth2?: Omit<OAuth2Settings, 'tokenTtlSeconds'> & { tokenTtlSeconds?: number };
  /** Prefix of the callback paths; `/tessera` by default, `''` for none. */
  basePath?: string;
  /** Base URL of the sign-up links handed out; each request's own origin when unset. */
  publicBaseUrl?: string;
  /** Per-product names and default answers, merged over {@link DEFAULT_PRODUCTS}. */
  products?: ProductCatalogue;
  /** Delays and periods; see {@link DEFAULT_TIMING}. */
  timing?: Partial<Timing>;
  /** How long `close()` waits for requests in flight before cutting them. */
  shutdownTimeoutMs?: number;
  /** Where logs go; silent when unset. */
  logger?: Logger;
  /** The clock, for tests that need time to pass (token expiry, sign-up link expiry). */
  now?: () => Date;
}

/** The delays and periods used unless configured otherwise. */
export const DEFAULT_TIMING: Timing = {
  activationDelayMs: 5_000,
  confirmationDelayMs: 5_000,
  timeoutDelayMs: 15_000,
  signupUrlTtlMs: 24 * 60 * 60 * 1000,
  billingPeriodMs: 30 * 24 * 60 * 60 * 1000,
};

/** A copy of what the demo merchant holds, for tests and demos. */
export interface DemoMerchantState {
  /** Every subscription, oldest first. */
  subscriptions(): Subscription[];
  /** The subscription with this merchant id (`dm_…`). */
  subscription(merchantEntitlementId: string): Subscription | undefined;
  /** The subscription of this Tessera entitlement. */
  subscriptionOf(entitlementId: string): Subscription | undefined;
  /** How many OAuth2 access tokens were issued (0 when OAuth2 is off). */
  tokensIssued(): number;
}

/** A demo merchant listening on a socket. */
export interface RunningDemoMerchant {
  /** The URL it answers at, e.g. `http://127.0.0.1:54321`. */
  url: string;
  server: Server;
  /** Stops scheduled work, lets requests in flight finish, and closes the socket. */
  close(): Promise<void>;
}

/** A demo merchant, ready to serve. */
export interface DemoMerchant {
  /** The Koa application. */
  app: Koa;
  /** The request handler, for serving the demo merchant on a server of your own. */
  callback: RequestListener;
  /** Serves the demo merchant on `port` (0, the default, picks a free one) and `host`. */
  listen(port?: number, host?: string): Promise<RunningDemoMerchant>;
  /** Cancels delayed calls to Tessera and deliberate waits (`close()` does this too). */
  stop(): Promise<void>;
  state: DemoMerchantState;
}

/**
 * Creates a demo merchant: every merchant callback, a sign-up page, an OAuth2 token endpoint
 * and `GET /health`, all in memory. Nothing listens until `listen` is called.
 *
 * @example
 * const merchant = createDemoMerchant({ tessera, callbackCredentials });
 * const running = await merchant.listen(0);
 * // ... point Tessera's callback URLs at `${running.url}/tessera/...`
 * await running.close();
 */
export function createDemoMerchant(options: DemoMerchantOptions): DemoMerchant {
  const logger = options.logger ?? pino({ level: 'silent' });
  const now = options.now ?? (() => new Date());
  const deps = callbackDeps(options, logger, now);
  const tokens = options.oauth2 && new TokenIssuer(options.oauth2.tokenTtlSeconds ?? 3600, now);
  const app = createApp(options, deps, logger, tokens);
  const stop = () => deps.scheduler.stop();
  const callback = requestListener(app);

  return {
    app,
    callback,
    listen: (port = 0, host = '127.0.0.1') => listen(callback, stop, port, host, options),
    stop,
    state: inspect(deps, tokens),
  };
}

function callbackDeps(options: DemoMerchantOptions, logger: Logger, now: () => Date) {
  return {
    store: new SubscriptionStore(),
    behaviour: new Behaviour({ ...DEFAULT_PRODUCTS, ...options.products }),
    tessera: new TesseraCalls(createMerchantClient(options.tessera), now),
    scheduler: new Scheduler(logger),
    timing: { ...DEFAULT_TIMING, ...options.timing },
    now,
  } satisfies CallbackDeps;
}

function createApp(
  options: DemoMerchantOptions,
  deps: CallbackDeps,
  logger: Logger,
  tokens: TokenIssuer | undefined,
): Koa {
  const app = new Koa();
  const auth = callbackAuth(options.callbackCredentials, tokens);
  const basePath = (options.basePath ?? '/tessera').replace(/\/+$/, '');
  const publicBaseUrl = options.publicBaseUrl?.replace(/\/+$/, '');
  const routers = [
    healthRoutes(),
    callbackRoutes(deps, { basePath, publicBaseUrl, auth }),
    signupRoutes({ ...deps, logger }),
    ...(options.oauth2 && tokens ? [tokenRoutes(options.oauth2, tokens)] : []),
  ];

  app.use(accessLog(logger));
  app.use(problemHandler(logger));
  for (const router of routers) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }

  // Errors that escape the middleware (a socket failing mid-response) are logged, not printed.
  app.on('error', (error: unknown) => logger.error({ err: error }, 'unhandled error'));
  return app;
}

function healthRoutes(): Router {
  const router = new Router();
  router.get('/health', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  return router;
}

// Koa's handler returns a promise it never rejects (it answers errors itself); node:http wants
// a plain callback.
function requestListener(app: Koa): RequestListener {
  const handle = app.callback();
  return (request, response) => void handle(request, response);
}

async function listen(
  callback: RequestListener,
  stop: () => Promise<void>,
  port: number,
  host: string,
  options: DemoMerchantOptions,
): Promise<RunningDemoMerchant> {
  const { server, url } = await listenOn(callback, port, host);
  const close = async () => {
    // Stopping first ends deliberate waits, so their requests answer and the drain is quick.
    await stop();
    await drain(server, options.shutdownTimeoutMs ?? 10_000);
  };
  return { url, server, close };
}

function inspect(deps: CallbackDeps, tokens: TokenIssuer | undefined): DemoMerchantState {
  const copy = (subscription: Subscription | undefined) =>
    subscription && structuredClone(subscription);
  return {
    subscriptions: () => deps.store.all().map((subscription) => structuredClone(subscription)),
    subscription: (id) => copy(deps.store.get(id)),
    subscriptionOf: (id) => copy(deps.store.findByEntitlementId(id)),
    tokensIssued: () => tokens?.issued ?? 0,
  };
}
