import type { Transactions, Tx } from '../database/transaction';
import type { Clock } from '../domain/clock';
import type { Merchant, Reseller, Route } from '../entities';
import { NotFoundProblem } from '../errors/http-problems';
import type { components, operations } from '../generated/contract';
import { newSigningSecret, SIGNING_SECRET_OVERLAP_MS } from '../notifications/signing';
import type { CredentialRepository } from '../repositories/credential.repository';
import type { EntitlementRepository } from '../repositories/entitlement.repository';
import type { MerchantRepository } from '../repositories/merchant.repository';
import type { ProductRepository } from '../repositories/product.repository';
import type { ResellerRepository } from '../repositories/reseller.repository';
import type { RouteRepository } from '../repositories/route.repository';
import type { CredentialForAuth } from './auth.service';
import { assertDefaultNotificationUrl, findMerchant, findReseller } from './catalogue-checks';
import {
  type CatalogueInsert,
  CatalogueCreation,
  type CataloguePlan,
  type FixedLogin,
} from './catalogue-creation';
import {
  type CredentialResource,
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
import type { NotificationUrlCheck } from './entitlement-deps';
import { type AdminEntitlement, toAdminEntitlement } from './entitlement-views';
import { decodeCursor, toPage } from './paging';
import { receiverAuthFrom } from './receiver-auth';

type Schemas = components['schemas'];
/**
 * The JSON body an operation takes, as the contract says. Update bodies are sparse: `Partial`
 * keeps them so whichever schema the contract names for the PATCH.
 */
type JsonBody<Op extends keyof operations> = operations[Op] extends {
  requestBody?: { content: { 'application/json': infer Body } };
}
  ? Body
  : never;
export type ResellerInput = Schemas['ResellerInput'];
export type ResellerUpdate = Partial<JsonBody<'updateReseller'>>;
export type MerchantInput = Schemas['MerchantInput'];
export type MerchantUpdate = Partial<JsonBody<'updateMerchant'>>;
export type ProductInput = Schemas['ProductInput'];
export type RouteInput = Schemas['RouteInput'];
export type RouteUpdate = Partial<JsonBody<'updateRoute'>>;
export type CredentialInput = Schemas['CredentialInput'];
export type IssuedCredential = Schemas['IssuedCredential'];
export type SigningSecret = Schemas['SigningSecret'];

/** Filters and page of the operator's entitlement search. */
export interface EntitlementSearchQuery {
  entitlementId?: string;
  customerIdentifier?: string;
  merchantEntitlementId?: string;
  resellerKey?: string;
  cursor?: string;
  limit: number;
}

/** What the catalogue service needs. */
export interface CatalogueDeps {
  transactions: Transactions;
  resellers: ResellerRepository;
  merchants: MerchantRepository;
  products: ProductRepository;
  routes: RouteRepository;
  credentials: CredentialRepository;
  entitlements: EntitlementRepository;
  urlGuard: NotificationUrlCheck;
  clock: Clock;
}

/**
 * The operator's catalogue: resellers, merchants, products, routes and API credentials.
 * Secrets (credential passwords, receiver auth) are never returned, except a credential's
 * password once, when it is issued.
 */
export class CatalogueService {
  private readonly creation: CatalogueCreation;

  constructor(private readonly deps: CatalogueDeps) {
    this.creation = new CatalogueCreation(deps);
  }

  async listResellers(): Promise<ResellerResource[]> {
    const resellers = await this.read((tx) => this.deps.resellers.list(tx));
    return resellers.map(toResellerResource);
  }

  async getReseller(resellerKey: string): Promise<ResellerResource> {
    return toResellerResource(await this.read((tx) => this.reseller(tx, resellerKey)));
  }

  /** Adds a reseller with a fresh notification signing secret. */
  async createReseller(input: ResellerInput): Promise<ResellerResource> {
    return this.insert(await this.creation.reseller(input));
  }

  /** A sparse update; the key cannot change. */
  async updateReseller(resellerKey: string, input: ResellerUpdate): Promise<ResellerResource> {
    const current = await this.read((tx) => this.reseller(tx, resellerKey));
    const sandbox = input.sandbox ?? current.sandbox;
    await assertDefaultNotificationUrl(this.deps.urlGuard, input.defaultNotificationUrl, sandbox);

    const saved = await this.deps.transactions.run(async (tx) => {
      const reseller = await this.reseller(tx, resellerKey);
      reseller.name = input.name ?? reseller.name;
      reseller.sandbox = sandbox;
      if (input.defaultNotificationUrl !== undefined) {
        reseller.defaultNotificationUrl = input.defaultNotificationUrl;
      }
      if (input.notificationAuth !== undefined) {
        const auth = receiverAuthFrom(
          input.notificationAuth,
          reseller.notificationAuth,
          'notificationAuth',
        );
        reseller.notificationAuth = auth;
      }
      return this.deps.resellers.save(tx, reseller);
    });
    return toResellerResource(saved);
  }

  /** A new signing secret, returned once; the old one keeps signing for 7 days. */
  async rotateSigningSecret(resellerKey: string): Promise<SigningSecret> {
    return this.deps.transactions.run(async (tx) => {
      const reseller = await this.reseller(tx, resellerKey);
      const validUntil = new Date(this.deps.clock.now().getTime() + SIGNING_SECRET_OVERLAP_MS);
      reseller.previousSigningSecret = reseller.signingSecret;
      reseller.previousSecretValidUntil = validUntil;
      reseller.signingSecret = newSigningSecret();
      await this.deps.resellers.save(tx, reseller);
      return { secret: reseller.signingSecret, previousSecretValidUntil: validUntil.toISOString() };
    });
  }

  async listMerchants(): Promise<MerchantResource[]> {
    const merchants = await this.read((tx) => this.deps.merchants.list(tx));
    return merchants.map(toMerchantResource);
  }

  async getMerchant(merchantAccountKey: string): Promise<MerchantResource> {
    return toMerchantResource(await this.read((tx) => this.merchant(tx, merchantAccountKey)));
  }

  async createMerchant(input: MerchantInput): Promise<MerchantResource> {
    return this.insert(await this.creation.merchant(input));
  }

  /** A sparse update; the key cannot change. */
  async updateMerchant(
    merchantAccountKey: string,
    input: MerchantUpdate,
  ): Promise<MerchantResource> {
    const saved = await this.deps.transactions.run(async (tx) => {
      const merchant = await this.merchant(tx, merchantAccountKey);
      merchant.name = input.name ?? merchant.name;
      merchant.sandbox = input.sandbox ?? merchant.sandbox;
      merchant.callbackUrls = input.callbackUrls ?? merchant.callbackUrls;
      merchant.callbackTimeoutMs = input.callbackTimeoutMs ?? merchant.callbackTimeoutMs;
      if (input.callbackAuth !== undefined) {
        merchant.callbackAuth = receiverAuthFrom(
          input.callbackAuth,
          merchant.callbackAuth,
          'callbackAuth',
        );
      }
      return this.deps.merchants.save(tx, merchant);
    });
    return toMerchantResource(saved);
  }

  async listProducts(): Promise<ProductResource[]> {
    const products = await this.read((tx) => this.deps.products.list(tx));
    return products.map((product) => toProductResource(product, product.merchant as Merchant));
  }

  async createProduct(input: ProductInput): Promise<ProductResource> {
    return this.insert(this.creation.product(input));
  }

  async listRoutes(): Promise<RouteResource[]> {
    const routes = await this.read((tx) => this.deps.routes.list(tx));
    return routes.map(routeResource);
  }

  async getRoute(routeId: string): Promise<RouteResource> {
    return routeResource(await this.read((tx) => this.route(tx, routeId)));
  }

  /** Pairs a reseller with a merchant; one route per pair. */
  async createRoute(input: RouteInput): Promise<RouteResource> {
    return this.insert(this.creation.route(input));
  }

  /** A sparse update; its parties cannot change, and entitlements keep their state. */
  async updateRoute(routeId: string, input: RouteUpdate): Promise<RouteResource> {
    return this.deps.transactions.run(async (tx) => {
      const route = await this.route(tx, routeId);
      const { reseller, merchant } = route as Route & { reseller: Reseller; merchant: Merchant };
      if (input.productKeys !== undefined) {
        await this.creation.assertProductsOf(tx, merchant, input.productKeys);
        route.productKeys = input.productKeys;
      }
      route.maxLivePerCustomer = input.maxLiveEntitlementsPerCustomer ?? route.maxLivePerCustomer;
      route.shareCustomerIdentifier =
        input.shareCustomerIdentifier ?? route.shareCustomerIdentifier;
      route.routeExtensionData = input.routeExtensionData ?? route.routeExtensionData;
      route.supportedOperations = input.supportedOperations ?? route.supportedOperations;
      await this.deps.routes.save(tx, route);
      return toRouteResource(route, reseller, merchant);
    });
  }

  async listCredentials(): Promise<CredentialResource[]> {
    const credentials = await this.read((tx) => this.deps.credentials.list(tx));
    return credentials.map(toCredentialResource);
  }

  /**
   * Issues an HTTP Basic credential. The password is generated (unless `fixed`, for the
   * sandbox seed), stored hashed, and returned this once.
   */
  async issueCredential(input: CredentialInput, fixed?: FixedLogin): Promise<IssuedCredential> {
    return this.insert(await this.creation.credential(input, fixed));
  }

  /**
   * Creates everything in `plan` in one transaction: all of it, or (on any failure, a key
   * already taken included) none of it.
   */
  async createAll(plan: CataloguePlan): Promise<void> {
    const inserts = await this.creation.plan(plan);
    await this.deps.transactions.run(async (tx) => {
      for (const insert of inserts) {
        await insert(tx);
      }
    });
  }

  /** Revokes a credential at once; revoking it again changes nothing. */
  async revokeCredential(credentialId: string): Promise<CredentialResource> {
    return this.deps.transactions.run(async (tx) => {
      const credential = await this.deps.credentials.findById(tx, credentialId);
      if (credential === null) {
        throw new NotFoundProblem(`No credential ${credentialId}.`);
      }
      if (credential.revokedAt === null) {
        credential.revokedAt = this.deps.clock.now();
        await this.deps.credentials.save(tx, credential);
      }
      return toCredentialResource(credential);
    });
  }

  /** A credential as authentication needs it, or null. */
  async findCredentialByUsername(username: string): Promise<CredentialForAuth | null> {
    const credential = await this.read((tx) => this.deps.credentials.findByUsername(tx, username));
    if (credential === null) {
      return null;
    }
    const { reseller, merchant } = credential;
    return {
      id: credential.id,
      ownerType: credential.ownerType,
      secretHash: credential.secretHash,
      allowedIps: credential.allowedIps,
      revokedAt: credential.revokedAt,
      ...(reseller ? { reseller: pick(reseller, ['id', 'resellerKey', 'sandbox']) } : {}),
      ...(merchant ? { merchant: pick(merchant, ['id', 'merchantAccountKey']) } : {}),
    };
  }

  /** Entitlements across resellers, oldest first, for operators. */
  async searchEntitlements(
    query: EntitlementSearchQuery,
  ): Promise<{ entitlements: AdminEntitlement[]; nextCursor: string | null }> {
    const { cursor, limit, ...filter } = query;
    const after = decodeCursor(cursor);
    const rows = await this.read((tx) => this.deps.entitlements.page(tx, filter, after, limit + 1));
    const page = toPage(rows, limit, toAdminEntitlement);
    return { entitlements: page.items, nextCursor: page.nextCursor };
  }

  /** Whether the catalogue has no reseller and no merchant yet (a fresh install). */
  async isEmpty(): Promise<boolean> {
    return this.read(async (tx) => {
      const parties = (await this.deps.resellers.count(tx)) + (await this.deps.merchants.count(tx));
      return parties === 0;
    });
  }

  private read<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.deps.transactions.read(work);
  }

  private insert<T>(insert: CatalogueInsert<T>): Promise<T> {
    return this.deps.transactions.run(insert);
  }

  private reseller(tx: Tx, resellerKey: string): Promise<Reseller> {
    return findReseller(tx, this.deps.resellers, resellerKey);
  }

  private merchant(tx: Tx, merchantAccountKey: string): Promise<Merchant> {
    return findMerchant(tx, this.deps.merchants, merchantAccountKey);
  }

  private async route(tx: Tx, routeId: string): Promise<Route> {
    const route = await this.deps.routes.findById(tx, routeId);
    if (route === null) {
      throw new NotFoundProblem(`No route ${routeId}.`);
    }
    return route;
  }
}

function routeResource(route: Route): RouteResource {
  return toRouteResource(route, route.reseller as Reseller, route.merchant as Merchant);
}

function pick<T extends object, K extends keyof T>(value: T, keys: K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((key) => [key, value[key]])) as Pick<T, K>;
}
