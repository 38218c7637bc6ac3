import { randomBytes, randomUUID } from 'node:crypto';

import ipaddr from 'ipaddr.js';

import type { Tx } from '../database/transaction';
import { Credential, Merchant, Product, Reseller, Route } from '../entities';
import type { CredentialOwnerType } from '../entities/credential.entity';
import { ROUTE_OPERATIONS } from '../entities/route.entity';
import { BadRequestProblem } from '../errors/http-problems';
import { newSigningSecret } from '../notifications/signing';
import { generateSecret, hashSecret } from '../security/secret-hash';
import {
  assertDefaultNotificationUrl,
  findMerchant,
  findReseller,
  insertOrConflict,
} from './catalogue-checks';
import type {
  CatalogueDeps,
  CredentialInput,
  IssuedCredential,
  MerchantInput,
  ProductInput,
  ResellerInput,
  RouteInput,
} from './catalogue.service';
import {
  type MerchantResource,
  type ProductResource,
  type ResellerResource,
  type RouteResource,
  toCredentialResource,
  toMerchantResource,
  toProductResource,
  toResellerResource,
  toRouteResource,
} from './catalogue-views';
import { receiverAuthFrom } from './receiver-auth';

/**
 * One catalogue entry ready to be inserted in a transaction: what is slow (address checks,
 * password hashing) is done beforehand, so that the transaction holds no lock while it runs.
 * The key being taken, also by a concurrent create, is 409.
 */
export type CatalogueInsert<T> = (tx: Tx) => Promise<T>;

/** A username and password chosen by the caller (the sandbox seed) rather than generated. */
export interface FixedLogin {
  username: string;
  password: string;
}

/** Catalogue entries to create together; see {@link CatalogueCreation.plan}. */
export interface CataloguePlan {
  resellers?: ResellerInput[];
  merchants?: MerchantInput[];
  products?: ProductInput[];
  routes?: RouteInput[];
  credentials?: { input: CredentialInput; fixed?: FixedLogin }[];
}

/** Operations a new route supports unless told otherwise: all but merchant suspends. */
const DEFAULT_OPERATIONS = ROUTE_OPERATIONS.filter((operation) => operation !== 'MERCHANT_SUSPEND');

const DEFAULT_CALLBACK_TIMEOUT_MS = 5000;

/** Builds the inserts of new resellers, merchants, products, routes and credentials. */
export class CatalogueCreation {
  constructor(private readonly deps: CatalogueDeps) {}

  /**
   * Every insert of `plan`, parties first, then products, routes and credentials, so that
   * each finds what the ones before it added in the same transaction.
   */
  async plan(plan: CataloguePlan): Promise<CatalogueInsert<unknown>[]> {
    const resellers = await Promise.all((plan.resellers ?? []).map((one) => this.reseller(one)));
    const merchants = await Promise.all((plan.merchants ?? []).map((one) => this.merchant(one)));
    const credentials = await Promise.all(
      (plan.credentials ?? []).map(({ input, fixed }) => this.credential(input, fixed)),
    );
    return [
      ...resellers,
      ...merchants,
      ...(plan.products ?? []).map((one) => this.product(one)),
      ...(plan.routes ?? []).map((one) => this.route(one)),
      ...credentials,
    ];
  }

  /** A reseller with a fresh notification signing secret. */
  async reseller(input: ResellerInput): Promise<CatalogueInsert<ResellerResource>> {
    const sandbox = input.sandbox ?? false;
    await assertDefaultNotificationUrl(this.deps.urlGuard, input.defaultNotificationUrl, sandbox);
    const notificationAuth = input.notificationAuth ?? { type: 'NONE' };
    const reseller = Object.assign(new Reseller(), {
      id: randomUUID(),
      resellerKey: input.resellerKey,
      name: input.name,
      sandbox,
      defaultNotificationUrl: input.defaultNotificationUrl ?? null,
      notificationAuth: receiverAuthFrom(notificationAuth, undefined, 'notificationAuth'),
      signingSecret: newSigningSecret(),
      previousSigningSecret: null,
      previousSecretValidUntil: null,
      clockOffsetMs: 0,
      lastEventSequence: 0,
      createdAt: this.deps.clock.now(),
    } satisfies Reseller);

    return async (tx) => {
      const conflict = `A reseller ${reseller.resellerKey} exists already.`;
      await insertOrConflict(this.deps.resellers.insert(tx, reseller), conflict);
      return toResellerResource(reseller);
    };
  }

  async merchant(input: MerchantInput): Promise<CatalogueInsert<MerchantResource>> {
    const callbackAuth = input.callbackAuth ?? { type: 'NONE' };
    const merchant = Object.assign(new Merchant(), {
      id: randomUUID(),
      merchantAccountKey: input.merchantAccountKey,
      name: input.name,
      sandbox: input.sandbox ?? false,
      callbackUrls: input.callbackUrls ?? {},
      callbackAuth: receiverAuthFrom(callbackAuth, undefined, 'callbackAuth'),
      callbackTimeoutMs: input.callbackTimeoutMs ?? DEFAULT_CALLBACK_TIMEOUT_MS,
      createdAt: this.deps.clock.now(),
    } satisfies Merchant);

    return async (tx) => {
      const conflict = `A merchant ${merchant.merchantAccountKey} exists already.`;
      await insertOrConflict(this.deps.merchants.insert(tx, merchant), conflict);
      return toMerchantResource(merchant);
    };
  }

  product(input: ProductInput): CatalogueInsert<ProductResource> {
    return async (tx) => {
      const merchant = await findMerchant(tx, this.deps.merchants, input.merchantAccountKey);
      const product = Object.assign(new Product(), {
        id: randomUUID(),
        productKey: input.productKey,
        merchantId: merchant.id,
        name: input.name,
        createdAt: this.deps.clock.now(),
      } satisfies Product);
      const conflict = `A product ${input.productKey} exists already.`;
      await insertOrConflict(this.deps.products.insert(tx, product), conflict);
      return toProductResource(product, merchant);
    };
  }

  /** Pairs a reseller with a merchant; one route per pair. */
  route(input: RouteInput): CatalogueInsert<RouteResource> {
    const { resellerKey, merchantAccountKey } = input;
    return async (tx) => {
      const reseller = await findReseller(tx, this.deps.resellers, resellerKey);
      const merchant = await findMerchant(tx, this.deps.merchants, merchantAccountKey);
      await this.assertProductsOf(tx, merchant, input.productKeys);
      const route = Object.assign(new Route(), {
        id: randomUUID(),
        resellerId: reseller.id,
        merchantId: merchant.id,
        productKeys: input.productKeys,
        maxLivePerCustomer: input.maxLiveEntitlementsPerCustomer ?? 1,
        shareCustomerIdentifier: input.shareCustomerIdentifier ?? false,
        routeExtensionData: input.routeExtensionData ?? {},
        supportedOperations: input.supportedOperations ?? DEFAULT_OPERATIONS,
        createdAt: this.deps.clock.now(),
      } satisfies Route);
      const conflict = `A route from ${resellerKey} to ${merchantAccountKey} exists already.`;
      await insertOrConflict(this.deps.routes.insert(tx, route), conflict);
      return toRouteResource(route, reseller, merchant);
    };
  }

  /**
   * An HTTP Basic credential. The password is generated (unless `fixed`), stored hashed, and
   * returned this once.
   */
  async credential(
    input: CredentialInput,
    fixed?: FixedLogin,
  ): Promise<CatalogueInsert<IssuedCredential>> {
    const allowedIps = input.allowedIps ?? [];
    allowedIps.forEach(assertIpOrRange);
    const password = fixed?.password ?? generateSecret();
    const secretHash = await hashSecret(password);

    return async (tx) => {
      const owner = await this.owner(tx, input.ownerType, input.ownerKey);
      const credential = Object.assign(new Credential(), {
        id: randomUUID(),
        ownerType: input.ownerType,
        resellerId: owner.reseller?.id ?? null,
        merchantId: owner.merchant?.id ?? null,
        username: fixed?.username ?? newUsername(input.ownerKey),
        secretHash,
        allowedIps,
        createdAt: this.deps.clock.now(),
        revokedAt: null,
      } satisfies Credential);
      const conflict = `A credential ${credential.username} exists already.`;
      await insertOrConflict(this.deps.credentials.insert(tx, credential), conflict);
      return { ...toCredentialResource(Object.assign(credential, owner)), password };
    };
  }

  private async owner(tx: Tx, ownerType: CredentialOwnerType, ownerKey: string) {
    return ownerType === 'RESELLER'
      ? { reseller: await findReseller(tx, this.deps.resellers, ownerKey), merchant: null }
      : { reseller: null, merchant: await findMerchant(tx, this.deps.merchants, ownerKey) };
  }

  /** 400 naming the products of `productKeys` that `merchant` does not have. */
  async assertProductsOf(tx: Tx, merchant: Merchant, productKeys: string[]): Promise<void> {
    const known = await this.deps.products.keysOfMerchant(tx, merchant.id);
    const unknown = productKeys.filter((key) => !known.includes(key));
    if (unknown.length > 0) {
      throw new BadRequestProblem(
        `Merchant ${merchant.merchantAccountKey} has no product ${unknown.join(', ')}.`,
        { errors: [{ field: 'productKeys', message: `unknown: ${unknown.join(', ')}` }] },
      );
    }
  }
}

function assertIpOrRange(entry: string): void {
  if (!ipaddr.isValid(entry) && !ipaddr.isValidCIDR(entry)) {
    throw new BadRequestProblem(`${entry} is not an IP address or CIDR range.`, {
      errors: [{ field: 'allowedIps', message: `${entry} is not an IP address or CIDR range` }],
    });
  }
}

/** A readable, unique username: the owner's key and a random suffix. */
function newUsername(ownerKey: string): string {
  return `${ownerKey.toLowerCase().replace(/_/g, '-')}-${randomBytes(4).toString('hex')}`;
}
