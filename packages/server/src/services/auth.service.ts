import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

import type { MerchantPrincipal, Principal, ResellerPrincipal } from '../domain/principals';
import { UnauthorizedProblem } from '../errors/http-problems';
import { isIpAllowed } from '../security/ip-allow-list';
import { hashSecret, verifySecret } from '../security/secret-hash';
import { hasNulCharacter } from '../util/nul-character';

/** A credential as authentication needs it. */
export interface CredentialForAuth {
  id: string;
  ownerType: 'RESELLER' | 'MERCHANT';
  secretHash: string;
  allowedIps: string[];
  revokedAt: Date | null;
  reseller?: { id: string; resellerKey: string; sandbox: boolean };
  merchant?: { id: string; merchantAccountKey: string };
}

/** Where credentials are looked up (the catalogue service). */
export interface CredentialLookup {
  findCredentialByUsername(username: string): Promise<CredentialForAuth | null>;
}

/** Tuning of {@link AuthService}. */
export interface AuthOptions {
  /** How long a verified username+password pair skips scrypt; 0 disables the cache. */
  verifiedCacheMs: number;
  now: () => number;
}

const DEFAULTS: AuthOptions = { verifiedCacheMs: 60_000, now: Date.now };
const MAX_CACHED = 10_000;

/** Thrown-on-failure detail; the same for every bad credential so nothing leaks. */
const INVALID = 'The username or password is wrong, or the credential was revoked.';

/**
 * Authenticates HTTP Basic credentials of resellers and merchants, and the operator's bearer
 * token.
 */
export class AuthService {
  private readonly options: AuthOptions;
  private dummyHash: Promise<string> | undefined;
  /**
   * Verified pairs: sha256(username, password) → the secret hash it was verified against and
   * when that stops counting. scrypt costs ~50 ms of CPU by design, which would cap a busy
   * reseller at ~20 requests per second per core; remembering a successful verification for
   * a minute avoids that. The credential row is still read on every request, so a revoked or
   * re-keyed credential stops working at once; only the hash is cached, never the password.
   */
  private readonly verified = new Map<string, { secretHash: string; until: number }>();
  private readonly cacheSecret = randomBytes(32);

  constructor(
    private readonly credentials: CredentialLookup,
    private readonly adminToken: string | undefined,
    options: Partial<AuthOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /**
   * The principal of a valid, unrevoked credential called from an allowed address.
   *
   * @throws UnauthorizedProblem otherwise.
   */
  async authenticateBasic(username: string, password: string, ip: string): Promise<Principal> {
    // No username holds a NUL, and PostgreSQL cannot even be asked about one (see nul-character).
    const credential = hasNulCharacter(username)
      ? null
      : await this.credentials.findCredentialByUsername(username);
    const valid = await this.verify(username, password, credential);
    if (credential === null || !valid || credential.revokedAt !== null) {
      throw new UnauthorizedProblem(INVALID);
    }

    if (!isIpAllowed(ip, credential.allowedIps)) {
      throw new UnauthorizedProblem(`This credential may not be used from ${ip}.`);
    }
    return toPrincipal(credential);
  }

  /** Whether `token` is the configured admin token (constant time); false when none is set. */
  isAdminToken(token: string): boolean {
    if (this.adminToken === undefined) {
      return false;
    }
    // Comparing digests keeps the comparison constant-time whatever the lengths.
    return timingSafeEqual(digest(token), digest(this.adminToken));
  }

  /** Whether the admin API is enabled at all. */
  get adminEnabled(): boolean {
    return this.adminToken !== undefined;
  }

  private async verify(
    username: string,
    password: string,
    credential: CredentialForAuth | null,
  ): Promise<boolean> {
    if (credential === null) {
      // Pay for a verification anyway, so the answer time does not reveal unknown usernames.
      await verifySecret(password, await this.dummy());
      return false;
    }

    const cacheKey = this.cacheKey(username, password);
    const cached = this.verified.get(cacheKey);
    const now = this.options.now();
    if (cached !== undefined && cached.until > now && cached.secretHash === credential.secretHash) {
      return true;
    }

    const valid = await verifySecret(password, credential.secretHash);
    if (valid && this.options.verifiedCacheMs > 0) {
      this.remember(cacheKey, credential.secretHash, now);
    }
    return valid;
  }

  /** A keyed hash, so that a memory dump does not hold fast-to-crack password digests. */
  private cacheKey(username: string, password: string): string {
    return createHmac('sha256', this.cacheSecret)
      .update(`${username}\u0000${password}`)
      .digest('base64');
  }

  private remember(cacheKey: string, secretHash: string, now: number): void {
    if (this.verified.size >= MAX_CACHED) {
      // Bounded memory: dropping everything is crude but only costs a few verifications.
      this.verified.clear();
    }
    this.verified.set(cacheKey, { secretHash, until: now + this.options.verifiedCacheMs });
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= hashSecret('no such credential');
    return this.dummyHash;
  }
}

function toPrincipal(credential: CredentialForAuth): Principal {
  if (credential.ownerType === 'RESELLER' && credential.reseller !== undefined) {
    const { id, resellerKey, sandbox } = credential.reseller;
    return {
      kind: 'reseller',
      resellerId: id,
      resellerKey,
      sandbox,
      credentialId: credential.id,
    } satisfies ResellerPrincipal;
  }
  if (credential.ownerType === 'MERCHANT' && credential.merchant !== undefined) {
    const { id, merchantAccountKey } = credential.merchant;
    return {
      kind: 'merchant',
      merchantId: id,
      merchantAccountKey,
      credentialId: credential.id,
    } satisfies MerchantPrincipal;
  }
  throw new UnauthorizedProblem(INVALID);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
