import type { DataSource } from 'typeorm';

import type { Config } from '../config/config';
import { Transactions } from '../database/transaction';
import { type Clock, systemClock } from '../domain/clock';
import type { Logger } from '../logging/logger';
import { HttpMerchantGateway, type MerchantGateway } from '../merchants';
import { createNotifications, type Notifications } from '../notifications';
import { NotificationUrlGuard } from '../notifications/url-guard';
import { CredentialRepository } from '../repositories/credential.repository';
import { EntitlementEventRepository } from '../repositories/entitlement-event.repository';
import { EntitlementRepository } from '../repositories/entitlement.repository';
import { MerchantRepository } from '../repositories/merchant.repository';
import { ProductRepository } from '../repositories/product.repository';
import { ResellerRepository } from '../repositories/reseller.repository';
import { RouteRepository } from '../repositories/route.repository';
import { SharedCustomerRepository } from '../repositories/shared-customer.repository';
import { CatalogueService } from './catalogue.service';
import { EntitlementChangeWriter } from './entitlement-changes';
import type { EntitlementDeps, NotificationUrlCheck } from './entitlement-deps';
import { EntitlementService } from './entitlement.service';
import { type EventListener, EventRecorder } from './event-recorder';
import { MerchantEntitlementService } from './merchant-entitlement.service';
import { SandboxService } from './sandbox.service';
import { type SchedulerOptions, SchedulerService } from './scheduler.service';
import { SeedService } from './seed.service';

export type { EventListener, RecordedEvent } from './event-recorder';
export type { NotificationUrlCheck } from './entitlement-deps';

/** What {@link createServices} builds the domain from. */
export interface ServiceDeps {
  dataSource: DataSource;
  config: Pick<Config, 'sandbox' | 'sandboxSeed' | 'schedulerIntervalMs' | 'notifications'>;
  logger: Logger;
  /** Default: the real time. */
  clock?: Clock;
  /** Default: {@link HttpMerchantGateway}. */
  merchantGateway?: MerchantGateway;
  /** Called with every event in the transaction that records it (the outbox of issue #5). */
  eventListeners?: EventListener[];
  /** Default: issue #5's guard with the configured allow-list. */
  notificationUrlGuard?: NotificationUrlCheck;
  /** Scheduler tuning beyond the configured interval (tests shorten the stale-create delay). */
  scheduler?: Partial<SchedulerOptions>;
}

/** The domain services, built once per process (or per test). */
export interface Services {
  /** Every write transaction of the server goes through this (SQLite needs it). */
  transactions: Transactions;
  clock: Clock;
  entitlements: EntitlementService;
  merchantEntitlements: MerchantEntitlementService;
  catalogue: CatalogueService;
  sandbox: SandboxService;
  scheduler: SchedulerService;
  seed: SeedService;
  notificationUrlGuard: NotificationUrlCheck;
  /** Issue #5: the outbox (already listening to events), dispatcher, admin and sandbox. */
  notifications: Notifications;
}

/** Wires repositories and services over `dataSource`. Starts nothing: see `scheduler`. */
export function createServices(deps: ServiceDeps): Services {
  const transactions = new Transactions(deps.dataSource);
  const clock = deps.clock ?? systemClock;
  const notificationUrlGuard = deps.notificationUrlGuard ?? defaultUrlGuard(deps.config);
  const repositories = {
    entitlements: new EntitlementRepository(),
    events: new EntitlementEventRepository(),
    resellers: new ResellerRepository(),
    merchants: new MerchantRepository(),
    products: new ProductRepository(),
    routes: new RouteRepository(),
    sharedCustomers: new SharedCustomerRepository(),
  };
  // Shares `transactions`: on SQLite one mutex must serialise every unit of work.
  const notifications = createNotifications({
    transactions,
    clock,
    logger: deps.logger,
    config: deps.config.notifications,
  });
  const recorder = new EventRecorder(repositories.events, repositories.resellers, [
    notifications.outbox.listener,
    ...(deps.eventListeners ?? []),
  ]);
  const writer = new EntitlementChangeWriter(repositories.entitlements, recorder);
  const entitlementDeps: EntitlementDeps = {
    ...repositories,
    transactions,
    writer,
    clock,
    logger: deps.logger,
    gateway: deps.merchantGateway ?? new HttpMerchantGateway({ logger: deps.logger }),
    urlGuard: notificationUrlGuard,
  };

  const scheduler = new SchedulerService(
    { ...repositories, transactions, writer, clock, logger: deps.logger },
    { intervalMs: deps.config.schedulerIntervalMs, ...deps.scheduler },
  );
  const catalogue = new CatalogueService({
    ...repositories,
    credentials: new CredentialRepository(),
    transactions,
    clock,
    urlGuard: notificationUrlGuard,
  });

  return {
    transactions,
    clock,
    entitlements: new EntitlementService(entitlementDeps),
    merchantEntitlements: new MerchantEntitlementService(entitlementDeps),
    catalogue,
    sandbox: new SandboxService(transactions, repositories.resellers, scheduler, clock),
    scheduler,
    seed: new SeedService(catalogue, deps.config),
    notificationUrlGuard,
    notifications,
  };
}

function defaultUrlGuard(config: Pick<Config, 'notifications'>): NotificationUrlCheck {
  const { allowedHosts, allowedCidrs } = config.notifications;
  return new NotificationUrlGuard({ hosts: allowedHosts, cidrs: allowedCidrs });
}
