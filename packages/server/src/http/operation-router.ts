import { Router } from '@koa/router';
import type { Middleware, ParameterizedContext } from 'koa';

import type { Logger } from '../logging/logger';
import type { AuthService } from '../services/auth.service';
import type { IdempotencyService } from '../services/idempotency.service';
import { type ApiAudience, authenticate } from './auth.middleware';
import type { Contract, ContractOperation } from './contract';
import { idempotency, MUTATING_METHODS } from './idempotency.middleware';
import { rateLimit, type RateLimitOptions } from './rate-limit.middleware';
import { validateRequest } from './request-validation.middleware';
import type { TesseraState } from './state';

/** The Koa context a contract operation's handler gets. */
export type OperationContext = ParameterizedContext<TesseraState>;

/** Handles one contract operation; runs after auth, rate limit, validation and idempotency. */
export type OperationHandler = (ctx: OperationContext) => Promise<void> | void;

/** What every API router shares. */
export interface ApiRouterDeps {
  contract: Contract;
  auth: AuthService;
  idempotency: IdempotencyService;
  rateLimit: RateLimitOptions;
  logger: Logger;
}

/**
 * A router serving contract operations by operationId: each handler is mounted at its
 * operation's path and method, behind authentication for `audience`, the per-credential rate
 * limit (not on the admin API), the contract's request validation and, for mutating methods,
 * idempotency keys. Operations without a handler are not served (404).
 */
export function operationRouter(
  deps: ApiRouterDeps,
  audience: ApiAudience,
  handlers: Record<string, OperationHandler>,
): Router<TesseraState> {
  const router = new Router<TesseraState>();
  const auth = authenticate(deps.auth, audience);
  const limit = audience === 'admin' ? undefined : rateLimit(deps.rateLimit);
  const keys = idempotency(deps.idempotency, deps.logger);

  for (const [operationId, handler] of Object.entries(handlers)) {
    const operation = deps.contract.operation(operationId);
    const chain: Middleware<TesseraState>[] = [
      markOperation(operation),
      auth,
      ...(limit === undefined ? [] : [limit]),
      validateRequest(deps.contract, operation),
      ...(MUTATING_METHODS.includes(operation.method) ? [keys] : []),
      async (ctx) => handler(ctx),
    ];
    router.register(operation.routerPath, [operation.method], chain);
  }
  return router;
}

function markOperation(operation: ContractOperation): Middleware<TesseraState> {
  return async (ctx, next) => {
    ctx.state.operation = operation;
    await next();
  };
}
