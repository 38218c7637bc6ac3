import { Router } from '@koa/router';

import type { HealthService } from '../services/health.service';

/**
 * `GET /health/live` answers 200 while the process runs; `GET /health/ready` answers 200 only
 * when the instance can serve (database reachable, not shutting down), else a 503 problem.
 */
export function healthRoutes(health: HealthService): Router {
  const router = new Router({ prefix: '/health' });

  // Probes must see the current state, never a cached answer.
  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });

  router.get('/live', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  router.get('/ready', async (ctx) => {
    await health.assertReady();
    ctx.body = { status: 'ok' };
  });

  return router;
}
