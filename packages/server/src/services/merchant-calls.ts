import type { RequestMeta } from '../domain/principals';
import type { Merchant, Reseller, Route } from '../entities';
import type { RouteOperation } from '../entities/route.entity';
import { NotAvailableProblem } from '../errors/http-problems';
import { ProblemError } from '../errors/problem';
import { MerchantGatewayError } from '../merchants/merchant-errors';
import type { CallContext, MerchantEndpoint } from '../merchants/merchant-gateway';

/** The merchant's callback configuration, as the gateway needs it. */
export function endpointOf(merchant: Merchant): MerchantEndpoint {
  return {
    merchantAccountKey: merchant.merchantAccountKey,
    callbackUrls: merchant.callbackUrls,
    auth: merchant.callbackAuth,
    timeoutMs: merchant.callbackTimeoutMs,
  };
}

/** The context of a merchant call; the magic number reaches simulated merchants only. */
export function callContext(reseller: Reseller, meta: RequestMeta): CallContext {
  const context: CallContext = { requestId: meta.requestId };
  if (reseller.sandbox && meta.magicNumber !== undefined) {
    context.magicNumber = meta.magicNumber;
  }
  return context;
}

/**
 * Runs a merchant call, turning the gateway's errors into the contract's problems
 * (MERCHANT_ERROR 502, MERCHANT_UNAVAILABLE 503) that name the entitlement concerned.
 */
export async function callMerchant<T>(entitlementId: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw merchantProblem(error, entitlementId);
  }
}

/** `error` as a problem naming `entitlementId` if it came from the merchant gateway. */
export function merchantProblem(error: unknown, entitlementId: string): unknown {
  if (error instanceof MerchantGatewayError) {
    return new ProblemError(error.responseCode, error.message, { entitlementId, cause: error });
  }
  return error;
}

/** Throws 422 NOT_AVAILABLE unless the route lists `operation`. */
export function assertRouteSupports(route: Route, operation: RouteOperation): void {
  if (!route.supportedOperations.includes(operation)) {
    throw new NotAvailableProblem(
      `The operation ${operation} is not available on your route to this merchant.`,
    );
  }
}
