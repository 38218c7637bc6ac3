import type { Router } from '@koa/router';

import type { Config } from '../config/config';
import type { Contract } from '../http/contract';
import { operationRouter } from '../http/operation-router';
import type { TesseraState } from '../http/state';
import type { Logger } from '../logging/logger';
import {
  notificationAdminHandlers,
  notificationResellerHandlers,
  sandboxNotificationRouter,
} from '../notifications/notification.routes';
import { IdempotencyRecordRepository } from '../repositories/idempotency-record.repository';
import type { Services } from '../services';
import { AuthService } from '../services/auth.service';
import { IdempotencyService } from '../services/idempotency.service';
import { adminHandlers } from './admin.routes';
import { merchantHandlers } from './merchant.routes';
import { resellerHandlers } from './reseller.routes';

/** How often expired idempotency records are deleted. */
const IDEMPOTENCY_PURGE_INTERVAL_MS = 10 * 60_000;

/** The reseller, merchant and admin APIs, and what they need stopped on shutdown. */
export interface Api {
  routers: Router<TesseraState>[];
  idempotency: IdempotencyService;
  /** Starts background upkeep (purging expired idempotency keys); returns its stop function. */
  startUpkeep(): () => void;
}

/** Builds the three contract APIs over the domain services. */
export function createApi(
  contract: Contract,
  services: Services,
  config: Pick<Config, 'adminToken' | 'rateLimit' | 'sandbox'>,
  logger: Logger,
): Api {
  const auth = new AuthService(services.catalogue, config.adminToken);
  const idempotency = new IdempotencyService(
    services.transactions,
    new IdempotencyRecordRepository(),
    services.clock,
  );
  const deps = { contract, auth, idempotency, rateLimit: config.rateLimit, logger };
  const { notifications } = services;
  // Issue #5: only sandbox servers receive notifications in their own inbox.
  const sandboxRouters = config.sandbox ? [sandboxNotificationRouter(notifications)] : [];

  return {
    routers: [
      operationRouter(deps, 'reseller', {
        ...resellerHandlers(services),
        ...notificationResellerHandlers(notifications),
      }),
      operationRouter(deps, 'merchant', merchantHandlers(services)),
      operationRouter(deps, 'admin', {
        ...adminHandlers(services),
        ...notificationAdminHandlers(notifications),
      }),
      ...sandboxRouters,
    ],
    idempotency,
    startUpkeep: () => idempotency.startPurging(IDEMPOTENCY_PURGE_INTERVAL_MS, logger),
  };
}
