import type { Config, Env } from '../../src/config/config';
import { ROUTE_OPERATIONS } from '../../src/entities/route.entity';
import type { components } from '../../src/generated/contract';
import { ApiClient } from './api-client';
import type { TestDatabase } from './databases';
import { likeAMusicMerchant, MerchantStub } from './merchant-stub';
import { startTestServer, type TestServer } from './test-server';

type IssuedCredential = components['schemas']['IssuedCredential'];

/** The operator token the HTTP suites start their servers with. */
export const ADMIN_TOKEN = 'test-admin-token-0123456789';

/** Environment for a test server with the admin API on and generous rate limits. */
export const API_ENV = { ADMIN_TOKEN, SANDBOX: 'false', RATE_LIMIT_PER_SECOND: '1000' };

/**
 * A small catalogue made through the admin API: resellers TELCO_A (sandbox) and TELCO_B,
 * merchants MUSIC_A and MUSIC_B (both served by the stub), products MUSIC and MUSIC_PREMIUM
 * (MUSIC_A) and VIDEO (MUSIC_B), routes TELCO_A↔MUSIC_A (every operation), TELCO_B↔MUSIC_A
 * (MUSIC) and TELCO_B↔MUSIC_B, and one credential per party.
 */
export interface ApiWorld {
  admin: ApiClient;
  resellerA: ApiClient;
  resellerB: ApiClient;
  merchantA: ApiClient;
  merchantB: ApiClient;
  credentials: Record<'resellerA' | 'resellerB' | 'merchantA' | 'merchantB', IssuedCredential>;
}

/** Builds {@link ApiWorld} on `server`, pointing both merchants at `stub`. */
export async function buildWorld(server: TestServer, stub: MerchantStub): Promise<ApiWorld> {
  const admin = ApiClient.bearer(server, ADMIN_TOKEN);
  const create = async (path: string, body: unknown) => {
    const response = await admin.post(path, body);
    if (response.status !== 201) {
      throw new Error(`POST ${path} → ${response.status}: ${JSON.stringify(response.body)}`);
    }
    return response.body;
  };

  for (const key of ['TELCO_A', 'TELCO_B']) {
    await create('/admin/v1/resellers', {
      resellerKey: key,
      name: key,
      sandbox: key === 'TELCO_A',
    });
  }
  for (const key of ['MUSIC_A', 'MUSIC_B']) {
    await create('/admin/v1/merchants', {
      merchantAccountKey: key,
      name: key,
      callbackUrls: stub.callbackUrls(),
      callbackAuth: { type: 'BASIC', username: 'tessera', password: 'stub-secret' },
      callbackTimeoutMs: 2000,
    });
  }
  for (const [productKey, merchantAccountKey] of [
    ['MUSIC', 'MUSIC_A'],
    ['MUSIC_PREMIUM', 'MUSIC_A'],
    ['VIDEO', 'MUSIC_B'],
  ]) {
    await create('/admin/v1/products', { productKey, merchantAccountKey, name: productKey });
  }
  await createRoutes(create);

  const issue = async (ownerType: string, ownerKey: string) =>
    (await create('/admin/v1/credentials', { ownerType, ownerKey })) as IssuedCredential;
  const credentials = {
    resellerA: await issue('RESELLER', 'TELCO_A'),
    resellerB: await issue('RESELLER', 'TELCO_B'),
    merchantA: await issue('MERCHANT', 'MUSIC_A'),
    merchantB: await issue('MERCHANT', 'MUSIC_B'),
  };
  const client = (credential: IssuedCredential) =>
    ApiClient.basic(server, credential.username, credential.password);

  return {
    admin,
    resellerA: client(credentials.resellerA),
    resellerB: client(credentials.resellerB),
    merchantA: client(credentials.merchantA),
    merchantB: client(credentials.merchantB),
    credentials,
  };
}

async function createRoutes(create: (path: string, body: unknown) => Promise<unknown>) {
  await create('/admin/v1/routes', {
    resellerKey: 'TELCO_A',
    merchantAccountKey: 'MUSIC_A',
    productKeys: ['MUSIC', 'MUSIC_PREMIUM'],
    supportedOperations: ROUTE_OPERATIONS,
  });
  await create('/admin/v1/routes', {
    resellerKey: 'TELCO_B',
    merchantAccountKey: 'MUSIC_A',
    productKeys: ['MUSIC'],
    supportedOperations: ROUTE_OPERATIONS,
  });
  await create('/admin/v1/routes', {
    resellerKey: 'TELCO_B',
    merchantAccountKey: 'MUSIC_B',
    productKeys: ['VIDEO'],
    supportedOperations: ROUTE_OPERATIONS,
  });
}

/** A create request for `customer` (a fresh one per call unless given). */
export function createBody(productKey = 'MUSIC', customer = uniqueCustomer()) {
  return { customerIdentifier: customer, merchantAccountKey: 'MUSIC_A', productKey };
}

/** A customer identifier no other test uses. */
export function uniqueCustomer(): string {
  return `cust-${Math.random().toString(36).slice(2)}`;
}

/** What {@link useApiWorld} provides to a suite, valid inside its tests. */
export interface ApiSuite {
  server: TestServer;
  stub: MerchantStub;
  world: ApiWorld;
}

/**
 * Starts a merchant stub and a test server on `db` (with {@link API_ENV} plus `env`, and
 * `config` over that) before the suite, builds the {@link ApiWorld}, and stops both after it.
 */
export function useApiWorld(
  db: TestDatabase,
  env: Env = {},
  config: Partial<Config> = {},
): ApiSuite {
  const suite = {} as ApiSuite;

  before(async function () {
    this.timeout(60_000);
    suite.stub = await MerchantStub.start(likeAMusicMerchant);
    suite.server = await startTestServer(db.config, { env: { ...API_ENV, ...env }, config });
    suite.world = await buildWorld(suite.server, suite.stub);
  });

  after(async () => {
    await suite.server?.shutdown();
    await suite.stub?.close();
  });
  return suite;
}
