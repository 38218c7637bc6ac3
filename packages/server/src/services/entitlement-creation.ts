import { randomUUID } from 'node:crypto';

import type { callbacks } from '@tessera/merchant-client';

import type { Tx } from '../database/transaction';
import { resellerNow } from '../domain/clock';
import { fingerprint, newSharedCustomerId } from '../domain/identifiers';
import type { ActionResult, RequestMeta, ResellerPrincipal } from '../domain/principals';
import { LIVE_STATUSES, resolveTransition } from '../domain/state-machine';
import { EntitlementRecord } from '../entities';
import { BadRequestProblem, NotAvailableProblem, NotFoundProblem } from '../errors/http-problems';
import { ProblemError } from '../errors/problem';
import type { components } from '../generated/contract';
import type { CreateOutcome } from '../merchants/merchant-gateway';
import type { EntitlementView } from '../repositories/entitlement.repository';
import type { RouteWithParties } from '../repositories/route.repository';
import { findProductOnRoute } from './catalogue-checks';
import type { EntitlementDeps } from './entitlement-deps';
import { storeAction, toEntitlement, toParameters } from './entitlement-views';
import { callContext, callMerchant, endpointOf, merchantProblem } from './merchant-calls';

export type CreateEntitlementRequest = components['schemas']['CreateEntitlementRequest'];

type Reservation = { kind: 'identical' | 'new'; view: EntitlementView };

const RESULT_OF_OUTCOME = {
  activated: 'done',
  created: 'created',
  actionRequired: 'actionRequired',
} as const;

/**
 * Creates entitlements. The merchant is never called inside a transaction: a first
 * transaction checks the route and the limit and reserves the entitlement (provisioning, not
 * visible yet), the merchant is called, and a second transaction records its outcome.
 */
export class EntitlementCreation {
  constructor(private readonly deps: EntitlementDeps) {}

  async create(
    p: ResellerPrincipal,
    body: CreateEntitlementRequest,
    meta: RequestMeta,
  ): Promise<ActionResult> {
    await this.validate(p, body);

    const reservation = await this.deps.transactions.run((tx) => this.reserve(tx, p, body, meta));
    if (reservation.kind === 'identical') {
      return this.repeatActivation(reservation.view, meta);
    }
    return this.provision(reservation.view, meta);
  }

  private async validate(p: ResellerPrincipal, body: CreateEntitlementRequest): Promise<void> {
    if (body.dateExpiry !== undefined) {
      assertFuture(new Date(body.dateExpiry), await this.resellerTime(p));
    }
    if (body.notificationUrl !== undefined) {
      await this.deps.urlGuard.assertDeliverableUrl(body.notificationUrl, {
        sandbox: p.sandbox,
        field: 'notificationUrl',
      });
    }
  }

  /**
   * The reseller's time. Only a sandbox reseller's test clock needs its row: the reserving
   * transaction reads the reseller with the route anyway, so most creates skip this read.
   */
  private async resellerTime(p: ResellerPrincipal): Promise<Date> {
    if (!p.sandbox) {
      return this.deps.clock.now();
    }
    const reseller = await this.deps.transactions.read((tx) =>
      this.deps.resellers.findById(tx, p.resellerId),
    );
    if (reseller === null) {
      throw new NotFoundProblem(`No reseller ${p.resellerKey}.`);
    }
    return resellerNow(this.deps.clock, reseller);
  }

  private async reserve(
    tx: Tx,
    p: ResellerPrincipal,
    body: CreateEntitlementRequest,
    meta: RequestMeta,
  ): Promise<Reservation> {
    const { entitlements, sharedCustomers } = this.deps;
    const route = await this.routeTo(tx, p.resellerId, body.merchantAccountKey);
    await findProductOnRoute(tx, this.deps.products, route, body.productKey);
    if (!this.deps.gateway.supports(endpointOf(route.merchant), 'create')) {
      throw new NotAvailableProblem(`Merchant ${body.merchantAccountKey} takes no creates.`);
    }

    const { reseller } = route;
    const now = resellerNow(this.deps.clock, reseller);
    const customer = { routeId: route.id, customerIdentifier: body.customerIdentifier };
    // Taken first: on PostgreSQL it locks this customer's row on the route for what follows.
    const sharedCustomerId = await sharedCustomers.obtain(tx, customer, newSharedCustomerId(), now);

    const key = { ...customer, resellerId: reseller.id, productKey: body.productKey };
    const bodyFingerprint = fingerprint(body);
    const identical = await entitlements.findPendingByFingerprint(tx, key, bodyFingerprint);
    if (identical !== null) {
      return { kind: 'identical', view: identical };
    }
    if ((await entitlements.countLive(tx, key, LIVE_STATUSES)) >= route.maxLivePerCustomer) {
      throw new ProblemError('LIMIT_REACHED', 'Maximum number of subscriptions for user reached.');
    }

    const record = newRecord({ body, route, sharedCustomerId, now, meta, bodyFingerprint });
    await entitlements.insert(tx, record);
    // What a read would return: the row as inserted, with the parties and route just read.
    const view: EntitlementView = Object.assign(record, {
      reseller,
      merchant: route.merchant,
      route,
    });
    return { kind: 'new', view };
  }

  /** The reseller's route to the merchant, with both parties; 404 naming what is missing. */
  private async routeTo(
    tx: Tx,
    resellerId: string,
    merchantAccountKey: string,
  ): Promise<RouteWithParties> {
    const route = await this.deps.routes.findByMerchantKey(tx, resellerId, merchantAccountKey);
    if (route !== null) {
      return route;
    }
    // Only a refusal pays for a second statement, to say which of the two is missing.
    if ((await this.deps.merchants.findByKey(tx, merchantAccountKey)) === null) {
      throw new NotFoundProblem(`No merchant ${merchantAccountKey}.`);
    }
    throw new NotFoundProblem(`You have no route to merchant ${merchantAccountKey}.`);
  }

  /** Calls the merchant and records its outcome; a failure leaves the entitlement FAILED. */
  private async provision(view: EntitlementView, meta: RequestMeta): Promise<ActionResult> {
    const { gateway } = this.deps;
    let outcome: CreateOutcome;
    try {
      outcome = await gateway.createEntitlement(
        endpointOf(view.merchant),
        callbackRequest(view, meta),
        callContext(view.reseller, meta),
      );
    } catch (error) {
      await this.finaliseFailed(view, meta);
      throw merchantProblem(error, view.id);
    }

    const now = resellerNow(this.deps.clock, view.reseller);
    const updated = await this.deps.transactions.run((tx) =>
      this.deps.writer.apply(tx, view, {
        transition: resolveTransition('create', null, 'RESELLER', outcome.kind),
        actor: 'RESELLER',
        requestId: meta.requestId,
        occurredAt: now,
        fields: outcomeFields(view, outcome, now),
      }),
    );
    const result: ActionResult = {
      entitlement: toEntitlement(updated),
      result: RESULT_OF_OUTCOME[outcome.kind],
    };
    if (updated.pendingAction !== null && outcome.kind === 'actionRequired') {
      result.parameters = toParameters(updated.pendingAction);
    }
    return result;
  }

  private async finaliseFailed(view: EntitlementView, meta: RequestMeta): Promise<void> {
    try {
      await this.deps.transactions.run((tx) =>
        this.deps.writer.apply(tx, view, {
          transition: resolveTransition('create', null, 'RESELLER', 'failed'),
          actor: 'RESELLER',
          requestId: meta.requestId,
          occurredAt: resellerNow(this.deps.clock, view.reseller),
        }),
      );
    } catch (error) {
      // The scheduler finalises rows left provisioning; the caller gets the merchant's error.
      this.deps.logger.error({ err: error, entitlementId: view.id }, 'recording FAILED failed');
    }
  }

  /**
   * An identical create while the entitlement is PENDING: the same entitlement with a fresh
   * activation step from the merchant when it offers one, else the last one it gave. Not a
   * change, so no event.
   */
  private async repeatActivation(view: EntitlementView, meta: RequestMeta): Promise<ActionResult> {
    const endpoint = endpointOf(view.merchant);
    const entitlement = toEntitlement(view);
    const canAsk =
      view.route.supportedOperations.includes('ACTIVATION_INFO') &&
      this.deps.gateway.supports(endpoint, 'activationInfo');
    if (canAsk) {
      const action = await callMerchant(view.id, () =>
        this.deps.gateway.getActivationInfo(
          endpoint,
          view.merchantEntitlementId,
          callContext(view.reseller, meta),
        ),
      );
      return {
        entitlement,
        result: 'actionRequired',
        parameters: toParameters(storeAction(action)),
      };
    }
    if (view.pendingAction !== null) {
      return {
        entitlement,
        result: 'actionRequired',
        parameters: toParameters(view.pendingAction),
      };
    }
    return { entitlement, result: 'created' };
  }
}

/** Throws 400 unless `date` is after `now`. */
export function assertFuture(date: Date, now: Date, field = 'dateExpiry'): void {
  if (!(date.getTime() > now.getTime())) {
    throw new BadRequestProblem(`The ${field} must be in the future.`, {
      errors: [{ field, message: 'must be in the future' }],
    });
  }
}

function newRecord(input: {
  body: CreateEntitlementRequest;
  route: EntitlementView['route'];
  sharedCustomerId: string;
  now: Date;
  meta: RequestMeta;
  bodyFingerprint: string;
}): EntitlementRecord {
  const { body, route, now } = input;
  const id = randomUUID();
  return Object.assign(new EntitlementRecord(), {
    id,
    resellerId: route.resellerId,
    merchantId: route.merchantId,
    routeId: route.id,
    productKey: body.productKey,
    status: 'PENDING',
    customerIdentifier: body.customerIdentifier,
    sharedCustomerId: input.sharedCustomerId,
    offerKey: body.offerKey ?? null,
    merchantEntitlementId: id,
    displayName: body.entitlementDisplayName ?? null,
    notificationUrl: body.notificationUrl ?? null,
    extensionData: body.extensionData ?? {},
    merchantExtensionData: {},
    activationCode: null,
    dateCreated: now,
    dateActivated: null,
    dateSuspended: null,
    dateResumed: null,
    dateEnded: null,
    dateExpiry: body.dateExpiry === undefined ? null : new Date(body.dateExpiry),
    dateLastUpdated: now,
    version: 0,
    reasonCategory: null,
    reasonCode: null,
    reasonDescription: null,
    provisioning: true,
    createRequestId: input.meta.requestId,
    createFingerprint: input.bodyFingerprint,
    pendingAction: null,
    awaitingMerchant: null,
  } satisfies EntitlementRecord);
}

function callbackRequest(
  view: EntitlementView,
  meta: RequestMeta,
): callbacks.CallbackEntitlementRequest {
  return {
    requestId: meta.requestId,
    entitlementId: view.id,
    sharedCustomerId: view.sharedCustomerId,
    customerIdentifier: view.route.shareCustomerIdentifier ? view.customerIdentifier : undefined,
    resellerKey: view.reseller.resellerKey,
    merchantAccountKey: view.merchant.merchantAccountKey,
    productKey: view.productKey,
    offerKey: view.offerKey ?? undefined,
    entitlementDisplayName: view.displayName ?? undefined,
    routeExtensionData: view.route.routeExtensionData,
  };
}

function outcomeFields(view: EntitlementView, outcome: CreateOutcome, now: Date) {
  const action = outcome.kind === 'actionRequired' ? outcome.action : undefined;
  return {
    merchantEntitlementId: outcome.merchantEntitlementId ?? view.id,
    merchantExtensionData: outcome.merchantExtensionData ?? view.merchantExtensionData,
    dateActivated: outcome.kind === 'activated' ? now : null,
    pendingAction: action === undefined ? null : storeAction(action),
    activationCode: action?.activationCode ?? null,
  };
}
