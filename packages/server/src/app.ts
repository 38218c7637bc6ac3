import { Router } from '@koa/router';
import Koa, { type Middleware } from 'koa';

import type { Config } from './config/config';
import { accessLog } from './http/access-log.middleware';
import { methodNotAllowed, notFound } from './http/fallback.middleware';
import { jsonBody } from './http/json-body.middleware';
import { problemHandler } from './http/problem.middleware';
import { requestId } from './http/request-id.middleware';
import type { ResponseValidator } from './http/response-validation.middleware';
import type { Logger } from './logging/logger';
import { docsRoutes } from './routes/docs.routes';
import { healthRoutes } from './routes/health.routes';
import type { HealthService } from './services/health.service';

/** Everything the HTTP layer needs; built once per process by `startServer`. */
export interface AppDeps {
  config: Pick<Config, 'bodyLimitBytes'> & Partial<Pick<Config, 'trustProxy'>>;
  logger: Logger;
  health: HealthService;
  /** Further feature routers, mounted after the built-in ones. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each router has its own state
  routers?: Router<any>[];
  /** Test-only: checks every response against the contract (see ResponseValidator). */
  responseValidator?: ResponseValidator;
  /** Served before the routes, e.g. the sandbox's simulated merchant. */
  mounts?: Middleware[];
}

/**
 * Builds the Koa application: request id and access log first, then the problem+json error
 * boundary, then the routes. Knows nothing about sockets, so tests can serve it on port 0.
 */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  const router = buildRouter(deps);
  // Behind a proxy (TRUST_PROXY), ctx.ip is the last X-Forwarded-For hop: the address the
  // proxy saw. Earlier hops are whatever the caller wrote, so they are never trusted.
  app.proxy = deps.config.trustProxy ?? false;
  app.maxIpsCount = 1;

  app.use(requestId());
  if (deps.responseValidator !== undefined) {
    app.use(deps.responseValidator.middleware());
  }
  app.use(accessLog(deps.logger));
  app.use(problemHandler(deps.logger));
  app.use(notFound());
  for (const mount of deps.mounts ?? []) {
    app.use(mount);
  }
  app.use(router.routes());
  app.use(methodNotAllowed(router));

  // Errors that escape the middleware (e.g. a socket failing mid-response) land here rather
  // than on Koa's default stderr printer.
  app.on('error', (error: unknown) => {
    deps.logger.error({ err: error }, 'unhandled application error');
  });
  return app;
}

function buildRouter(deps: AppDeps): Router {
  const router = new Router();

  // Router-level, so it runs only for matched routes: unknown paths get 404, not 415.
  router.use(jsonBody(deps.config.bodyLimitBytes));
  router.use(healthRoutes(deps.health).routes());
  router.use(docsRoutes().routes());
  for (const feature of deps.routers ?? []) {
    router.use(feature.routes());
  }
  return router;
}
