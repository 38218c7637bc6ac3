import type { MerchantPrincipal, ResellerPrincipal } from '../domain/principals';
import type { ContractOperation } from './contract';
import type { ValidatedInput } from './request-validation.middleware';

/** Who is calling: a reseller or merchant credential, or the operator's admin token. */
export type Caller = ResellerPrincipal | MerchantPrincipal | AdminCaller;

/** The operator, authenticated by the `ADMIN_TOKEN` bearer token. */
export interface AdminCaller {
  kind: 'admin';
  /** Stands in for a credential id where one is needed (idempotency keys, rate limits). */
  credentialId: 'admin';
}

/** What the middleware learns about a request, in `ctx.state`. */
export interface TesseraState {
  /** The contract operation the request matched. */
  operation?: ContractOperation;
  caller?: Caller;
  input?: ValidatedInput;
}
