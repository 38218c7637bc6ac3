import type { components } from '../generated/contract';
import type {
  ActionParameters,
  ActionResult,
  MerchantEntitlement,
  Principal,
  RequestMeta,
} from '../domain/principals';
import { expectedVersionOf, setVersionETag } from '../http/etag';
import type { OperationContext } from '../http/operation-router';
import { currentRequestId } from '../logging/request-context';

type SuccessCode = components['schemas']['SuccessCode'];

/** `responseMessage` of a plain success; Bango's word for it. */
export const SUCCESS_MESSAGE = 'Success';

const STATUS_OF_RESULT: Record<ActionResult['result'], number> = {
  done: 200,
  created: 201,
  actionRequired: 202,
  accepted: 202,
};

const CODE_OF_RESULT: Record<ActionResult['result'], SuccessCode> = {
  done: 'OK',
  created: 'CREATED',
  actionRequired: 'CLIENT_ACTION_REQUIRED',
  accepted: 'ACCEPTED',
};

/** `{responseCode: OK, responseMessage: Success}`, to spread into list and echo bodies. */
export const OK = { responseCode: 'OK', responseMessage: SUCCESS_MESSAGE } as const;

/** The authenticated reseller or merchant of the request. */
export function principalOf<K extends Principal['kind']>(ctx: OperationContext, kind: K) {
  const caller = ctx.state.caller;
  if (caller?.kind !== kind) {
    // The router authenticates for exactly this audience, so this is a wiring mistake.
    throw new Error(`Expected a ${kind} caller`);
  }
  return caller as Extract<Principal, { kind: K }>;
}

/** The validated body, typed as the contract's schema for it. */
export function bodyOf<T>(ctx: OperationContext): T {
  return ctx.state.input!.body as T;
}

/** The validated (coerced) query parameters. */
export function queryOf<T>(ctx: OperationContext): T {
  return ctx.state.input!.query as T;
}

/** A validated path parameter. */
export function pathParam(ctx: OperationContext, name: string): string {
  return String(ctx.state.input!.params[name]);
}

/** Request id, magic number (`X-Magic-Number`, alias `Prefer`) and `If-Match` version. */
export function metaOf(ctx: OperationContext): RequestMeta {
  const magicNumber = ctx.get('X-Magic-Number') || ctx.get('Prefer');
  const expectedVersion = expectedVersionOf(ctx);
  return {
    requestId: currentRequestId() ?? '',
    ...(magicNumber === '' ? {} : { magicNumber }),
    ...(expectedVersion === undefined ? {} : { expectedVersion }),
  };
}

/**
 * Answers a reseller action: 200 OK, 201 CREATED (with `Location`), 202 CLIENT_ACTION_REQUIRED
 * (with `parameters`) or 202 ACCEPTED; the entitlement's version is the `ETag`.
 */
export function sendAction(ctx: OperationContext, action: ActionResult): void {
  const { entitlement, result, parameters } = action;
  ctx.status = STATUS_OF_RESULT[result];
  setVersionETag(ctx, entitlement.version);
  if (result === 'created') {
    ctx.set('Location', `/v1/entitlement/${entitlement.entitlementId}`);
  }

  ctx.body = {
    ...entitlement,
    responseCode: CODE_OF_RESULT[result],
    responseMessage: messageOf(result, parameters),
    ...(parameters === undefined ? {} : { parameters }),
  };
}

/** Answers 200 with a merchant's view of an entitlement and its `ETag`. */
export function sendMerchantEntitlement(ctx: OperationContext, entitlement: MerchantEntitlement) {
  setVersionETag(ctx, entitlement.version);
  ctx.body = { ...entitlement, ...OK };
}

function messageOf(result: ActionResult['result'], parameters?: ActionParameters): string {
  switch (result) {
    case 'created':
      return 'Created; the merchant activates it later';
    case 'accepted':
      return 'Accepted; the merchant confirms the change later';
    case 'actionRequired':
      return parameters?.action === 'ENTER_ACTIVATION_CODE'
        ? 'The user must enter the activation code at the merchant'
        : 'The user must sign up at the merchant';
    default:
      return SUCCESS_MESSAGE;
  }
}
