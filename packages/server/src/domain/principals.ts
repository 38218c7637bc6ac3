import type { components } from '../generated/contract';

/** An authenticated reseller credential. */
export interface ResellerPrincipal {
  kind: 'reseller';
  resellerId: string;
  resellerKey: string;
  sandbox: boolean;
  credentialId: string;
}

/** An authenticated merchant credential. */
export interface MerchantPrincipal {
  kind: 'merchant';
  merchantId: string;
  merchantAccountKey: string;
  credentialId: string;
}

export type Principal = ResellerPrincipal | MerchantPrincipal;

/** What a change needs to know about the request that asks for it. */
export interface RequestMeta {
  requestId: string;
  /** Sandbox only: picks the simulated merchant's answer. Ignored for other resellers. */
  magicNumber?: string;
  /** From `If-Match`: the change applies only to this version (412 otherwise). */
  expectedVersion?: number;
}

export type Entitlement = components['schemas']['Entitlement'];
export type MerchantEntitlement = components['schemas']['MerchantEntitlement'];
export type ActionParameters = components['schemas']['ActionParameters'];
export type EntitlementEvent = components['schemas']['EntitlementEvent'];

/**
 * The result of a reseller action: `done` → 200 OK; `created` → 201 CREATED; `actionRequired`
 * → 202 CLIENT_ACTION_REQUIRED with `parameters`; `accepted` → 202 ACCEPTED (the merchant
 * queued the change; the status is unchanged until it confirms).
 */
export interface ActionResult {
  entitlement: Entitlement;
  result: 'done' | 'created' | 'actionRequired' | 'accepted';
  parameters?: ActionParameters;
}
