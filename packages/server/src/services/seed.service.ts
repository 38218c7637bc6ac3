import type { SandboxSeedConfig } from '../config/config';
import { ROUTE_OPERATIONS } from '../entities/route.entity';
import { ConflictProblem } from '../errors/http-problems';
import type { CallbackOperation } from '../merchants/merchant-gateway';
import type { CataloguePlan } from './catalogue-creation';
import type { CatalogueService, RouteInput } from './catalogue.service';

/** Where the simulated merchant is mounted on this server; its callbacks live below. */
export const SANDBOX_MERCHANT_PATH = '/sandbox/merchant/tessera';

/** The seeded sandbox catalogue's keys and usernames. */
export const SANDBOX = {
  resellerKey: 'DEMO_TELCO',
  merchantAccountKey: 'DEMO_MUSIC',
  resellerUsername: 'sandbox-reseller',
  merchantUsername: 'sandbox-merchant',
  callbackUsername: 'tessera',
  /** Activates synchronously. */
  syncProductKey: 'MUSIC',
  /** Needs the user to sign up at the merchant. */
  signUpProductKey: 'MUSIC_PREMIUM',
} as const;

/** What the start banner shows of the sandbox. */
export interface SandboxSeed {
  /** Whether this start created it (false: it was there already). */
  created: boolean;
  resellerKey: string;
  merchantAccountKey: string;
  reseller: { username: string; password: string };
  merchant: { username: string; password: string };
}

/** The simulated merchant's callback URLs: the contract's suggested paths below its mount. */
export function sandboxCallbackUrls(publicBaseUrl: string): Record<CallbackOperation, string> {
  const base = `${publicBaseUrl.replace(/\/+$/, '')}${SANDBOX_MERCHANT_PATH}/entitlements`;
  const one = `${base}/{merchantEntitlementId}`;
  return {
    create: base,
    activationInfo: `${one}/activationInfo`,
    update: one,
    suspend: `${one}/suspend`,
    resume: `${one}/resume`,
    terminate: `${one}/terminate`,
  };
}

/** The seeded route: both products, every operation, one live entitlement per customer. */
const SANDBOX_ROUTE: RouteInput = {
  resellerKey: SANDBOX.resellerKey,
  merchantAccountKey: SANDBOX.merchantAccountKey,
  productKeys: [SANDBOX.syncProductKey, SANDBOX.signUpProductKey],
  maxLiveEntitlementsPerCustomer: 1,
  shareCustomerIdentifier: false,
  supportedOperations: [...ROUTE_OPERATIONS],
};

/** Seeds the sandbox catalogue of a fresh install, so everything can be tried at once. */
export class SeedService {
  constructor(
    private readonly catalogue: CatalogueService,
    private readonly config: { sandbox: boolean; sandboxSeed: SandboxSeedConfig },
  ) {}

  /**
   * Creates the demo reseller, merchant, products, route and credentials, in one transaction,
   * when the sandbox is on and the catalogue is empty; idempotent. On every start it also
   * points the seeded merchant's callbacks at this server's simulated merchant under
   * `publicBaseUrl`. Returns what to show, or null when the sandbox is off or the catalogue
   * belongs to the operator.
   */
  async seedSandbox(publicBaseUrl: string): Promise<SandboxSeed | null> {
    if (!this.config.sandbox) {
      return null;
    }
    let created = false;
    if (await this.catalogue.isEmpty()) {
      try {
        await this.catalogue.createAll(this.plan(publicBaseUrl));
        created = true;
      } catch (error) {
        // Another instance on the same database is seeding at the same moment.
        if (!(error instanceof ConflictProblem)) {
          throw error;
        }
      }
    }
    if (!(await this.isSeeded())) {
      return null;
    }
    await this.followBaseUrl(publicBaseUrl);
    return this.describe(created);
  }

  private plan(publicBaseUrl: string): CataloguePlan {
    const { sandboxSeed } = this.config;
    const merchantAccountKey = SANDBOX.merchantAccountKey;
    return {
      resellers: [
        { resellerKey: SANDBOX.resellerKey, name: 'Demo Telco (sandbox)', sandbox: true },
      ],
      merchants: [
        {
          merchantAccountKey,
          name: 'Demo Music (simulated merchant)',
          sandbox: true,
          callbackUrls: sandboxCallbackUrls(publicBaseUrl),
          callbackAuth: {
            type: 'BASIC',
            username: SANDBOX.callbackUsername,
            password: sandboxSeed.callbackPassword,
          },
        },
      ],
      products: [
        { productKey: SANDBOX.syncProductKey, merchantAccountKey, name: 'Demo Music' },
        { productKey: SANDBOX.signUpProductKey, merchantAccountKey, name: 'Demo Music Premium' },
      ],
      routes: [SANDBOX_ROUTE],
      credentials: [
        {
          input: { ownerType: 'RESELLER', ownerKey: SANDBOX.resellerKey },
          fixed: { username: SANDBOX.resellerUsername, password: sandboxSeed.resellerPassword },
        },
        {
          input: { ownerType: 'MERCHANT', ownerKey: merchantAccountKey },
          fixed: { username: SANDBOX.merchantUsername, password: sandboxSeed.merchantPassword },
        },
      ],
    };
  }

  /**
   * Re-points those callback URLs of the seeded merchant that lead to a simulated merchant
   * under another base URL (this server started before on another port or host), so that the
   * sandbox keeps working; URLs an operator pointed elsewhere stay as they are.
   */
  private async followBaseUrl(publicBaseUrl: string): Promise<void> {
    const merchant = await this.catalogue.getMerchant(SANDBOX.merchantAccountKey);
    const callbackUrls = rebasedCallbackUrls(merchant.callbackUrls, publicBaseUrl);
    if (callbackUrls !== undefined) {
      await this.catalogue.updateMerchant(SANDBOX.merchantAccountKey, { callbackUrls });
    }
  }

  private async isSeeded(): Promise<boolean> {
    const login = await this.catalogue.findCredentialByUsername(SANDBOX.resellerUsername);
    return login?.reseller?.resellerKey === SANDBOX.resellerKey && login.revokedAt === null;
  }

  private describe(created: boolean): SandboxSeed {
    const { sandboxSeed } = this.config;
    return {
      created,
      resellerKey: SANDBOX.resellerKey,
      merchantAccountKey: SANDBOX.merchantAccountKey,
      reseller: { username: SANDBOX.resellerUsername, password: sandboxSeed.resellerPassword },
      merchant: { username: SANDBOX.merchantUsername, password: sandboxSeed.merchantPassword },
    };
  }
}

/**
 * `current` with every URL that is a simulated merchant's callback for its operation, under a
 * base URL other than `publicBaseUrl`, moved to `publicBaseUrl`; undefined when none is.
 */
export function rebasedCallbackUrls(
  current: Partial<Record<CallbackOperation, string>>,
  publicBaseUrl: string,
): Partial<Record<CallbackOperation, string>> | undefined {
  const wanted = sandboxCallbackUrls(publicBaseUrl);
  const paths = sandboxCallbackUrls('');
  let moved = false;
  const rebased = { ...current };
  for (const operation of Object.keys(wanted) as CallbackOperation[]) {
    const url = current[operation];
    if (url !== undefined && url !== wanted[operation] && isBaseUrl(url, paths[operation])) {
      rebased[operation] = wanted[operation];
      moved = true;
    }
  }
  return moved ? rebased : undefined;
}

/** Whether `url` is an http(s) base URL followed by exactly `path`. */
function isBaseUrl(url: string, path: string): boolean {
  if (!url.endsWith(path)) {
    return false;
  }
  try {
    const base = new URL(url.slice(0, -path.length));
    return ['http:', 'https:'].includes(base.protocol) && base.search === '' && base.hash === '';
  } catch {
    return false;
  }
}
