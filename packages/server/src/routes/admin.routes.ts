import type { components, operations } from '../generated/contract';
import type { OperationContext, OperationHandler } from '../http/operation-router';
import { reportHandlers } from '../reports/report.routes';
import type { Services } from '../services';
import { bodyOf, pathParam, queryOf } from './responses';

type Schemas = components['schemas'];
type SearchQuery = NonNullable<operations['searchEntitlements']['parameters']['query']>;

/** Answers 201 with what was created. */
function created(ctx: OperationContext, body: unknown): void {
  ctx.status = 201;
  ctx.body = body;
}

/**
 * Handlers of the admin API (`/admin/v1`) for parties, catalogue, credentials and entitlement
 * search, and the reports (src/reports/). Notification deliveries, endpoints and replays come
 * with issue #5.
 */
export function adminHandlers(services: Services): Record<string, OperationHandler> {
  const { catalogue } = services;
  const key = (ctx: OperationContext, name: string) => pathParam(ctx, name);

  return {
    listResellers: async (ctx) => {
      ctx.body = { items: await catalogue.listResellers() };
    },
    createReseller: async (ctx) => {
      created(ctx, await catalogue.createReseller(bodyOf<Schemas['ResellerInput']>(ctx)));
    },
    getReseller: async (ctx) => {
      ctx.body = await catalogue.getReseller(key(ctx, 'resellerKey'));
    },
    updateReseller: async (ctx) => {
      const input = bodyOf<Schemas['ResellerInput']>(ctx);
      ctx.body = await catalogue.updateReseller(key(ctx, 'resellerKey'), input);
    },
    rotateResellerSigningSecret: async (ctx) => {
      ctx.body = await catalogue.rotateSigningSecret(key(ctx, 'resellerKey'));
    },
    listMerchants: async (ctx) => {
      ctx.body = { items: await catalogue.listMerchants() };
    },
    createMerchant: async (ctx) => {
      created(ctx, await catalogue.createMerchant(bodyOf<Schemas['MerchantInput']>(ctx)));
    },
    getMerchant: async (ctx) => {
      ctx.body = await catalogue.getMerchant(key(ctx, 'merchantAccountKey'));
    },
    updateMerchant: async (ctx) => {
      const input = bodyOf<Schemas['MerchantInput']>(ctx);
      ctx.body = await catalogue.updateMerchant(key(ctx, 'merchantAccountKey'), input);
    },
    listProducts: async (ctx) => {
      ctx.body = { items: await catalogue.listProducts() };
    },
    createProduct: async (ctx) => {
      created(ctx, await catalogue.createProduct(bodyOf<Schemas['ProductInput']>(ctx)));
    },
    listRoutes: async (ctx) => {
      ctx.body = { items: await catalogue.listRoutes() };
    },
    createRoute: async (ctx) => {
      created(ctx, await catalogue.createRoute(bodyOf<Schemas['RouteInput']>(ctx)));
    },
    getRoute: async (ctx) => {
      ctx.body = await catalogue.getRoute(key(ctx, 'routeId'));
    },
    updateRoute: async (ctx) => {
      const input = bodyOf<Schemas['RouteInput']>(ctx);
      ctx.body = await catalogue.updateRoute(key(ctx, 'routeId'), input);
    },
    listCredentials: async (ctx) => {
      ctx.body = { items: await catalogue.listCredentials() };
    },
    issueCredential: async (ctx) => {
      created(ctx, await catalogue.issueCredential(bodyOf<Schemas['CredentialInput']>(ctx)));
    },
    revokeCredential: async (ctx) => {
      ctx.body = await catalogue.revokeCredential(key(ctx, 'credentialId'));
    },
    searchEntitlements: async (ctx) => {
      const query = queryOf<SearchQuery & { limit: number }>(ctx);
      ctx.body = await catalogue.searchEntitlements(query);
    },
    // getSummaryReport, exportEntitlementReport: src/reports/.
    ...reportHandlers(services),
  };
}
