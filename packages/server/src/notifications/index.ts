import type { NotificationConfig } from '../config/config';
import type { Transactions } from '../database/transaction';
import type { Clock } from '../domain/clock';
import type { Logger } from '../logging/logger';
import { OAuth2TokenProvider } from '../merchants/oauth2-token-provider';
import { NotificationDispatcher } from './dispatcher';
import { NotificationAdminService } from './notification-admin.service';
import { NotificationSender } from './notification-sender';
import { NotificationOutbox } from './outbox';
import { NotificationDeliveryRepository } from './repositories/notification-delivery.repository';
import { NotificationEndpointRepository } from './repositories/notification-endpoint.repository';
import { ResellerSettingsRepository } from './repositories/reseller-settings.repository';
import { SandboxNotificationRepository } from './repositories/sandbox-notification.repository';
import { SandboxNotificationService } from './sandbox-notification.service';
import { NotificationUrlGuard } from './url-guard';

export { buildNotification, type BuiltNotification } from './notification-payload';
export { NOTIFICATION_RETRY_SCHEDULE_MS } from './retry-schedule';
export { SIGNING_SECRET_OVERLAP_MS } from './signing';
export { NotificationUrlGuard } from './url-guard';

/** What the notification module needs. */
export interface NotificationModuleDeps {
  transactions: Transactions;
  clock: Clock;
  logger: Logger;
  config: NotificationConfig;
  /** Jitter and sandbox fault source; `Math.random` by default. */
  random?: () => number;
}

/** The notification module, wired. */
export interface Notifications {
  /** Register `outbox.listener` with the event recorder. */
  outbox: NotificationOutbox;
  dispatcher: NotificationDispatcher;
  admin: NotificationAdminService;
  sandbox: SandboxNotificationService;
  /** Call `assertDeliverableUrl` where notification URLs are set. */
  urlGuard: NotificationUrlGuard;
  /** Starts delivering. */
  start(): void;
  /** Stops delivering, waiting for sends in flight, and closes connections. */
  stop(): Promise<void>;
}

/** Builds the outbox, the dispatcher and the admin and sandbox services over one database. */
export function createNotifications(deps: NotificationModuleDeps): Notifications {
  const { transactions, clock, logger, config } = deps;
  const repositories = {
    resellers: new ResellerSettingsRepository(),
    endpoints: new NotificationEndpointRepository(),
    deliveries: new NotificationDeliveryRepository(),
    sandbox: new SandboxNotificationRepository(),
  };
  const allow = { hosts: config.allowedHosts, cidrs: config.allowedCidrs };
  const sender = new NotificationSender({
    timeoutMs: config.timeoutMs,
    allow,
    tokens: new OAuth2TokenProvider(),
  });
  const dispatcher = new NotificationDispatcher(
    { ...repositories, transactions, sender, clock, logger, random: deps.random },
    config,
  );

  return {
    outbox: new NotificationOutbox({ ...repositories, clock, random: deps.random }),
    dispatcher,
    admin: new NotificationAdminService({
      ...repositories,
      transactions,
      clock,
      wake: () => dispatcher.wake(),
    }),
    sandbox: new SandboxNotificationService({ ...repositories, transactions, clock }),
    urlGuard: new NotificationUrlGuard(allow),
    start: () => dispatcher.start(),
    stop: async () => {
      await dispatcher.stop();
      await sender.close();
    },
  };
}
