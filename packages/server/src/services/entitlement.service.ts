import type { callbacks } from '@tessera/merchant-client';

import { resellerNow } from '../domain/clock';
import type {
  ActionResult,
  Entitlement,
  EntitlementEvent,
  RequestMeta,
  ResellerPrincipal,
} from '../domain/principals';
import {
  assertAllowed,
  resolveTransition,
  type Transition,
  type Trigger,
} from '../domain/state-machine';
import type { AwaitedMerchantChange } from '../entities/entitlement.entity';
import type { RouteOperation } from '../entities/route.entity';
import { BadRequestProblem, ConflictProblem } from '../errors/http-problems';
import type { components } from '../generated/contract';
import type {
  CallContext,
  MerchantEndpoint,
  TerminateOutcome,
} from '../merchants/merchant-gateway';
import type { EntitlementChanges, EntitlementView } from '../repositories/entitlement.repository';
import { findProductOnRoute } from './catalogue-checks';
import { applyTransition, loadEntitlement } from './entitlement-changes';
import {
  assertFuture,
  type CreateEntitlementRequest,
  EntitlementCreation,
} from './entitlement-creation';
import type { EntitlementDeps } from './entitlement-deps';
import { storeAction, toEntitlement, toEvent, toParameters } from './entitlement-views';
import { assertRouteSupports, callContext, callMerchant, endpointOf } from './merchant-calls';
import { decodeCursor, toPage } from './paging';
import { assertReasonPair, reasonFields } from './termination-reasons';

type Schemas = components['schemas'];
export type UpdateEntitlementRequest = Schemas['UpdateEntitlementRequest'];
export type TerminationRequest = Schemas['TerminationRequest'];
export type EntitlementReportRequest = Schemas['EntitlementReportRequest'];

/** Filters and page of `list`. */
export interface EntitlementListQuery {
  customerIdentifier?: string;
  merchantAccountKey?: string;
  productKey?: string;
  status?: Schemas['EntitlementStatus'];
  createdFrom?: string;
  createdTo?: string;
  cursor?: string;
  limit: number;
}

/** The most entitlements a customer search returns. */
const SEARCH_LIMIT = 500;

const DATA_FIELDS = [
  'notificationUrl',
  'dateExpiry',
  'customerIdentifier',
  'entitlementDisplayName',
  'extensionData',
] as const;

/** The merchant's answer to a terminate it carried out. */
type TerminationDone = Extract<TerminateOutcome, { kind: 'done' }>;

/** How a cancel or revoke the merchant carried out changes the entitlement. */
interface Termination {
  transition: Transition;
  dateEnded: Date;
}

type BenefitChange = 'suspend' | 'resume';

/** What a suspend and a resume each ask of the route, and the date each sets. */
const BENEFIT_CHANGES = {
  suspend: { operation: 'SUSPEND', dateField: 'dateSuspended' },
  resume: { operation: 'RESUME', dateField: 'dateResumed' },
} as const satisfies Record<
  BenefitChange,
  { operation: RouteOperation; dateField: keyof EntitlementChanges }
>;

/** A change the merchant must make, forwarded before the entitlement changes here. */
interface Forwarded<T> {
  trigger: Trigger;
  operation: RouteOperation;
  call: (view: EntitlementView, endpoint: MerchantEndpoint, ctx: CallContext) => Promise<T>;
}

/**
 * What resellers do with their entitlements. A reseller sees and touches only its own: any
 * other entitlement is 404, exactly like one that does not exist.
 */
export class EntitlementService {
  private readonly creation: EntitlementCreation;

  constructor(private readonly deps: EntitlementDeps) {
    this.creation = new EntitlementCreation(deps);
  }

  /** Creates an entitlement (200 activated / 201 created / 202 the user must act). */
  create(
    p: ResellerPrincipal,
    body: CreateEntitlementRequest,
    meta: RequestMeta,
  ): Promise<ActionResult> {
    return this.creation.create(p, body, meta);
  }

  async get(p: ResellerPrincipal, entitlementId: string): Promise<Entitlement> {
    return toEntitlement(await this.load(p, entitlementId));
  }

  /** One page of the reseller's entitlements, oldest first. */
  async list(
    p: ResellerPrincipal,
    query: EntitlementListQuery,
  ): Promise<{ entitlements: Entitlement[]; nextCursor: string | null }> {
    const filter = {
      resellerId: p.resellerId,
      customerIdentifier: query.customerIdentifier,
      merchantAccountKey: query.merchantAccountKey,
      productKey: query.productKey,
      status: query.status,
      createdFrom: optionalDate(query.createdFrom),
      createdTo: optionalDate(query.createdTo),
    };
    const after = decodeCursor(query.cursor);
    const rows = await this.deps.transactions.read((tx) =>
      this.deps.entitlements.page(tx, filter, after, query.limit + 1),
    );
    const page = toPage(rows, query.limit, toEntitlement);
    return { entitlements: page.items, nextCursor: page.nextCursor };
  }

  /** A customer's entitlements, oldest first. */
  async searchCustomer(
    p: ResellerPrincipal,
    body: EntitlementReportRequest,
  ): Promise<Entitlement[]> {
    const filter = { resellerId: p.resellerId, ...body };
    const rows = await this.deps.transactions.read((tx) =>
      this.deps.entitlements.page(tx, filter, null, SEARCH_LIMIT),
    );
    return rows.map(toEntitlement);
  }

  /**
   * A sparse update of one kind: a product change, a suspend or resume (both forwarded to the
   * merchant), a revert of a pending cancellation, or data changes.
   */
  async update(
    p: ResellerPrincipal,
    entitlementId: string,
    body: UpdateEntitlementRequest,
    meta: RequestMeta,
  ): Promise<ActionResult> {
    const kind = kindOfUpdate(body);
    if (kind === 'none') {
      // Only `revertCancellation: false`, which the contract says changes nothing.
      return {
        entitlement: toEntitlement(await this.load(p, entitlementId, meta)),
        result: 'done',
      };
    }
    switch (kind) {
      case 'product':
        return this.changeProduct(p, entitlementId, body.productKey as string, meta);
      case 'benefits': {
        const change = body.entitlementBenefits === 'SUSPENDED' ? 'suspend' : 'resume';
        return this.changeBenefits(p, entitlementId, change, meta);
      }
      case 'revert':
        return this.revertCancellation(p, entitlementId, meta);
      case 'data':
        return this.updateData(p, entitlementId, body, meta);
    }
  }

  /**
   * Cancels at the end of the period: the merchant answers the termination date; a future
   * one makes an ACTIVE entitlement ACTIVE-ENDING until then, otherwise it is CANCELLED now.
   */
  async cancel(
    p: ResellerPrincipal,
    entitlementId: string,
    body: TerminationRequest,
    meta: RequestMeta,
  ): Promise<ActionResult> {
    return this.terminate(p, entitlementId, 'cancel', body, meta, (view, outcome, now) => {
      const end = outcome.terminationDate;
      const scheduled = view.status === 'ACTIVE' && end !== undefined && end > now;
      const kind = scheduled ? 'scheduled' : 'immediate';
      return {
        transition: resolveTransition('cancel', view.status, 'RESELLER', kind),
        dateEnded: scheduled ? end : now,
      };
    });
  }

  /** Ends the entitlement now (REVOKED). */
  async revoke(
    p: ResellerPrincipal,
    entitlementId: string,
    body: TerminationRequest,
    meta: RequestMeta,
  ): Promise<ActionResult> {
    return this.terminate(p, entitlementId, 'revoke', body, meta, (view, _outcome, now) => ({
      transition: resolveTransition('revoke', view.status, 'RESELLER'),
      dateEnded: now,
    }));
  }

  /** A fresh activation step while PENDING; not a change, so no event. */
  async getActivationInfo(
    p: ResellerPrincipal,
    entitlementId: string,
    meta: RequestMeta,
  ): Promise<ActionResult> {
    const view = await this.load(p, entitlementId, meta);
    if (view.status !== 'PENDING') {
      throw new ConflictProblem(
        `The entitlement is ${view.status}: only a PENDING one has an activation step.`,
      );
    }
    assertRouteSupports(view.route, 'ACTIVATION_INFO');
    const action = await callMerchant(view.id, () =>
      this.deps.gateway.getActivationInfo(
        endpointOf(view.merchant),
        view.merchantEntitlementId,
        callContext(view.reseller, meta),
      ),
    );
    return {
      entitlement: toEntitlement(view),
      result: 'done',
      parameters: toParameters(storeAction(action)),
    };
  }

  /** The entitlement's events, oldest first. */
  async listHistory(p: ResellerPrincipal, entitlementId: string): Promise<EntitlementEvent[]> {
    const view = await this.load(p, entitlementId);
    const records = await this.deps.transactions.read((tx) =>
      this.deps.events.listForEntitlement(tx, view.id),
    );
    return records.map(toEvent);
  }

  /** The reseller's events after sequence `after`, in sequence order. */
  async listFeed(
    p: ResellerPrincipal,
    after: number,
    limit: number,
  ): Promise<{ events: EntitlementEvent[]; nextAfter: number; hasMore: boolean }> {
    const records = await this.deps.transactions.read((tx) =>
      this.deps.events.feed(tx, p.resellerId, after, limit + 1),
    );
    const page = records.slice(0, limit);
    return {
      events: page.map(toEvent),
      nextAfter: page.at(-1)?.sequence ?? after,
      hasMore: records.length > limit,
    };
  }

  private async changeProduct(
    p: ResellerPrincipal,
    entitlementId: string,
    productKey: string,
    meta: RequestMeta,
  ): Promise<ActionResult> {
    const current = await this.load(p, entitlementId, meta);
    if (current.productKey === productKey) {
      throw new BadRequestProblem(`The entitlement is already on product ${productKey}.`);
    }
    await this.deps.transactions.read((tx) =>
      findProductOnRoute(tx, this.deps.products, current.route, productKey),
    );
    const { view, outcome } = await this.forward(p, entitlementId, meta, {
      trigger: 'changeProduct',
      operation: 'UPDATE',
      call: (loaded, endpoint, ctx) =>
        this.deps.gateway.updateEntitlement(
          endpoint,
          loaded.merchantEntitlementId,
          {
            requestId: meta.requestId,
            entitlementId: loaded.id,
            productKey,
            previousProductKey: loaded.productKey,
          },
          ctx,
        ),
    });
    const transition = resolveTransition('changeProduct', view.status, 'RESELLER', outcome.kind);
    if (outcome.kind === 'actionRequired') {
      const pendingAction = storeAction(outcome.action);
      const result = await this.done(view, meta, transition, {
        productKey,
        pendingAction,
        activationCode: outcome.action.activationCode ?? view.activationCode,
      });
      return { ...result, result: 'actionRequired', parameters: toParameters(pendingAction) };
    }
    return this.done(view, meta, transition, {
      productKey,
      merchantExtensionData: outcome.merchantExtensionData ?? view.merchantExtensionData,
    });
  }

  /**
   * Suspends or resumes the entitlement's benefits: forwarded to the merchant, which makes the
   * change at once or confirms it later (accepted).
   */
  private async changeBenefits(
    p: ResellerPrincipal,
    entitlementId: string,
    change: BenefitChange,
    meta: RequestMeta,
  ): Promise<ActionResult> {
    const { operation, dateField } = BENEFIT_CHANGES[change];
    const { gateway } = this.deps;
    const { view, outcome } = await this.forward(p, entitlementId, meta, {
      trigger: change,
      operation,
      call: (current, endpoint, ctx) => {
        const id = current.merchantEntitlementId;
        const body = stateChangeBody(current, meta);
        return change === 'suspend'
          ? gateway.suspendEntitlement(endpoint, id, body, ctx)
          : gateway.resumeEntitlement(endpoint, id, body, ctx);
      },
    });
    if (outcome.kind === 'accepted') {
      return this.accepted(view, change);
    }
    const now = resellerNow(this.deps.clock, view.reseller);
    const transition = resolveTransition(change, view.status, 'RESELLER');
    return this.done(view, meta, transition, { [dateField]: now });
  }

  /** ACTIVE-ENDING back to ACTIVE; stays in Tessera. */
  private async revertCancellation(
    p: ResellerPrincipal,
    entitlementId: string,
    meta: RequestMeta,
  ): Promise<ActionResult> {
    const view = await this.load(p, entitlementId, meta);
    const transition = resolveTransition('revertCancellation', view.status, 'RESELLER');
    return this.done(view, meta, transition, {
      dateEnded: null,
      reasonCategory: null,
      reasonCode: null,
      reasonDescription: null,
    });
  }

  /** Data that only Tessera keeps; the status stays. */
  private async updateData(
    p: ResellerPrincipal,
    entitlementId: string,
    body: UpdateEntitlementRequest,
    meta: RequestMeta,
  ): Promise<ActionResult> {
    const view = await this.load(p, entitlementId, meta);
    const transition = resolveTransition('updateData', view.status, 'RESELLER');
    return this.done(view, meta, transition, await this.dataFields(view, body));
  }

  private async dataFields(
    view: EntitlementView,
    body: UpdateEntitlementRequest,
  ): Promise<EntitlementChanges> {
    const fields: EntitlementChanges = {};
    if (body.notificationUrl != null) {
      await this.deps.urlGuard.assertDeliverableUrl(body.notificationUrl, {
        sandbox: view.reseller.sandbox,
        field: 'notificationUrl',
      });
    }
    if (body.dateExpiry != null) {
      assertFuture(new Date(body.dateExpiry), resellerNow(this.deps.clock, view.reseller));
    }
    if (body.notificationUrl !== undefined) {
      fields.notificationUrl = body.notificationUrl;
    }
    if (body.dateExpiry !== undefined) {
      fields.dateExpiry = body.dateExpiry === null ? null : new Date(body.dateExpiry);
    }
    if (body.customerIdentifier !== undefined) {
      // The customer keeps its shared id: the merchant knows the user by it.
      fields.customerIdentifier = body.customerIdentifier;
    }
    if (body.entitlementDisplayName !== undefined) {
      fields.displayName = body.entitlementDisplayName;
    }
    if (body.extensionData !== undefined) {
      fields.extensionData = body.extensionData;
    }
    return fields;
  }

  /** The reseller's entitlement (404 otherwise), at the caller's `If-Match` version (412). */
  private load(
    p: ResellerPrincipal,
    entitlementId: string,
    meta?: RequestMeta,
  ): Promise<EntitlementView> {
    return loadEntitlement(this.deps, entitlementId, { resellerId: p.resellerId }, meta);
  }

  /**
   * Loads the entitlement, checks that the state machine allows `trigger` from its status
   * (409) and that the route offers the operation (422), then calls the merchant. The change
   * is applied afterwards against the version read here.
   */
  private async forward<T>(
    p: ResellerPrincipal,
    entitlementId: string,
    meta: RequestMeta,
    forwarded: Forwarded<T>,
  ): Promise<{ view: EntitlementView; outcome: T }> {
    const view = await this.load(p, entitlementId, meta);
    assertAllowed(forwarded.trigger, view.status, 'RESELLER');
    assertRouteSupports(view.route, forwarded.operation);
    const endpoint = endpointOf(view.merchant);
    const ctx = callContext(view.reseller, meta);
    const outcome = await callMerchant(view.id, () => forwarded.call(view, endpoint, ctx));
    return { view, outcome };
  }

  /**
   * A cancel (at the end of the period) or a revoke (now): forwarded to the merchant, which
   * ends it at once or confirms later (accepted); `decide` turns its answer into the change.
   */
  private async terminate(
    p: ResellerPrincipal,
    entitlementId: string,
    trigger: 'cancel' | 'revoke',
    body: TerminationRequest,
    meta: RequestMeta,
    decide: (view: EntitlementView, outcome: TerminationDone, now: Date) => Termination,
  ): Promise<ActionResult> {
    assertReasonPair(body);
    const immediate = trigger === 'revoke';
    const { view, outcome } = await this.forward(p, entitlementId, meta, {
      trigger,
      operation: immediate ? 'REVOKE' : 'CANCEL',
      call: (current, endpoint, ctx) =>
        this.deps.gateway.terminateEntitlement(
          endpoint,
          current.merchantEntitlementId,
          terminationBody(current, meta, body, immediate),
          ctx,
        ),
    });
    if (outcome.kind === 'accepted') {
      return this.accepted(view, trigger);
    }
    const now = resellerNow(this.deps.clock, view.reseller);
    const { transition, dateEnded } = decide(view, outcome, now);
    return this.done(view, meta, transition, { dateEnded, ...reasonFields(body) });
  }

  /** Applies `transition` to `view` as read, with its event, in one transaction. */
  private async done(
    view: EntitlementView,
    meta: RequestMeta,
    transition: Transition,
    fields: EntitlementChanges,
  ): Promise<ActionResult> {
    const change = { transition, actor: 'RESELLER' as const, fields };
    const updated = await applyTransition(this.deps, view, meta, change);
    return { entitlement: toEntitlement(updated), result: 'done' };
  }

  /** The merchant queued the change: nothing changes until it confirms. */
  private async accepted(
    view: EntitlementView,
    change: AwaitedMerchantChange,
  ): Promise<ActionResult> {
    await this.deps.transactions.run((tx) =>
      this.deps.entitlements.markAwaiting(tx, view.id, change),
    );
    return { entitlement: toEntitlement(view), result: 'accepted' };
  }
}

type UpdateKind = 'product' | 'benefits' | 'revert' | 'data' | 'none';

/** The one kind of change an update asks for; 400 when it mixes kinds or asks for none. */
function kindOfUpdate(body: UpdateEntitlementRequest): UpdateKind {
  const kinds: UpdateKind[] = [];
  if (body.productKey !== undefined) {
    kinds.push('product');
  }
  if (body.entitlementBenefits !== undefined) {
    kinds.push('benefits');
  }
  if (body.revertCancellation === true) {
    kinds.push('revert');
  }
  if (DATA_FIELDS.some((field) => body[field] !== undefined)) {
    kinds.push('data');
  }
  const [kind] = kinds;
  if (kind === undefined && body.revertCancellation === false) {
    return 'none';
  }
  if (kinds.length !== 1 || kind === undefined) {
    throw new BadRequestProblem(
      'Send one kind of change per update: a productKey, an entitlementBenefits, a ' +
        'revertCancellation, or data fields (notificationUrl, dateExpiry, customerIdentifier, ' +
        'entitlementDisplayName, extensionData).',
    );
  }
  return kind;
}

function terminationBody(
  view: EntitlementView,
  meta: RequestMeta,
  body: TerminationRequest,
  immediate: boolean,
): callbacks.CallbackTerminationRequest {
  return {
    requestId: meta.requestId,
    entitlementId: view.id,
    immediate,
    reasonCategory: body.reasonCategory as callbacks.ReasonCategory,
    reasonCode: body.reasonCode as callbacks.ReasonCode,
    reasonDescription: body.reasonDescription,
  };
}

function stateChangeBody(
  view: EntitlementView,
  meta: RequestMeta,
): callbacks.CallbackStateChangeRequest {
  return { requestId: meta.requestId, entitlementId: view.id };
}

function optionalDate(value: string | undefined): Date | undefined {
  return value === undefined ? undefined : new Date(value);
}
