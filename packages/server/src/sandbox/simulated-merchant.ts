import type { IncomingMessage, ServerResponse } from 'node:http';

import { createDemoMerchant, type DemoMerchant } from '@tessera/demo-merchant';
import type { Middleware } from 'koa';

import type { SandboxSeedConfig } from '../config/config';
import type { Logger } from '../logging/logger';
import { SANDBOX } from '../services/seed.service';

/** Where the simulated merchant answers on this server. */
export const SIMULATED_MERCHANT_PREFIX = '/sandbox/merchant';

/** What the simulated merchant needs to reach this server once it listens. */
export interface SimulatedMerchantStart {
  /** This server's own socket URL: the merchant calls the merchant API there. */
  serverUrl: string;
  /** The base URL users see: sign-up links are built on it. */
  publicBaseUrl: string;
  seed: SandboxSeedConfig;
  logger: Logger;
}

/**
 * The sandbox's simulated merchant (`@tessera/demo-merchant`) served in-process under
 * {@link SIMULATED_MERCHANT_PREFIX}, so that a fresh install can be tried end to end with one
 * process: Tessera calls its callbacks over HTTP and it calls Tessera's merchant API back, like
 * a real merchant would. It needs the server's URL, known only once the server listens, so the
 * middleware is mounted first and the merchant attached by {@link start}; until then (and when
 * the sandbox is off) its paths fall through to 404.
 */
export class SimulatedMerchant {
  private merchant: DemoMerchant | undefined;

  /** Hands requests under the prefix to the simulated merchant, with the prefix removed. */
  middleware(): Middleware {
    return async (ctx, next) => {
      const merchant = this.merchant;
      const inside =
        ctx.path === SIMULATED_MERCHANT_PREFIX ||
        ctx.path.startsWith(`${SIMULATED_MERCHANT_PREFIX}/`);
      if (merchant === undefined || !inside) {
        return next();
      }

      ctx.respond = false;
      ctx.req.url = ctx.req.url?.slice(SIMULATED_MERCHANT_PREFIX.length) || '/';
      await serve(merchant, ctx.req, ctx.res);
    };
  }

  /** Creates the simulated merchant with the seeded sandbox merchant's credentials. */
  start(options: SimulatedMerchantStart): void {
    this.merchant = createDemoMerchant({
      tessera: {
        baseUrl: options.serverUrl,
        username: SANDBOX.merchantUsername,
        password: options.seed.merchantPassword,
      },
      callbackCredentials: {
        username: SANDBOX.callbackUsername,
        password: options.seed.callbackPassword,
      },
      publicBaseUrl: `${options.publicBaseUrl.replace(/\/+$/, '')}${SIMULATED_MERCHANT_PREFIX}`,
      logger: options.logger.child({ component: 'simulated-merchant' }),
    });
  }

  /** Cancels the simulated merchant's delayed calls (activations, confirmations). */
  async stop(): Promise<void> {
    await this.merchant?.stop();
  }
}

/** Serves one request with the merchant's Node handler and resolves when it has answered. */
function serve(merchant: DemoMerchant, req: IncomingMessage, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    res.once('close', resolve);
    merchant.callback(req, res);
  });
}
