import type { MerchantPrincipal, Principal, ResellerPrincipal } from '../../src/domain/principals';
import type { ContractMismatch } from '../../src/http/response-validation.middleware';
import { AuthService } from '../../src/services/auth.service';
import type { SandboxSeed } from '../../src/services/seed.service';
import { type DatabaseTarget, TestDatabase } from '../helpers/databases';
import { startTestServer, type TestServer } from '../helpers/test-server';
import { type Forwarder, startForwarder } from './forwarder';

/** One interaction's Tessera: the running server, its sandbox seed, and the seeded parties. */
export interface SeededTessera {
  server: TestServer;
  seed: SandboxSeed;
  /** `sandbox-reseller` as the services see it once authenticated (`DEMO_TELCO`). */
  reseller: ResellerPrincipal;
  /** `sandbox-merchant` as the services see it once authenticated (`DEMO_MUSIC`). */
  merchant: MerchantPrincipal;
}

// Polled often, so that a state handler waiting for a delivery to the sandbox inbox waits little.
const SERVER_ENV = { NOTIFICATION_POLL_INTERVAL_MS: '50' };

/**
 * A fresh Tessera for every interaction: a new empty database, the real server on it (port 0,
 * the simulated merchant mounted, every response checked against the contract), and the sandbox
 * seeded as `main.ts` seeds it, with the simulated merchant's callback URLs on the port that
 * server really listens on. The Verifier targets {@link url}, a forwarder that always points at
 * the current server; {@link reset} replaces it (the Verifier's `beforeEach`).
 */
export class FreshTessera {
  private forwarder: Forwarder | undefined;
  private context: Mocha.Context | undefined;
  private database: TestDatabase | undefined;
  private seeded: SeededTessera | undefined;
  private readonly mismatches: ContractMismatch[] = [];
  // Dropping a PostgreSQL database takes a while; nothing waits for it but `stop`.
  private readonly drops: Promise<void>[] = [];

  constructor(readonly target: DatabaseTarget) {}

  /** The stable base URL of whichever server is current. */
  get url(): string {
    if (this.forwarder === undefined) {
      throw new Error('FreshTessera.start() has not run');
    }
    return this.forwarder.url;
  }

  /** This interaction's Tessera. */
  get current(): SeededTessera {
    if (this.seeded === undefined) {
      throw new Error('No Tessera is running: the reset before this interaction failed.');
    }
    return this.seeded;
  }

  /**
   * Starts the forwarder and a first Tessera. Call it from a `before` hook: when the target is
   * PostgreSQL and it does not answer, the suite is skipped (or fails with
   * `TESSERA_REQUIRE_POSTGRES=1`), as the other database suites are.
   */
  async start(context: Mocha.Context): Promise<void> {
    this.context = context;
    this.forwarder = await startForwarder();
    await this.reset();
  }

  /** Stops the current server, drops its database, and starts a fresh, seeded one. */
  async reset(): Promise<SeededTessera> {
    await this.stopCurrent();
    if (this.context === undefined || this.forwarder === undefined) {
      throw new Error('FreshTessera.start() has not run');
    }

    const database = new TestDatabase(this.target);
    await database.create(this.context);
    this.database = database;
    const server = await startTestServer(database.config, { env: SERVER_ENV });
    this.seeded = await seedSandbox(server);
    this.forwarder.target = server.url;
    return this.seeded;
  }

  /** The responses that broke the contract since the last call, on every server so far. */
  takeContractMismatches(): ContractMismatch[] {
    const taken = [...this.mismatches, ...this.takeCurrentMismatches()];
    this.mismatches.length = 0;
    return taken;
  }

  async stop(): Promise<void> {
    await this.stopCurrent();
    await this.forwarder?.close();
    this.forwarder = undefined;
    await Promise.all(this.drops.splice(0));
  }

  private takeCurrentMismatches(): ContractMismatch[] {
    return this.seeded?.server.responseValidator?.takeMismatches() ?? [];
  }

  private async stopCurrent(): Promise<void> {
    const { seeded, database } = this;
    this.seeded = undefined;
    this.database = undefined;
    if (this.forwarder !== undefined) {
      this.forwarder.target = undefined;
    }
    if (seeded !== undefined) {
      this.mismatches.push(...(seeded.server.responseValidator?.takeMismatches() ?? []));
      await seeded.server.shutdown();
    }
    if (database !== undefined) {
      const dropped = database.drop();
      dropped.catch(() => undefined); // reported by stop(), which awaits it
      this.drops.push(dropped);
    }
  }
}

/** Seeds the sandbox as `main.ts` does, and authenticates its two credentials. */
async function seedSandbox(server: TestServer): Promise<SeededTessera> {
  const seed = await server.services.seed.seedSandbox(server.publicBaseUrl);
  if (seed === null) {
    throw new Error('The sandbox was not seeded: is SANDBOX off?');
  }

  // The server's own authentication, so the principals are exactly what a request would carry.
  const auth = new AuthService(server.services.catalogue, undefined);
  const login = ({ username, password }: { username: string; password: string }) =>
    auth.authenticateBasic(username, password, '127.0.0.1');
  const [reseller, merchant] = await Promise.all([login(seed.reseller), login(seed.merchant)]);
  return {
    server,
    seed,
    reseller: expectKind(reseller, 'reseller'),
    merchant: expectKind(merchant, 'merchant'),
  };
}

function expectKind<K extends Principal['kind']>(
  principal: Principal,
  kind: K,
): Extract<Principal, { kind: K }> {
  if (principal.kind !== kind) {
    throw new Error(`The sandbox credential is a ${principal.kind}'s, not a ${kind}'s`);
  }
  return principal as Extract<Principal, { kind: K }>;
}
