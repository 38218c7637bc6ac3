import assert from 'node:assert/strict';

import type { Tx } from '../../src/database/transaction';
import type { Credential } from '../../src/entities';
import { CredentialRepository } from '../../src/repositories/credential.repository';
import { EntitlementRepository } from '../../src/repositories/entitlement.repository';
import { MerchantRepository } from '../../src/repositories/merchant.repository';
import { ProductRepository } from '../../src/repositories/product.repository';
import { ResellerRepository } from '../../src/repositories/reseller.repository';
import { RouteRepository } from '../../src/repositories/route.repository';
import { verifySecret } from '../../src/security/secret-hash';
import { createServices } from '../../src/services';
import { CatalogueService } from '../../src/services/catalogue.service';
import { SANDBOX, sandboxCallbackUrls, SeedService } from '../../src/services/seed.service';
import { describeEachDatabase } from '../helpers/databases';
import { createTestLogger } from '../helpers/log-capture';
import { DomainWorld, testConfig } from './helpers/domain-world';

const BASE = 'http://127.0.0.1:8080';

/** Credentials that cannot be stored for one username, as if the disk filled up then. */
class CredentialsFailingFor extends CredentialRepository {
  constructor(private readonly username: string) {
    super();
  }

  override async insert(tx: Tx, credential: Credential): Promise<void> {
    if (credential.username === this.username) {
      throw new Error(`no room for ${credential.username}`);
    }
    await super.insert(tx, credential);
  }
}

/** A seed over `world`'s database whose catalogue stores credentials in `credentials`. */
function seedWith(world: DomainWorld, credentials: CredentialRepository): SeedService {
  const { services } = world;
  const catalogue = new CatalogueService({
    transactions: services.transactions,
    resellers: new ResellerRepository(),
    merchants: new MerchantRepository(),
    products: new ProductRepository(),
    routes: new RouteRepository(),
    credentials,
    entitlements: new EntitlementRepository(),
    urlGuard: services.notificationUrlGuard,
    clock: services.clock,
  });
  return new SeedService(catalogue, testConfig());
}

describeEachDatabase('the sandbox seed', (db) => {
  let world: DomainWorld;

  before(async () => {
    world = await DomainWorld.open(db);
  });

  after(async () => {
    await world.close();
  });

  it('does nothing when the sandbox is off', async () => {
    const services = createServices({
      dataSource: world.dataSource,
      config: { ...testConfig(), sandbox: false },
      logger: createTestLogger('warn').logger,
    });
    assert.equal(await services.seed.seedSandbox(BASE), null);
    assert.equal(await world.services.catalogue.isEmpty(), true);
  });

  it('seeds all or nothing: a failure part way leaves the catalogue empty', async () => {
    const failing = seedWith(world, new CredentialsFailingFor('sandbox-merchant'));
    await assert.rejects(failing.seedSandbox(BASE), /no room for sandbox-merchant/);

    const { catalogue } = world.services;
    assert.equal(await catalogue.isEmpty(), true);
    assert.deepEqual(await catalogue.listProducts(), []);
    assert.deepEqual(await catalogue.listRoutes(), []);
    assert.deepEqual(await catalogue.listCredentials(), []);
  });

  it('seeds the demo catalogue on an empty database', async () => {
    const seed = await world.services.seed.seedSandbox(BASE);
    assert.equal(seed?.created, true);
    assert.deepEqual(seed?.reseller, {
      username: 'sandbox-reseller',
      password: 'sandbox-reseller-secret',
    });

    const { catalogue } = world.services;
    const [reseller] = await catalogue.listResellers();
    assert.equal(reseller?.resellerKey, SANDBOX.resellerKey);
    assert.equal(reseller?.sandbox, true);
    const [merchant] = await catalogue.listMerchants();
    assert.deepEqual(merchant?.callbackUrls, sandboxCallbackUrls(BASE));
    assert.equal(merchant?.callbackUrls.create, `${BASE}/sandbox/merchant/tessera/entitlements`);
    assert.deepEqual(merchant?.callbackAuth, { type: 'BASIC', username: 'tessera' });
    assert.deepEqual((await catalogue.listProducts()).map((p) => p.productKey).sort(), [
      'MUSIC',
      'MUSIC_PREMIUM',
    ]);
    const [route] = await catalogue.listRoutes();
    assert.equal(route?.maxLiveEntitlementsPerCustomer, 1);
    assert.ok(route?.supportedOperations.includes('MERCHANT_SUSPEND'));

    const login = await catalogue.findCredentialByUsername('sandbox-merchant');
    assert.equal(await verifySecret('sandbox-merchant-secret', login?.secretHash ?? ''), true);
    assert.equal(login?.merchant?.merchantAccountKey, SANDBOX.merchantAccountKey);
  });

  it('is idempotent: a second start on the same base URL changes nothing', async () => {
    const again = await world.services.seed.seedSandbox(BASE);
    assert.equal(again?.created, false);
    const { catalogue } = world.services;
    assert.equal((await catalogue.listResellers()).length, 1);
    assert.equal((await catalogue.listMerchants()).length, 1);
    assert.equal((await catalogue.listCredentials()).length, 2);
    assert.deepEqual((await catalogue.listMerchants())[0]?.callbackUrls, sandboxCallbackUrls(BASE));
  });

  it('follows a start on another base URL: the simulated merchant is there now', async () => {
    const moved = 'http://127.0.0.1:9999';
    const again = await world.services.seed.seedSandbox(moved);
    assert.equal(again?.created, false);

    const { catalogue } = world.services;
    assert.equal((await catalogue.listMerchants()).length, 1);
    const merchant = await catalogue.getMerchant(SANDBOX.merchantAccountKey);
    assert.deepEqual(merchant.callbackUrls, sandboxCallbackUrls(moved));
    assert.equal(merchant.callbackUrls.create, `${moved}/sandbox/merchant/tessera/entitlements`);
  });

  it('leaves callback URLs an operator pointed elsewhere as they are', async () => {
    const { catalogue } = world.services;
    const elsewhere = 'https://music.example.com/tessera/{merchantEntitlementId}/suspend';
    // The operator moved suspends to its own service and took resumes away.
    const { resume: _resume, ...current } = sandboxCallbackUrls('http://127.0.0.1:9999');
    await catalogue.updateMerchant(SANDBOX.merchantAccountKey, {
      callbackUrls: { ...current, suspend: elsewhere },
    });

    await world.services.seed.seedSandbox('https://sandbox.example.com/tessera');
    const merchant = await catalogue.getMerchant(SANDBOX.merchantAccountKey);
    const { resume: _gone, ...wanted } = sandboxCallbackUrls('https://sandbox.example.com/tessera');
    assert.deepEqual(merchant.callbackUrls, { ...wanted, suspend: elsewhere });
  });
});

describeEachDatabase('the sandbox seed on an operator catalogue', (db) => {
  let world: DomainWorld;

  before(async () => {
    world = await DomainWorld.open(db);
  });

  after(async () => {
    await world.close();
  });

  it('leaves a catalogue that is not empty alone', async () => {
    await world.services.catalogue.createReseller({ resellerKey: 'REAL_TELCO', name: 'Real' });
    assert.equal(await world.services.seed.seedSandbox(BASE), null);
    assert.equal((await world.services.catalogue.listResellers()).length, 1);
  });
});

describeEachDatabase('the sandbox seed by two instances at once', (db) => {
  let world: DomainWorld;
  let twin: DomainWorld;

  before(async () => {
    world = await DomainWorld.open(db);
    twin = await DomainWorld.twin(world, db);
  });

  after(async () => {
    await twin.closeTwin();
    await world.close();
  });

  it('creates the sandbox once: the other start finds it in place', async () => {
    const seeds = await Promise.all([
      world.services.seed.seedSandbox(BASE),
      twin.services.seed.seedSandbox(BASE),
    ]);
    assert.deepEqual(seeds.map((seed) => seed?.created).sort(), [false, true]);

    const { catalogue } = world.services;
    assert.equal((await catalogue.listResellers()).length, 1);
    assert.equal((await catalogue.listProducts()).length, 2);
    assert.equal((await catalogue.listCredentials()).length, 2);
  });
});
