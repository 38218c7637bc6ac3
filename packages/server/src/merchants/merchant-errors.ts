import { NotAvailableProblem } from '../errors/http-problems';
import { ProblemError } from '../errors/problem';
import type { CallbackOperation } from './merchant-gateway';

/**
 * Errors of the merchant gateway: problems with the contract's codes `MERCHANT_ERROR` (502)
 * and `MERCHANT_UNAVAILABLE` (503), so that a caller can rethrow them as they are or add the
 * entitlement concerned. `message` (the problem's `detail`) names the merchant and the cause,
 * never a URL or a secret.
 */

/** The contract's codes for a merchant that failed. */
export type MerchantResponseCode = 'MERCHANT_ERROR' | 'MERCHANT_UNAVAILABLE';

/** Base of every error that says the merchant, not the caller, failed. */
export abstract class MerchantGatewayError extends ProblemError {
  // `status` is Tessera's answer (502/503), not the merchant's: see `merchantStatus`.
  declare readonly responseCode: MerchantResponseCode;
  readonly merchantAccountKey: string;
  readonly operation: CallbackOperation;

  protected constructor(
    responseCode: MerchantResponseCode,
    merchantAccountKey: string,
    operation: CallbackOperation,
    detail: string,
    options: { cause?: unknown } = {},
  ) {
    super(responseCode, detail, { cause: options.cause });
    this.merchantAccountKey = merchantAccountKey;
    this.operation = operation;
  }
}

/** Every attempt failed with a 5xx, a timeout or a network error (503). */
export class MerchantUnavailableError extends MerchantGatewayError {
  /** How many attempts were made. */
  readonly attempts: number;
  /** The last attempt's failure, e.g. `HTTP 503`, `timed out after 2000 ms`. */
  readonly lastCause: string;

  constructor(
    merchantAccountKey: string,
    operation: CallbackOperation,
    attempts: number,
    lastCause: string,
    options: { cause?: unknown } = {},
  ) {
    super(
      'MERCHANT_UNAVAILABLE',
      merchantAccountKey,
      operation,
      `Merchant ${merchantAccountKey} did not answer the ${operation} callback after ` +
        `${attempts} attempt${attempts === 1 ? '' : 's'} (last: ${lastCause}).`,
      options,
    );
    this.attempts = attempts;
    this.lastCause = lastCause;
  }
}

/** What the merchant said when it refused, from its problem details (all optional). */
export interface MerchantProblem {
  type?: string;
  title?: string;
  detail?: string;
  responseCode?: string;
}

/**
 * The merchant answered 4xx: it refused the request (502). Not retried. A 409 on create means
 * the customer is not eligible ({@link MerchantRefusedError.customerNotEligible}).
 */
export class MerchantRefusedError extends MerchantGatewayError {
  /** The merchant's HTTP status, e.g. 409. */
  readonly merchantStatus: number;
  /** The merchant's problem details, when its body was one. */
  readonly merchantProblem: MerchantProblem | undefined;

  constructor(
    merchantAccountKey: string,
    operation: CallbackOperation,
    merchantStatus: number,
    merchantProblem: MerchantProblem | undefined,
    options: { cause?: unknown; what?: string } = {},
  ) {
    const said = [merchantProblem?.title, merchantProblem?.detail]
      .filter((part): part is string => part !== undefined && part !== '')
      .join(': ');
    const what = options.what ?? `the ${operation} callback`;
    super(
      'MERCHANT_ERROR',
      merchantAccountKey,
      operation,
      `Merchant ${merchantAccountKey} refused ${what} with HTTP ${merchantStatus}` +
        (said === '' ? '.' : `: ${said}`),
      options,
    );
    this.merchantStatus = merchantStatus;
    this.merchantProblem = merchantProblem;
  }

  /** A 409 on create: the merchant refuses this customer (e.g. already a direct subscriber). */
  get customerNotEligible(): boolean {
    return this.operation === 'create' && this.merchantStatus === 409;
  }
}

/** The merchant answered, but not as the contract says (502). Not retried. */
export class MerchantProtocolError extends MerchantGatewayError {
  constructor(
    merchantAccountKey: string,
    operation: CallbackOperation,
    problem: string,
    options: { cause?: unknown } = {},
  ) {
    super(
      'MERCHANT_ERROR',
      merchantAccountKey,
      operation,
      `Merchant ${merchantAccountKey} answered the ${operation} callback incorrectly: ${problem}`,
      options,
    );
  }
}

/**
 * The merchant's configuration cannot be used, e.g. a callback URL that is not an absolute
 * http(s) URL (502: the merchant integration is broken; nothing was sent).
 */
export class MerchantConfigurationError extends MerchantGatewayError {
  constructor(merchantAccountKey: string, operation: CallbackOperation, problem: string) {
    super(
      'MERCHANT_ERROR',
      merchantAccountKey,
      operation,
      `Merchant ${merchantAccountKey} is misconfigured: ${problem}.`,
    );
  }
}

/** The merchant configured no URL for the operation, so it does not support it. */
export class OperationNotSupportedError extends NotAvailableProblem {
  readonly merchantAccountKey: string;
  readonly operation: CallbackOperation;

  constructor(merchantAccountKey: string, operation: CallbackOperation) {
    super(`Merchant ${merchantAccountKey} does not support the ${operation} operation.`);
    this.merchantAccountKey = merchantAccountKey;
    this.operation = operation;
  }
}
