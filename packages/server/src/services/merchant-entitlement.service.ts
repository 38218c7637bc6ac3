import { resellerNow } from '../domain/clock';
import type { MerchantEntitlement, MerchantPrincipal, RequestMeta } from '../domain/principals';
import { resolveTransition, type Transition } from '../domain/state-machine';
import { NotAvailableProblem } from '../errors/http-problems';
import type { components } from '../generated/contract';
import type { EntitlementChanges, EntitlementView } from '../repositories/entitlement.repository';
import { findProductOnRoute } from './catalogue-checks';
import { applyTransition, loadEntitlement } from './entitlement-changes';
import type { EntitlementDeps } from './entitlement-deps';
import { toMerchantEntitlement } from './entitlement-views';
import { decodeCursor, toPage } from './paging';
import { assertReasonPair, reasonFields } from './termination-reasons';

type Schemas = components['schemas'];
export type MerchantUpdateRequest = Schemas['MerchantUpdateRequest'];
export type ActivateEntitlementRequest = Schemas['ActivateEntitlementRequest'];
export type MerchantTerminationRequest = Schemas['MerchantTerminationRequest'];
export type StateChangeRequest = Schemas['StateChangeRequest'];
export type CustomerNotEligibleRequest = Schemas['CustomerNotEligibleRequest'];

/** Filters and page of `list`. */
export interface MerchantEntitlementListQuery {
  merchantEntitlementId?: string;
  sharedCustomerId?: string;
  productKey?: string;
  status?: Schemas['EntitlementStatus'];
  cursor?: string;
  limit: number;
}

/**
 * What merchants report about entitlements of their products. A merchant sees only those:
 * any other entitlement is 404. Every method returns the entitlement after the change.
 */
export class MerchantEntitlementService {
  constructor(private readonly deps: EntitlementDeps) {}

  async get(m: MerchantPrincipal, entitlementId: string): Promise<MerchantEntitlement> {
    return toMerchantEntitlement(await this.load(m, entitlementId));
  }

  /** One page of the merchant's entitlements, oldest first. */
  async list(
    m: MerchantPrincipal,
    query: MerchantEntitlementListQuery,
  ): Promise<{ entitlements: MerchantEntitlement[]; nextCursor: string | null }> {
    const { cursor, limit, ...filters } = query;
    const after = decodeCursor(cursor);
    const rows = await this.deps.transactions.read((tx) =>
      this.deps.entitlements.page(tx, { ...filters, merchantId: m.merchantId }, after, limit + 1),
    );
    const page = toPage(rows, limit, toMerchantEntitlement);
    return { entitlements: page.items, nextCursor: page.nextCursor };
  }

  /**
   * A change made on the merchant's side: another product of the route (PRODUCT_UPDATE, from
   * ACTIVE) and/or new merchant extension data (METADATA_UPDATE, any live status).
   */
  async update(
    m: MerchantPrincipal,
    entitlementId: string,
    body: MerchantUpdateRequest,
    meta: RequestMeta,
  ): Promise<MerchantEntitlement> {
    const view = await this.load(m, entitlementId, meta);
    const fields: EntitlementChanges = {};
    if (body.merchantExtensionData !== undefined) {
      fields.merchantExtensionData = body.merchantExtensionData;
    }
    if (body.productKey === undefined || body.productKey === view.productKey) {
      return this.apply(
        view,
        meta,
        resolveTransition('updateData', view.status, 'MERCHANT'),
        fields,
      );
    }

    const transition = resolveTransition('changeProduct', view.status, 'MERCHANT', 'done');
    const productKey = body.productKey;
    await this.deps.transactions.read((tx) =>
      findProductOnRoute(tx, this.deps.products, view.route, productKey),
    );
    return this.apply(view, meta, transition, { ...fields, productKey });
  }

  /** The user finished sign-up: PENDING → ACTIVE. Already ACTIVE: nothing to do (200). */
  async activate(
    m: MerchantPrincipal,
    entitlementId: string,
    body: ActivateEntitlementRequest | undefined,
    meta: RequestMeta,
  ): Promise<MerchantEntitlement> {
    const view = await this.load(m, entitlementId, meta);
    if (view.status === 'ACTIVE') {
      return toMerchantEntitlement(view);
    }
    const transition = resolveTransition('activate', view.status, 'MERCHANT');
    return this.apply(view, meta, transition, {
      dateActivated: this.now(view),
      pendingAction: null,
      merchantEntitlementId: body?.merchantEntitlementId ?? view.merchantEntitlementId,
      merchantExtensionData: body?.merchantExtensionData ?? view.merchantExtensionData,
    });
  }

  /**
   * Ends the entitlement from the merchant's side: `immediate` revokes it; otherwise it is
   * cancelled, through ACTIVE-ENDING when `terminationDate` is in the future.
   */
  async terminate(
    m: MerchantPrincipal,
    entitlementId: string,
    body: MerchantTerminationRequest,
    meta: RequestMeta,
  ): Promise<MerchantEntitlement> {
    assertReasonPair(body);
    const view = await this.load(m, entitlementId, meta);
    const now = this.now(view);
    if (body.immediate) {
      const transition = resolveTransition('revoke', view.status, 'MERCHANT');
      return this.apply(view, meta, transition, { dateEnded: now, ...reasonFields(body) });
    }

    const end = body.terminationDate === undefined ? undefined : new Date(body.terminationDate);
    const scheduled = view.status === 'ACTIVE' && end !== undefined && end > now;
    const outcome = scheduled ? 'scheduled' : 'immediate';
    const transition = resolveTransition('cancel', view.status, 'MERCHANT', outcome);
    return this.apply(view, meta, transition, {
      dateEnded: scheduled ? end : now,
      ...reasonFields(body),
    });
  }

  /**
   * ACTIVE → SUSPENDED, where the route lets merchants suspend, or to confirm a suspend the
   * reseller asked for and the merchant queued.
   */
  async suspend(
    m: MerchantPrincipal,
    entitlementId: string,
    _body: StateChangeRequest | undefined,
    meta: RequestMeta,
  ): Promise<MerchantEntitlement> {
    const view = await this.load(m, entitlementId, meta);
    const confirming = view.awaitingMerchant === 'suspend';
    if (!confirming && !view.route.supportedOperations.includes('MERCHANT_SUSPEND')) {
      throw new NotAvailableProblem('This route does not let the merchant suspend entitlements.');
    }
    const transition = resolveTransition('suspend', view.status, 'MERCHANT');
    return this.apply(view, meta, transition, { dateSuspended: this.now(view) });
  }

  /** SUSPENDED → ACTIVE. */
  async resume(
    m: MerchantPrincipal,
    entitlementId: string,
    _body: StateChangeRequest | undefined,
    meta: RequestMeta,
  ): Promise<MerchantEntitlement> {
    const view = await this.load(m, entitlementId, meta);
    const transition = resolveTransition('resume', view.status, 'MERCHANT');
    return this.apply(view, meta, transition, { dateResumed: this.now(view) });
  }

  /** The merchant refuses the customer: PENDING → FAILED (CUSTOMER_NOT_ELIGIBLE). */
  async markNotEligible(
    m: MerchantPrincipal,
    entitlementId: string,
    body: CustomerNotEligibleRequest | undefined,
    meta: RequestMeta,
  ): Promise<MerchantEntitlement> {
    const view = await this.load(m, entitlementId, meta);
    const transition = resolveTransition('markNotEligible', view.status, 'MERCHANT');
    return this.apply(view, meta, transition, {
      dateEnded: this.now(view),
      pendingAction: null,
      reasonDescription: body?.reasonDescription ?? null,
    });
  }

  /** The merchant's entitlement (404 otherwise), at the caller's `If-Match` version (412). */
  private load(
    m: MerchantPrincipal,
    entitlementId: string,
    meta?: RequestMeta,
  ): Promise<EntitlementView> {
    return loadEntitlement(this.deps, entitlementId, { merchantId: m.merchantId }, meta);
  }

  private async apply(
    view: EntitlementView,
    meta: RequestMeta,
    transition: Transition,
    fields: EntitlementChanges,
  ): Promise<MerchantEntitlement> {
    const change = { transition, actor: 'MERCHANT' as const, fields };
    return toMerchantEntitlement(await applyTransition(this.deps, view, meta, change));
  }

  /** The time by which the entitlement's reseller lives (its test clock in the sandbox). */
  private now(view: EntitlementView): Date {
    return resellerNow(this.deps.clock, view.reseller);
  }
}
