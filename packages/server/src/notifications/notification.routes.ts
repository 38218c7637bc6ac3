import { Router } from '@koa/router';

import type { components } from '../generated/contract';
import type { OperationContext, OperationHandler } from '../http/operation-router';
import type { TesseraState } from '../http/state';
import { bodyOf, OK, pathParam, principalOf, queryOf } from '../routes/responses';
import type { Notifications } from './index';
import type { DeliveryQuery } from './notification-admin.service';

type Schemas = components['schemas'];

/** Where a sandbox reseller's inbox receives notifications. */
export const SANDBOX_INBOX_PATH = '/sandbox/inbox/:resellerKey';

function accepted(ctx: OperationContext, body: unknown): void {
  ctx.status = 202;
  ctx.body = body;
}

/** Handlers of the admin API's notification operations, by operationId. */
export function notificationAdminHandlers({
  admin,
}: Notifications): Record<string, OperationHandler> {
  return {
    listNotificationDeliveries: async (ctx) => {
      ctx.body = await admin.listDeliveries(queryOf<DeliveryQuery>(ctx));
    },
    getNotificationDelivery: async (ctx) => {
      ctx.body = await admin.getDelivery(pathParam(ctx, 'deliveryId'));
    },
    replayNotificationDelivery: async (ctx) => {
      accepted(ctx, await admin.replayDelivery(pathParam(ctx, 'deliveryId')));
    },
    replayResellerNotifications: async (ctx) => {
      const { since } = bodyOf<Schemas['ReplayRequest']>(ctx);
      accepted(ctx, await admin.replaySince(pathParam(ctx, 'resellerKey'), since));
    },
    listNotificationEndpoints: async (ctx) => {
      ctx.body = await admin.listEndpoints();
    },
    reenableNotificationEndpoint: async (ctx) => {
      ctx.body = await admin.reenableEndpoint(bodyOf<Schemas['EndpointReenableRequest']>(ctx));
    },
  };
}

/**
 * Handlers of the reseller API's notification operations (the sandbox inbox and faults), by
 * operationId.
 */
export function notificationResellerHandlers({
  sandbox,
}: Notifications): Record<string, OperationHandler> {
  const reseller = (ctx: OperationContext) => principalOf(ctx, 'reseller');
  return {
    listSandboxInbox: async (ctx) => {
      const { entitlementId } = queryOf<{ entitlementId?: string }>(ctx);
      const notifications = await sandbox.listInbox(reseller(ctx), entitlementId);
      ctx.body = { ...OK, notifications } satisfies Schemas['InboxPage'];
    },
    getSandboxNotificationFaults: async (ctx) => {
      ctx.body = await sandbox.getFaults(reseller(ctx));
    },
    setSandboxNotificationFaults: async (ctx) => {
      const faults = bodyOf<Schemas['NotificationFaults']>(ctx);
      ctx.body = await sandbox.setFaults(reseller(ctx), faults);
    },
  };
}

/**
 * The sandbox inbox that receives notifications, outside the contract (it is where Tessera
 * sends, not an API to call). No credentials: the signature is what it checks and reports.
 */
export function sandboxNotificationRouter({ sandbox }: Notifications): Router<TesseraState> {
  const router = new Router<TesseraState>();

  router.post(SANDBOX_INBOX_PATH, async (ctx) => {
    const rawBody = (ctx.request as { rawBody?: string }).rawBody ?? '';
    await sandbox.receive(ctx.params.resellerKey!, ctx.headers, rawBody);
    ctx.status = 204;
  });
  return router;
}
