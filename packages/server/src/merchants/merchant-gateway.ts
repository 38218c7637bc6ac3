import type { callbacks } from '@tessera/merchant-client';

/**
 * The merchant gateway: how Tessera calls a merchant's callbacks (the contract in
 * `specs/merchant-callbacks.yaml`). Entitlement services depend on {@link MerchantGateway} only;
 * `HttpMerchantGateway` is the implementation over HTTP.
 *
 * Errors every method may throw (see `merchant-errors.ts`):
 * - `OperationNotSupportedError` (NOT_AVAILABLE): the merchant configured no URL for it;
 * - `MerchantUnavailableError` (MERCHANT_UNAVAILABLE, 503): 5xx, timeout or network error on
 *   every one of the attempts;
 * - `MerchantRefusedError` (MERCHANT_ERROR, 502): the merchant answered 4xx (a 409 on create:
 *   the customer is not eligible);
 * - `MerchantProtocolError` (MERCHANT_ERROR, 502): the answer breaks the contract.
 */

/** One of the callbacks a merchant may implement; also the keys of its callback URLs. */
export type CallbackOperation =
  'create' | 'activationInfo' | 'update' | 'suspend' | 'resume' | 'terminate';

/** Every {@link CallbackOperation}, in contract order. */
export const CALLBACK_OPERATIONS: readonly CallbackOperation[] = [
  'create',
  'activationInfo',
  'update',
  'suspend',
  'resume',
  'terminate',
];

/** How Tessera authenticates to the merchant (the contract's `ReceiverAuth`). */
export type ReceiverAuth =
  | { type: 'NONE' }
  | { type: 'BASIC'; username: string; password: string }
  /** Sent as `X-Api-Key`. */
  | { type: 'API_KEY'; apiKey: string }
  | {
      type: 'OAUTH2_CLIENT_CREDENTIALS';
      tokenUrl: string;
      clientId: string;
      clientSecret: string;
      scope?: string;
    };

/** One merchant's callback configuration. */
export interface MerchantEndpoint {
  merchantAccountKey: string;
  /** Absolute URLs; each may contain `{merchantEntitlementId}`. A missing one is unsupported. */
  callbackUrls: Partial<Record<CallbackOperation, string>>;
  auth: ReceiverAuth;
  /** Timeout of each attempt (and of each token request), in milliseconds. */
  timeoutMs: number;
}

/** Per-call context. */
export interface CallContext {
  /** Id of the request being handled, for the logs. */
  requestId: string;
  /** Sandbox only: passed to the merchant as `X-Magic-Number`. */
  magicNumber?: string;
}

/** What the user must do before the entitlement becomes active. */
export interface ActivationAction {
  action: 'NAVIGATE_TO_URL' | 'ENTER_ACTIVATION_CODE';
  /** Set for `NAVIGATE_TO_URL`: an absolute http(s) URL of at most 10,000 characters. */
  url?: string;
  /** When the URL stops working; `null` when the merchant said it does not expire. */
  urlExpiry?: Date | null;
  /** Set for `ENTER_ACTIVATION_CODE`. */
  activationCode?: string;
}

/** The merchant's answer to a create: 200 activated, 201 created, 202 action required. */
export type CreateOutcome =
  | {
      kind: 'activated' | 'created';
      merchantEntitlementId?: string;
      merchantExtensionData?: Record<string, string>;
    }
  | {
      kind: 'actionRequired';
      merchantEntitlementId?: string;
      merchantExtensionData?: Record<string, string>;
      action: ActivationAction;
    };

/** The merchant's answer to an update: 200 done, 202 the user must act. */
export type UpdateOutcome =
  | { kind: 'done'; merchantExtensionData?: Record<string, string> }
  | { kind: 'actionRequired'; action: ActivationAction };

/** The merchant's answer to a suspend or resume; `accepted` = it queued it (202). */
export type StateChangeOutcome = { kind: 'done' } | { kind: 'accepted' };

/** The merchant's answer to a terminate; `accepted` = it queued it (202). */
export type TerminateOutcome = { kind: 'done'; terminationDate?: Date } | { kind: 'accepted' };

/** Calls a merchant's callbacks. */
export interface MerchantGateway {
  /** Whether the merchant configured a URL for `operation`. */
  supports(endpoint: MerchantEndpoint, operation: CallbackOperation): boolean;

  createEntitlement(
    endpoint: MerchantEndpoint,
    body: callbacks.CallbackEntitlementRequest,
    ctx: CallContext,
  ): Promise<CreateOutcome>;

  getActivationInfo(
    endpoint: MerchantEndpoint,
    merchantEntitlementId: string,
    ctx: CallContext,
  ): Promise<ActivationAction>;

  updateEntitlement(
    endpoint: MerchantEndpoint,
    merchantEntitlementId: string,
    body: callbacks.CallbackUpdateRequest,
    ctx: CallContext,
  ): Promise<UpdateOutcome>;

  suspendEntitlement(
    endpoint: MerchantEndpoint,
    merchantEntitlementId: string,
    body: callbacks.CallbackStateChangeRequest,
    ctx: CallContext,
  ): Promise<StateChangeOutcome>;

  resumeEntitlement(
    endpoint: MerchantEndpoint,
    merchantEntitlementId: string,
    body: callbacks.CallbackStateChangeRequest,
    ctx: CallContext,
  ): Promise<StateChangeOutcome>;

  terminateEntitlement(
    endpoint: MerchantEndpoint,
    merchantEntitlementId: string,
    body: callbacks.CallbackTerminationRequest,
    ctx: CallContext,
  ): Promise<TerminateOutcome>;
}
