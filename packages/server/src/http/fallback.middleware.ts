import type { Router, RouterContext } from '@koa/router';
import type { Context, Middleware } from 'koa';

import { MethodNotAllowedProblem, NotFoundProblem } from '../errors/http-problems';

/**
 * Answers 404 with a problem when nothing further down the chain produced a response.
 * Place it above the router so that the router's own 405 handling runs first.
 */
export function notFound(): Middleware {
  return async (ctx, next) => {
    await next();

    if (ctx.status === 404 && ctx.body == null) {
      throw new NotFoundProblem(`No resource at ${ctx.path}.`);
    }
  };
}

/**
 * Answers 405 with a problem and an `Allow` header when the path exists but not for the
 * request's method (an unknown method such as TRACE gets the same answer). Answers OPTIONS.
 */
export function methodNotAllowed(router: Router): Middleware {
  return (ctx, next) => {
    const reject = () => methodNotAllowedProblem(ctx);
    const guard = router.allowedMethods({
      throw: true,
      methodNotAllowed: reject,
      notImplemented: reject,
    });

    return guard(ctx as RouterContext, next);
  };
}

function methodNotAllowedProblem(ctx: Context): MethodNotAllowedProblem {
  const layers = (ctx as RouterContext).matched ?? [];
  const allowed = [...new Set(layers.flatMap((layer) => layer.methods))];

  return new MethodNotAllowedProblem(`${ctx.method} is not allowed on ${ctx.path}.`, {
    headers: { Allow: allowed.join(', ') },
  });
}
