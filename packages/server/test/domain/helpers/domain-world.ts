import { randomUUID } from 'node:crypto';

import type { DataSource } from 'typeorm';

import { type Config, loadConfig } from '../../../src/config/config';
import { createDataSource } from '../../../src/database/data-source';
import { runMigrations } from '../../../src/database/migrate';
import { ManualClock } from '../../../src/domain/clock';
import type {
  MerchantPrincipal,
  RequestMeta,
  ResellerPrincipal,
} from '../../../src/domain/principals';
import { ROUTE_OPERATIONS, type RouteOperation } from '../../../src/entities/route.entity';
import { type CallbackOperation, HttpMerchantGateway } from '../../../src/merchants';
import { createServices, type ServiceDeps, type Services } from '../../../src/services';
import type { TestDatabase } from '../../helpers/databases';
import { createTestLogger } from '../../helpers/log-capture';
import { MerchantStub } from '../../helpers/merchant-stub';

/** A reseller and a merchant of its own with a route between them, as principals. */
export interface Tenant {
  reseller: ResellerPrincipal;
  merchant: MerchantPrincipal;
  resellerKey: string;
  merchantAccountKey: string;
  /** The route sells both. */
  productKey: string;
  otherProductKey: string;
  routeId: string;
}

/** Options of {@link DomainWorld.addTenant}. */
export interface TenantOptions {
  sandbox?: boolean;
  operations?: RouteOperation[];
  maxLive?: number;
  shareCustomerIdentifier?: boolean;
  /** Callbacks the merchant does not offer. */
  withoutCallbacks?: CallbackOperation[];
  /** An existing reseller to route to a new merchant. */
  resellerKey?: string;
}

let tenants = 0;

/**
 * The domain on a fresh test database: real services, a real HTTP merchant gateway calling a
 * real merchant stub on a free port, and a manual clock.
 */
export class DomainWorld {
  private constructor(
    readonly dataSource: DataSource,
    readonly services: Services,
    readonly clock: ManualClock,
    readonly stub: MerchantStub,
  ) {}

  static async open(
    db: TestDatabase,
    overrides: Partial<Pick<ServiceDeps, 'scheduler' | 'eventListeners'>> = {},
  ): Promise<DomainWorld> {
    const { logger } = createTestLogger('warn');
    const dataSource = createDataSource(db.config, logger);
    await dataSource.initialize();
    await runMigrations(dataSource);
    const stub = await MerchantStub.start();
    const clock = new ManualClock(new Date());
    const services = createServices({
      dataSource,
      config: testConfig(),
      logger,
      clock,
      merchantGateway: new HttpMerchantGateway({ logger, retryMinDelayMs: 1, retryMaxDelayMs: 2 }),
      ...overrides,
    });
    return new DomainWorld(dataSource, services, clock, stub);
  }

  /** Another set of services on the same database, as a second server process would have. */
  static async twin(world: DomainWorld, db: TestDatabase): Promise<DomainWorld> {
    const { logger } = createTestLogger('warn');
    const dataSource = createDataSource(db.config, logger);
    await dataSource.initialize();
    const services = createServices({
      dataSource,
      config: testConfig(),
      logger,
      clock: world.clock,
      merchantGateway: new HttpMerchantGateway({ logger, retryMinDelayMs: 1, retryMaxDelayMs: 2 }),
    });
    return new DomainWorld(dataSource, services, world.clock, world.stub);
  }

  async close(): Promise<void> {
    await this.services.scheduler.stop();
    await this.dataSource.destroy();
    await this.stub.close();
  }

  /** Closes only the database of a {@link twin}. */
  async closeTwin(): Promise<void> {
    await this.dataSource.destroy();
  }

  /** Meta of a new request. */
  meta(extra: Partial<RequestMeta> = {}): RequestMeta {
    return { requestId: randomUUID(), ...extra };
  }

  /** A new reseller, merchant (answered by the stub), two products and a route. */
  async addTenant(options: TenantOptions = {}): Promise<Tenant> {
    tenants += 1;
    const name = `T${tenants}_${randomUUID().slice(0, 4).toUpperCase()}`;
    const { catalogue } = this.services;
    const resellerKey = options.resellerKey ?? `${name}_TELCO`;
    if (options.resellerKey === undefined) {
      await catalogue.createReseller({
        resellerKey,
        name: `${name} Telco`,
        sandbox: options.sandbox ?? false,
      });
    }
    const merchantAccountKey = `${name}_MUSIC`;
    await catalogue.createMerchant({
      merchantAccountKey,
      name: `${name} Music`,
      sandbox: options.sandbox ?? false,
      callbackUrls: this.stub.callbackUrls(options.withoutCallbacks),
      callbackAuth: { type: 'BASIC', username: 'tessera', password: 'callback-secret' },
      callbackTimeoutMs: 2000,
    });
    const productKey = `${name}_BASIC`;
    const otherProductKey = `${name}_PREMIUM`;
    for (const key of [productKey, otherProductKey]) {
      await catalogue.createProduct({ productKey: key, merchantAccountKey, name: key });
    }
    const route = await catalogue.createRoute({
      resellerKey,
      merchantAccountKey,
      productKeys: [productKey, otherProductKey],
      maxLiveEntitlementsPerCustomer: options.maxLive ?? 1,
      shareCustomerIdentifier: options.shareCustomerIdentifier ?? false,
      routeExtensionData: { channel: 'test' },
      supportedOperations: options.operations ?? [...ROUTE_OPERATIONS],
    });
    return {
      reseller: await this.resellerPrincipal(resellerKey),
      merchant: await this.merchantPrincipal(merchantAccountKey),
      resellerKey,
      merchantAccountKey,
      productKey,
      otherProductKey,
      routeId: route.routeId,
    };
  }

  private async resellerPrincipal(resellerKey: string): Promise<ResellerPrincipal> {
    const issued = await this.services.catalogue.issueCredential({
      ownerType: 'RESELLER',
      ownerKey: resellerKey,
    });
    const login = await this.services.catalogue.findCredentialByUsername(issued.username);
    const reseller = login?.reseller;
    if (reseller === undefined) {
      throw new Error(`no reseller behind ${issued.username}`);
    }
    return {
      kind: 'reseller',
      resellerId: reseller.id,
      resellerKey,
      sandbox: reseller.sandbox,
      credentialId: issued.credentialId,
    };
  }

  private async merchantPrincipal(merchantAccountKey: string): Promise<MerchantPrincipal> {
    const issued = await this.services.catalogue.issueCredential({
      ownerType: 'MERCHANT',
      ownerKey: merchantAccountKey,
    });
    const login = await this.services.catalogue.findCredentialByUsername(issued.username);
    const merchant = login?.merchant;
    if (merchant === undefined) {
      throw new Error(`no merchant behind ${issued.username}`);
    }
    return {
      kind: 'merchant',
      merchantId: merchant.id,
      merchantAccountKey,
      credentialId: issued.credentialId,
    };
  }
}

/** The configuration tests run with: loopback notification URLs allowed. */
export function testConfig(): Config {
  return loadConfig({ NOTIFICATION_ALLOWED_CIDRS: '127.0.0.0/8', SANDBOX: 'true' });
}

/**
 * The usual suite over the domain: before it, a {@link DomainWorld} on `db` with one tenant,
 * handed to `use`; after each test, the merchant stub back to its default answers; after the
 * suite, the world closed.
 */
export function useDomainWorld(
  db: TestDatabase,
  use: (world: DomainWorld, tenant: Tenant) => void,
): void {
  let world: DomainWorld | undefined;

  before(async () => {
    world = await DomainWorld.open(db);
    use(world, await world.addTenant());
  });

  after(async () => {
    await world?.close();
  });

  afterEach(() => {
    world?.stub.reset();
  });
}
