import type { VerifierOptions } from '@pact-foundation/pact';
import { z } from 'zod';

import type { EntitlementEvent } from '../../src/domain/principals';
import {
  ACTORS,
  type Actor,
  type EntitlementStatus,
  STATUSES,
} from '../../src/domain/state-machine';
import { SANDBOX } from '../../src/services/seed.service';
import { ApiClient } from '../helpers/api-client';
import {
  CANONICAL_CHANGES,
  makeChange,
  NOTIFIED_REASONS,
  type NotificationReason,
} from './entitlement-changes';
import { EntitlementDriver } from './entitlement-driver';
import type { FreshTessera, SeededTessera } from './fresh-tessera';

type StateHandlers = NonNullable<VerifierOptions['stateHandlers']>;

/**
 * The provider states of the pacts verified against `tessera-server`, as listed in
 * `packages/{reseller,merchant}-client/test/pact/README.md`. Each runs on the fresh, seeded
 * Tessera of its interaction (the Verifier's `beforeEach` made it), seeds through the server's
 * own services (or, for the idempotent replay, its HTTP API), and returns what the consumer
 * reads with `fromProviderState`. Parameters are checked first, so a pact asking for something
 * unknown fails with the parameter's name.
 */
export function serverStateHandlers(tessera: FreshTessera): StateHandlers {
  return {
    'a reseller credential exists': async (params) => {
      const { username, sandbox } = parse(resellerCredential, params);
      const { seed, reseller } = tessera.current;
      if (username !== seed.reseller.username || sandbox !== reseller.sandbox) {
        throw new Error(
          `The sandbox seeds ${seed.reseller.username} (sandbox: ${reseller.sandbox})`,
        );
      }
    },

    'a merchant credential exists': async (params) => {
      const { username, merchantAccountKey } = parse(merchantCredential, params);
      const { seed } = tessera.current;
      if (username !== seed.merchant.username || merchantAccountKey !== seed.merchantAccountKey) {
        throw new Error(
          `The sandbox seeds ${seed.merchant.username} of ${seed.merchantAccountKey}`,
        );
      }
    },

    'the customer holds no entitlement': async (params) => {
      const { customerIdentifier } = parse(customerHoldsNothing, params);
      const { server, reseller } = tessera.current;
      const held = await server.services.entitlements.searchCustomer(reseller, {
        customerIdentifier,
      });
      if (held.length > 0) {
        throw new Error(`Customer ${customerIdentifier} holds ${held.length} entitlements`);
      }
    },

    // A fresh database holds no entitlement at all.
    'no entitlement has the id': async (params) => {
      parse(noEntitlement, params);
    },

    'an entitlement exists': async (params) => {
      const spec = parse(entitlementExists, params);
      const entitlement = await new EntitlementDriver(tessera.current).entitlementIn(spec);
      return { entitlementId: entitlement.entitlementId };
    },

    'entitlements exist': async (params) => {
      const { count, status, productKey, pageSize } = parse(entitlementsExist, params);
      const { server, reseller } = tessera.current;
      const driver = new EntitlementDriver(tessera.current);
      for (let made = 0; made < count; made++) {
        await driver.entitlementIn({ status, productKey });
      }
      const page = await server.services.entitlements.list(reseller, { status, limit: pageSize });
      return { nextCursor: page.nextCursor };
    },

    'an entitlement was created with an idempotency key': async (params) => {
      const { idempotencyKey, ...body } = parse(createdWithKey, params);
      const entitlementId = await createOverHttp(tessera.current, body, idempotencyKey);
      return { entitlementId };
    },

    'a notification was delivered to the sandbox inbox': async (params) => {
      const { reason } = parse(deliveredToInbox, params);
      const event = await deliverToSandboxInbox(tessera.current, reason);
      return { entitlementId: event.entitlementId };
    },
  };
}

/**
 * The provider state of the message pact (`tessera-notifications`): makes the change on a new
 * entitlement through the services and hands the recorded event to `record`, for the message
 * provider of the interaction to build the notification from.
 */
export function notificationStateHandlers(
  tessera: FreshTessera,
  record: (event: EntitlementEvent) => void,
): StateHandlers {
  return {
    'an entitlement changed': async (params) => {
      const change = parse(entitlementChanged, params);
      const event = await makeChange(tessera.current, change);
      record(event);
      return { entitlementId: event.entitlementId };
    },
  };
}

const status = z.enum(STATUSES as [EntitlementStatus, ...EntitlementStatus[]]);
const actor = z.enum(ACTORS as [Actor, ...Actor[]]);
const reason = z.enum(NOTIFIED_REASONS as [NotificationReason, ...NotificationReason[]]);

const resellerCredential = z.strictObject({ username: z.string(), sandbox: z.boolean() });
const merchantCredential = z.strictObject({ username: z.string(), merchantAccountKey: z.string() });
const customerHoldsNothing = z.strictObject({
  customerIdentifier: z.string(),
  merchantAccountKey: z.string(),
  productKey: z.string(),
});
const noEntitlement = z.strictObject({ entitlementId: z.uuid() });
const entitlementExists = z.strictObject({
  status,
  productKey: z.string(),
  customerIdentifier: z.string().optional(),
  merchantEntitlementId: z.string().optional(),
  version: z.number().int().min(1).optional(),
});
const entitlementsExist = z.strictObject({
  count: z.number().int().min(1),
  status,
  productKey: z.string(),
  pageSize: z.number().int().min(1),
});
const createdWithKey = z.strictObject({
  idempotencyKey: z.string(),
  customerIdentifier: z.string(),
  merchantAccountKey: z.string(),
  productKey: z.string(),
});
const deliveredToInbox = z.strictObject({ reason });
const entitlementChanged = z.strictObject({
  reason,
  statusBefore: status,
  statusAfter: status,
  actor,
  productKey: z.string(),
});

/** The state's parameters, or an error naming each one that is wrong. */
function parse<T>(schema: z.ZodType<T>, params: unknown): T {
  const result = schema.safeParse(params ?? {});
  if (!result.success) {
    const problems = result.error.issues.map(
      (i) => `${i.path.join('.') || '(params)'}: ${i.message}`,
    );
    throw new Error(
      `Unexpected state parameters ${JSON.stringify(params)}: ${problems.join('; ')}`,
    );
  }
  return result.data;
}

/**
 * The create done once through the HTTP API, where idempotency lives: the same body and
 * `Idempotency-Key` as the interaction's retry, and no `X-Magic-Number` (MUSIC activates at once).
 */
async function createOverHttp(
  { server, seed }: SeededTessera,
  body: { customerIdentifier: string; merchantAccountKey: string; productKey: string },
  idempotencyKey: string,
): Promise<string> {
  const reseller = ApiClient.basic(server, seed.reseller.username, seed.reseller.password);
  const headers = { 'Idempotency-Key': idempotencyKey };
  const answer = await reseller.post<{ entitlementId?: string }>('/v1/entitlement', body, {
    headers,
  });
  if (answer.status !== 200 || answer.body.entitlementId === undefined) {
    throw new Error(`The first create answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  }
  return answer.body.entitlementId;
}

const INBOX_WAIT_MS = 10_000;

/**
 * Points the sandbox reseller's notifications at its own sandbox inbox, makes the canonical
 * change for `reason`, and waits until the dispatcher delivered its notification there.
 */
async function deliverToSandboxInbox(
  tessera: SeededTessera,
  reason: NotificationReason,
): Promise<EntitlementEvent> {
  const { server, reseller } = tessera;
  const { catalogue, notifications } = server.services;
  const inbox = `${server.url}/sandbox/inbox/${SANDBOX.resellerKey}`;
  await catalogue.updateReseller(SANDBOX.resellerKey, { defaultNotificationUrl: inbox });

  const event = await makeChange(tessera, CANONICAL_CHANGES[reason]);
  const deadline = Date.now() + INBOX_WAIT_MS;
  for (;;) {
    const received = await notifications.sandbox.listInbox(reseller, event.entitlementId);
    const delivered = received.find((n) => n.notification.eventId === event.eventId);
    if (delivered !== undefined) {
      if (!delivered.signatureValid) {
        throw new Error(`The ${reason} notification reached the inbox with a bad signature`);
      }
      return event;
    }
    if (Date.now() > deadline) {
      throw new Error(`The ${reason} notification did not reach the inbox in ${INBOX_WAIT_MS} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
