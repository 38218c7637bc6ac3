import type { components, operations } from '../generated/contract';
import type { OperationContext, OperationHandler } from '../http/operation-router';
import type { Services } from '../services';
import {
  bodyOf,
  metaOf,
  OK,
  pathParam,
  principalOf,
  queryOf,
  sendMerchantEntitlement,
} from './responses';

type Schemas = components['schemas'];
type ListQuery = NonNullable<operations['listMerchantEntitlements']['parameters']['query']>;

const merchant = (ctx: OperationContext) => principalOf(ctx, 'merchant');

/** The merchant, the entitlement id of the path and the request's meta, for a change. */
function target(ctx: OperationContext) {
  return { m: merchant(ctx), id: pathParam(ctx, 'entitlementId'), meta: metaOf(ctx) };
}

/** Handlers of the merchant API (`/merchant/v1`), by operationId. */
export function merchantHandlers(services: Services): Record<string, OperationHandler> {
  const service = services.merchantEntitlements;

  return {
    echoMerchant: (ctx) => {
      ctx.body = { ...OK, echo: pathParam(ctx, 'echoRequestId') };
    },
    listMerchantEntitlements: async (ctx) => {
      const query = queryOf<ListQuery & { limit: number }>(ctx);
      ctx.body = { ...OK, ...(await service.list(merchant(ctx), query)) };
    },
    getMerchantEntitlement: async (ctx) => {
      const { m, id } = target(ctx);
      sendMerchantEntitlement(ctx, await service.get(m, id));
    },
    updateMerchantEntitlement: async (ctx) => {
      const { m, id, meta } = target(ctx);
      const body = bodyOf<Schemas['MerchantUpdateRequest']>(ctx);
      sendMerchantEntitlement(ctx, await service.update(m, id, body, meta));
    },
    activateEntitlement: async (ctx) => {
      const { m, id, meta } = target(ctx);
      const body = bodyOf<Schemas['ActivateEntitlementRequest']>(ctx);
      sendMerchantEntitlement(ctx, await service.activate(m, id, body, meta));
    },
    terminateEntitlement: async (ctx) => {
      const { m, id, meta } = target(ctx);
      const body = bodyOf<Schemas['MerchantTerminationRequest']>(ctx);
      sendMerchantEntitlement(ctx, await service.terminate(m, id, body, meta));
    },
    suspendEntitlement: async (ctx) => {
      const { m, id, meta } = target(ctx);
      const body = bodyOf<Schemas['StateChangeRequest']>(ctx);
      sendMerchantEntitlement(ctx, await service.suspend(m, id, body, meta));
    },
    resumeEntitlement: async (ctx) => {
      const { m, id, meta } = target(ctx);
      const body = bodyOf<Schemas['StateChangeRequest']>(ctx);
      sendMerchantEntitlement(ctx, await service.resume(m, id, body, meta));
    },
    markCustomerNotEligible: async (ctx) => {
      const { m, id, meta } = target(ctx);
      const body = bodyOf<Schemas['CustomerNotEligibleRequest']>(ctx);
      sendMerchantEntitlement(ctx, await service.markNotEligible(m, id, body, meta));
    },
  };
}
