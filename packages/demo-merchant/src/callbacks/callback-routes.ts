import { Router, type RouterContext } from '@koa/router';
import type { Middleware } from 'koa';
import type { z } from 'zod';

import { parseMagicHeader } from '../behaviour';
import { jsonBody } from '../http/middleware';
import type { Answer } from '../subscription-store';
import { handleActivationInfo, handleCreate, handleUpdate } from './activation-callbacks';
import type { CallbackDeps, CallbackInput } from './callback-context';
import { handleStateChange, handleTerminate } from './lifecycle-callbacks';
import {
  createRequestSchema,
  noBodySchema,
  parseBody,
  stateChangeRequestSchema,
  terminationRequestSchema,
  updateRequestSchema,
} from './request-schemas';

/** Where the callbacks are served and who may call them. */
export interface CallbackRouteOptions {
  /** Prefix of every callback path, e.g. `/tessera`; empty for none. */
  basePath: string;
  /** Base URL of the links handed out; the request's own origin when unset. */
  publicBaseUrl?: string;
  /** Authenticates each callback before its body is read. */
  auth: Middleware;
}

type Handler = (ctx: RouterContext) => Promise<Answer>;

/** Every callback of the contract, at the paths `merchant-callbacks.yaml` suggests. */
export function callbackRoutes(deps: CallbackDeps, options: CallbackRouteOptions): Router {
  const router = new Router(options.basePath === '' ? {} : { prefix: options.basePath });
  const one = '/entitlements/:merchantEntitlementId';
  const input = <T>(ctx: RouterContext, schema: z.ZodType<T>) =>
    callbackInput(ctx, schema, options.publicBaseUrl);

  // Router-level, so they run only for matched routes: unknown paths get 404, not 401.
  router.use(options.auth, jsonBody());

  router.post(
    '/entitlements',
    reply((ctx) => handleCreate(deps, input(ctx, createRequestSchema))),
  );
  router.get(
    `${one}/activationInfo`,
    reply((ctx) => handleActivationInfo(deps, input(ctx, noBodySchema))),
  );
  router.patch(
    one,
    reply((ctx) => handleUpdate(deps, input(ctx, updateRequestSchema))),
  );
  router.post(
    `${one}/suspend`,
    reply((ctx) => handleStateChange(deps, 'suspend', input(ctx, stateChangeRequestSchema))),
  );
  router.post(
    `${one}/resume`,
    reply((ctx) => handleStateChange(deps, 'resume', input(ctx, stateChangeRequestSchema))),
  );
  router.post(
    `${one}/terminate`,
    reply((ctx) => handleTerminate(deps, input(ctx, terminationRequestSchema))),
  );
  return router;
}

function reply(handler: Handler): Middleware {
  return async (ctx) => {
    const { status, body } = await handler(ctx as RouterContext);
    ctx.status = status;
    ctx.body = body;
  };
}

/** The validated, parsed parts of a callback request its handler needs. */
function callbackInput<T>(
  ctx: RouterContext,
  schema: z.ZodType<T>,
  publicBaseUrl: string | undefined,
): CallbackInput<T> {
  return {
    body: parseBody(schema, ctx.request.body),
    merchantEntitlementId: ctx.params.merchantEntitlementId ?? '',
    magic: parseMagicHeader(ctx.get('X-Magic-Number')),
    // Koa 3's `ctx.origin` is the Origin header; the Host header is what the caller reached.
    publicBaseUrl: publicBaseUrl ?? `${ctx.protocol}://${ctx.host}`,
    signal: hangUpSignal(ctx),
  };
}

// Ends deliberate waits early when Tessera gives up, so they do not pile up.
function hangUpSignal(ctx: RouterContext): AbortSignal {
  const controller = new AbortController();
  ctx.res.once('close', () => {
    if (!ctx.res.writableFinished) {
      controller.abort();
    }
  });
  return controller.signal;
}
