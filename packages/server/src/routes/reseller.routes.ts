import type { components, operations } from '../generated/contract';
import type { OperationContext, OperationHandler } from '../http/operation-router';
import type { Services } from '../services';
import { bodyOf, metaOf, OK, pathParam, principalOf, queryOf, sendAction } from './responses';

type Schemas = components['schemas'];
type ListQuery = NonNullable<operations['listEntitlements']['parameters']['query']>;
type FeedQuery = { after: number; limit: number };

const reseller = (ctx: OperationContext) => principalOf(ctx, 'reseller');
const entitlementId = (ctx: OperationContext) => pathParam(ctx, 'entitlementId');

/**
 * Handlers of the reseller API (`/v1`), by operationId; the sandbox inbox and notification
 * faults are the notifications' (`notificationResellerHandlers`).
 */
export function resellerHandlers(services: Services): Record<string, OperationHandler> {
  const { entitlements, sandbox } = services;

  return {
    echo: (ctx) => {
      ctx.body = { ...OK, echo: pathParam(ctx, 'echoRequestId'), sandbox: reseller(ctx).sandbox };
    },
    createEntitlement: async (ctx) => {
      const body = bodyOf<Schemas['CreateEntitlementRequest']>(ctx);
      sendAction(ctx, await entitlements.create(reseller(ctx), body, metaOf(ctx)));
    },
    getEntitlement: async (ctx) => {
      const entitlement = await entitlements.get(reseller(ctx), entitlementId(ctx));
      sendAction(ctx, { entitlement, result: 'done' });
    },
    listEntitlements: async (ctx) => {
      const query = queryOf<ListQuery & { limit: number }>(ctx);
      ctx.body = { ...OK, ...(await entitlements.list(reseller(ctx), query)) };
    },
    searchCustomerEntitlements: async (ctx) => {
      const body = bodyOf<Schemas['EntitlementReportRequest']>(ctx);
      ctx.body = { ...OK, entitlements: await entitlements.searchCustomer(reseller(ctx), body) };
    },
    updateEntitlement: async (ctx) => {
      const body = bodyOf<Schemas['UpdateEntitlementRequest']>(ctx);
      const meta = metaOf(ctx);
      sendAction(ctx, await entitlements.update(reseller(ctx), entitlementId(ctx), body, meta));
    },
    cancelEntitlement: async (ctx) => {
      const body = bodyOf<Schemas['TerminationRequest']>(ctx);
      const meta = metaOf(ctx);
      sendAction(ctx, await entitlements.cancel(reseller(ctx), entitlementId(ctx), body, meta));
    },
    revokeEntitlement: async (ctx) => {
      const body = bodyOf<Schemas['TerminationRequest']>(ctx);
      const meta = metaOf(ctx);
      sendAction(ctx, await entitlements.revoke(reseller(ctx), entitlementId(ctx), body, meta));
    },
    getActivationInfo: async (ctx) => {
      const meta = metaOf(ctx);
      sendAction(
        ctx,
        await entitlements.getActivationInfo(reseller(ctx), entitlementId(ctx), meta),
      );
    },
    listEntitlementEvents: async (ctx) => {
      const events = await entitlements.listHistory(reseller(ctx), entitlementId(ctx));
      ctx.body = { ...OK, events };
    },
    listEvents: async (ctx) => {
      const { after, limit } = queryOf<FeedQuery>(ctx);
      ctx.body = { ...OK, ...(await entitlements.listFeed(reseller(ctx), after, limit)) };
    },
    getSandboxClock: async (ctx) => {
      ctx.body = await sandbox.getClock(reseller(ctx));
    },
    advanceSandboxClock: async (ctx) => {
      const body = bodyOf<Schemas['AdvanceClockRequest']>(ctx);
      ctx.body = await sandbox.advanceClock(reseller(ctx), body);
    },
  };
}
