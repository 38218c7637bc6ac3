import { callbacks } from '@tessera/merchant-client';

import type { LogCapture } from '../../helpers/log-capture';
import { createTestLogger } from '../../helpers/log-capture';
import { HttpMerchantGateway, type HttpMerchantGatewayOptions } from '../../../src/merchants';
import type {
  CallbackOperation,
  CallContext,
  MerchantEndpoint,
  ReceiverAuth,
} from '../../../src/merchants';
import type { MerchantStub } from '../../helpers/merchant-stub';

export const ENTITLEMENT_ID = '7d3f2c4e-1b2a-4c5d-9e8f-0a1b2c3d4e5f';
export const REQUEST_ID = '3b1f6a0e-2c4d-4e5f-8a9b-0c1d2e3f4a5b';
export const CTX: CallContext = { requestId: 'req-merchant-test' };

export const CREATE_BODY: callbacks.CallbackEntitlementRequest = {
  requestId: REQUEST_ID,
  entitlementId: ENTITLEMENT_ID,
  sharedCustomerId: 'sc_5Jk2mQ9xLr',
  resellerKey: 'DEMO_TELCO',
  merchantAccountKey: 'DEMO_MUSIC',
  productKey: 'MUSIC',
  routeExtensionData: { bundle: 'MOBILE_PLUS' },
};

export const UPDATE_BODY: callbacks.CallbackUpdateRequest = {
  requestId: REQUEST_ID,
  entitlementId: ENTITLEMENT_ID,
  productKey: 'MUSIC_PREMIUM',
  previousProductKey: 'MUSIC',
};

export const STATE_BODY: callbacks.CallbackStateChangeRequest = {
  requestId: REQUEST_ID,
  entitlementId: ENTITLEMENT_ID,
};

export const TERMINATE_BODY: callbacks.CallbackTerminationRequest = {
  requestId: REQUEST_ID,
  entitlementId: ENTITLEMENT_ID,
  immediate: false,
  reasonCategory: callbacks.ReasonCategory.CUSTOMER_CANCELLED,
  reasonCode: callbacks.ReasonCode.NOT_RENEWED,
};

/** The contract's suggested paths, on the stub. */
export const PATHS: Record<CallbackOperation, string> = {
  create: '/tessera/entitlements',
  activationInfo: '/tessera/entitlements/{merchantEntitlementId}/activationInfo',
  update: '/tessera/entitlements/{merchantEntitlementId}',
  suspend: '/tessera/entitlements/{merchantEntitlementId}/suspend',
  resume: '/tessera/entitlements/{merchantEntitlementId}/resume',
  terminate: '/tessera/entitlements/{merchantEntitlementId}/terminate',
};

/** A merchant on `stub` with every callback at its suggested path. */
export function endpointFor(
  stub: MerchantStub,
  overrides: Partial<MerchantEndpoint> = {},
  auth: ReceiverAuth = { type: 'NONE' },
): MerchantEndpoint {
  const callbackUrls = Object.fromEntries(
    Object.entries(PATHS).map(([operation, path]) => [operation, stub.url(path)]),
  );
  return {
    merchantAccountKey: 'DEMO_MUSIC',
    callbackUrls,
    auth,
    timeoutMs: 2_000,
    ...overrides,
  };
}

/** A gateway logging into a capture, at debug. */
export function createGateway(options: Partial<HttpMerchantGatewayOptions> = {}): {
  gateway: HttpMerchantGateway;
  logs: LogCapture;
} {
  const { logger, logs } = createTestLogger('debug');
  return { gateway: new HttpMerchantGateway({ logger, ...options }), logs };
}

/** Awaits `promise`, which must reject, and returns the rejection. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}
