import { randomBytes, randomInt } from 'node:crypto';

import { EntitlementStatus } from '@tessera/merchant-client';

/** A callback answer, kept so that a retried create gets the same one. */
export interface Answer {
  status: number;
  body: object;
}

/** One subscription the demo merchant holds: its side of a Tessera entitlement. */
export interface Subscription {
  /** The demo merchant's own id (`dm_…`), returned to Tessera on create. */
  merchantEntitlementId: string;
  /** Tessera's id of the entitlement. */
  entitlementId: string;
  productKey: string;
  /** The merchant's view of the state, in the contract's vocabulary. */
  status: EntitlementStatus;
  sharedCustomerId: string;
  dateCreated: Date;
  dateActivated?: Date;
  /** When access ended, or will end while `ACTIVE-ENDING`. */
  dateEnded?: Date;
  /** The code the user enters, once one was handed out. */
  activationCode?: string;
  /** Whether the user was last given a code rather than a URL to activate. */
  activatesWithCode: boolean;
  /** Changes each time the subscription becomes `PENDING`; names that activation's key. */
  pendingId: string;
  /** The first answer to the create, replayed when Tessera retries it. */
  createAnswer?: Answer;
}

/** What a sign-up token leads to. */
export interface SignupLink {
  subscription: Subscription;
  expiresAt: Date;
}

/** The details a new subscription starts from. */
export type NewSubscription = Pick<
  Subscription,
  'entitlementId' | 'productKey' | 'sharedCustomerId' | 'dateCreated'
>;

/** Statuses after which nothing changes any more. */
export const ENDED_STATUSES: readonly EntitlementStatus[] = [
  EntitlementStatus.CANCELLED,
  EntitlementStatus.REVOKED,
  EntitlementStatus.FAILED,
];

// No 0/O or 1/I/L: people type these codes.
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** A random id, safe in URLs. */
export const randomId = (bytes: number): string => randomBytes(bytes).toString('base64url');

/** Marks a `PENDING` subscription active (a later one keeps its first activation date). */
export function markActive(subscription: Subscription, at: Date): void {
  if (subscription.status === EntitlementStatus.PENDING) {
    subscription.status = EntitlementStatus.ACTIVE;
    subscription.dateActivated ??= at;
  }
}

/** Marks a subscription as waiting for the user again, under a new activation key. */
export function markPending(subscription: Subscription): void {
  subscription.status = EntitlementStatus.PENDING;
  subscription.pendingId = randomId(6);
}

/**
 * Records the end of a subscription: a revoke (`immediate`) ends it now; a cancel ends it at
 * `terminationDate`, keeping access (`ACTIVE-ENDING`) until then.
 */
export function markEnded(
  subscription: Subscription,
  immediate: boolean,
  terminationDate: Date,
  now: Date,
): void {
  if (immediate) {
    subscription.status = EntitlementStatus.REVOKED;
    subscription.dateEnded = now;
    return;
  }

  const later = terminationDate.getTime() > now.getTime();
  subscription.status = later ? EntitlementStatus.ACTIVE_ENDING : EntitlementStatus.CANCELLED;
  subscription.dateEnded = terminationDate;
}

/**
 * The demo merchant's subscriptions and sign-up links, in memory only: a restart forgets them,
 * which is fine for a demo and would not be for a real merchant.
 */
export class SubscriptionStore {
  private readonly byMerchantId = new Map<string, Subscription>();
  private readonly byEntitlementId = new Map<string, Subscription>();
  private readonly byCode = new Map<string, Subscription>();
  private readonly signups = new Map<string, SignupLink>();

  /** Records a new `PENDING` subscription with a fresh merchant id. */
  create(details: NewSubscription): Subscription {
    const subscription: Subscription = {
      ...details,
      merchantEntitlementId: `dm_${randomId(9)}`,
      status: EntitlementStatus.PENDING,
      activatesWithCode: false,
      pendingId: randomId(6),
    };

    this.byMerchantId.set(subscription.merchantEntitlementId, subscription);
    this.byEntitlementId.set(subscription.entitlementId, subscription);
    return subscription;
  }

  /** The subscription with this merchant id. */
  get(merchantEntitlementId: string): Subscription | undefined {
    return this.byMerchantId.get(merchantEntitlementId);
  }

  /** The subscription of this Tessera entitlement. */
  findByEntitlementId(entitlementId: string): Subscription | undefined {
    return this.byEntitlementId.get(entitlementId);
  }

  /** The subscription an activation code was handed out for (codes are case-insensitive). */
  findByActivationCode(code: string): Subscription | undefined {
    return this.byCode.get(code.trim().toUpperCase());
  }

  /** Every subscription, oldest first. */
  all(): Subscription[] {
    return [...this.byMerchantId.values()];
  }

  /** The subscription's activation code, made up the first time it is asked for. */
  activationCodeFor(subscription: Subscription): string {
    subscription.activationCode ??= this.newCode();
    this.byCode.set(subscription.activationCode, subscription);
    return subscription.activationCode;
  }

  /** A new sign-up token for the subscription, valid until `expiresAt`. */
  issueSignupToken(subscription: Subscription, expiresAt: Date): string {
    const token = randomId(18);
    this.signups.set(token, { subscription, expiresAt });
    return token;
  }

  /** What a sign-up token leads to, expired or not. */
  signup(token: string): SignupLink | undefined {
    return this.signups.get(token);
  }

  private newCode(): string {
    const pick = () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
    const half = () => Array.from({ length: 4 }, pick).join('');
    let code = `${half()}-${half()}`;
    while (this.byCode.has(code)) {
      code = `${half()}-${half()}`;
    }
    return code;
  }
}
