import { randomUUID } from 'node:crypto';

import type { DataSource } from 'typeorm';

import { type Env, loadConfig } from '../../../src/config/config';
import { createDataSource } from '../../../src/database/data-source';
import { runMigrations } from '../../../src/database/migrate';
import type { Transactions } from '../../../src/database/transaction';
import { ManualClock } from '../../../src/domain/clock';
import type { ResellerPrincipal } from '../../../src/domain/principals';
import type { components } from '../../../src/generated/contract';
import { OAuth2TokenProvider } from '../../../src/merchants/oauth2-token-provider';
import {
  type DispatcherOptions,
  NotificationDispatcher,
} from '../../../src/notifications/dispatcher';
import { NotificationSender } from '../../../src/notifications/notification-sender';
// prettier-ignore
import {
  NotificationDeliveryRepository,
} from '../../../src/notifications/repositories/notification-delivery.repository';
// prettier-ignore
import {
  NotificationEndpointRepository,
} from '../../../src/notifications/repositories/notification-endpoint.repository';
// prettier-ignore
import {
  ResellerSettingsRepository,
} from '../../../src/notifications/repositories/reseller-settings.repository';
// prettier-ignore
import {
  SandboxNotificationRepository,
} from '../../../src/notifications/repositories/sandbox-notification.repository';
import { createServices, type ServiceDeps, type Services } from '../../../src/services';
import type { DatabaseConfig } from '../../../src/config/database-url';
import type { Logger } from '../../../src/logging/logger';
import type { LogCapture } from '../../helpers/log-capture';
import { createTestLogger } from '../../helpers/log-capture';
import { likeAMusicMerchant, MerchantStub } from '../../helpers/merchant-stub';

type ResellerInput = components['schemas']['ResellerInput'];

/** Timeout of the world's dispatchers, short so that timeout tests are quick. */
export const TEST_TIMEOUT_MS = 1000;

/** Options of {@link NotificationWorld.start}. */
export interface WorldOptions {
  env?: Env;
  /** Replaces the URL check at set time (to store URLs only delivery refuses). */
  urlGuard?: ServiceDeps['notificationUrlGuard'];
}

/**
 * The domain services on a fresh database with a manual clock, a merchant stub and a product
 * MUSIC (activates at once), so tests make real entitlement events: every event goes through
 * the event recorder and the outbox listener, as in the server. Dispatchers are made on demand
 * with a fixed jitter, so retry times are exact.
 */
export class NotificationWorld {
  private readonly senders: NotificationSender[] = [];
  private counter = 0;

  private constructor(
    readonly dataSource: DataSource,
    readonly services: Services,
    readonly clock: ManualClock,
    readonly stub: MerchantStub,
    readonly logger: Logger,
    readonly logs: LogCapture,
    private readonly env: Env,
  ) {}

  static async start(database: DatabaseConfig, options: WorldOptions = {}) {
    const env = {
      SANDBOX: 'false',
      NOTIFICATION_TIMEOUT_MS: String(TEST_TIMEOUT_MS),
      ...options.env,
    };
    const config = loadConfig(env);
    const { logger, logs } = createTestLogger('debug');
    const dataSource = createDataSource(database, logger);
    await dataSource.initialize();
    await runMigrations(dataSource);

    const stub = await MerchantStub.start(likeAMusicMerchant);
    const clock = new ManualClock(new Date());
    const services = createServices({
      dataSource,
      config,
      logger,
      clock,
      notificationUrlGuard: options.urlGuard,
    });
    const world = new NotificationWorld(dataSource, services, clock, stub, logger, logs, env);
    await world.createMerchant();
    return world;
  }

  /** Creates a reseller with a route to the stub's MUSIC and returns it as a principal. */
  async addReseller(
    input: Partial<ResellerInput> & { resellerKey: string },
  ): Promise<ResellerPrincipal> {
    const { catalogue } = this.services;
    await catalogue.createReseller({ sandbox: true, ...input, name: input.resellerKey });
    await catalogue.createRoute({
      resellerKey: input.resellerKey,
      merchantAccountKey: 'MUSIC_A',
      productKeys: ['MUSIC'],
    });
    const reseller = await this.services.transactions.read((tx) =>
      new ResellerSettingsRepository().findByKey(tx, input.resellerKey),
    );
    return {
      kind: 'reseller',
      resellerId: reseller!.id,
      resellerKey: reseller!.resellerKey,
      sandbox: reseller!.sandbox,
      credentialId: 'test',
    };
  }

  /** An active entitlement (its create is in the feed but not notified). */
  async createEntitlement(p: ResellerPrincipal, notificationUrl?: string): Promise<string> {
    const result = await this.services.entitlements.create(
      p,
      {
        customerIdentifier: `cust-${randomUUID()}`,
        merchantAccountKey: 'MUSIC_A',
        productKey: 'MUSIC',
        ...(notificationUrl === undefined ? {} : { notificationUrl }),
      },
      { requestId: randomUUID() },
    );
    return result.entitlement.entitlementId;
  }

  /** A data change: one METADATA_UPDATE event, notified. */
  async touch(p: ResellerPrincipal, entitlementId: string): Promise<void> {
    this.counter += 1;
    await this.services.entitlements.update(
      p,
      entitlementId,
      { extensionData: { change: String(this.counter) } },
      { requestId: randomUUID() },
    );
  }

  /**
   * A dispatcher on this world's database and clock (not started: call `runOnce`); through
   * `transactions` of another data source to act as another server process.
   */
  dispatcher(
    options: Partial<DispatcherOptions> = {},
    random = () => 0.5,
    transactions: Transactions = this.services.transactions,
  ) {
    const config = loadConfig(this.env).notifications;
    const sender = new NotificationSender({
      timeoutMs: config.timeoutMs,
      allow: { hosts: config.allowedHosts, cidrs: config.allowedCidrs },
      tokens: new OAuth2TokenProvider(),
    });
    this.senders.push(sender);
    return new NotificationDispatcher(
      {
        transactions,
        endpoints: new NotificationEndpointRepository(),
        deliveries: new NotificationDeliveryRepository(),
        resellers: new ResellerSettingsRepository(),
        sandbox: new SandboxNotificationRepository(),
        sender,
        clock: this.clock,
        logger: this.logger,
        random,
      },
      { ...config, ...options },
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.senders.map((sender) => sender.close()));
    await this.stub.close();
    if (this.dataSource.isInitialized) {
      await this.dataSource.destroy();
    }
  }

  private async createMerchant(): Promise<void> {
    await this.services.catalogue.createMerchant({
      merchantAccountKey: 'MUSIC_A',
      name: 'Music A',
      callbackUrls: this.stub.callbackUrls(),
      callbackAuth: { type: 'BASIC', username: 'tessera', password: 'stub-secret' },
      callbackTimeoutMs: 2000,
    });
    await this.services.catalogue.createProduct({
      productKey: 'MUSIC',
      merchantAccountKey: 'MUSIC_A',
      name: 'Music',
    });
  }
}
