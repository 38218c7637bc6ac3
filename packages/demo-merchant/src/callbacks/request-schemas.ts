import {
  callbacks,
  type CallbackEntitlementRequest,
  type CallbackStateChangeRequest,
  type CallbackTerminationRequest,
  type CallbackUpdateRequest,
  type FieldError,
} from '@tessera/merchant-client';
import { z } from 'zod';

import { ProblemError } from '../http/problem';

// Runtime checks of the callback bodies. Each schema `satisfies` the generated type, so when
// the contract adds a required field or changes one, this file stops compiling.

const text = z.string().min(1);
// Any 8-4-4-4-12 hex id: a merchant should not be pickier about UUID versions than Tessera.
const uuid = z.guid();
const extensionData = z.record(z.string(), z.string());

/** The create callback's body (`CallbackEntitlementRequest`). */
export const createRequestSchema = z.object({
  requestId: text,
  entitlementId: uuid,
  sharedCustomerId: text,
  customerIdentifier: z.string().optional(),
  resellerKey: z.string().optional(),
  merchantAccountKey: text,
  productKey: text,
  offerKey: z.string().optional(),
  entitlementDisplayName: z.string().optional(),
  routeExtensionData: extensionData,
}) satisfies z.ZodType<CallbackEntitlementRequest>;

/** The update callback's body (`CallbackUpdateRequest`). */
export const updateRequestSchema = z.object({
  requestId: text,
  entitlementId: uuid,
  productKey: text,
  previousProductKey: z.string().optional(),
  merchantExtensionData: extensionData.optional(),
}) satisfies z.ZodType<CallbackUpdateRequest>;

/** The suspend and resume callbacks' body (`CallbackStateChangeRequest`). */
export const stateChangeRequestSchema = z.object({
  requestId: text,
  entitlementId: uuid,
  reasonDescription: z.string().optional(),
}) satisfies z.ZodType<CallbackStateChangeRequest>;

/** The terminate callback's body (`CallbackTerminationRequest`). */
export const terminationRequestSchema = z.object({
  requestId: text,
  entitlementId: uuid,
  immediate: z.boolean(),
  reasonCategory: z.enum(callbacks.ReasonCategory),
  reasonCode: z.enum(callbacks.ReasonCode),
  reasonDescription: z.string().optional(),
}) satisfies z.ZodType<CallbackTerminationRequest>;

/** For a callback without a body (activation info): whatever arrives is ignored. */
export const noBodySchema: z.ZodType<object> = z.unknown().transform(() => ({}));

/**
 * Validates a request body.
 *
 * @throws ProblemError 400 listing every invalid field (as JSON pointers) at once
 */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) {
    return result.data;
  }

  const errors: FieldError[] = result.error.issues.map((issue) => ({
    field: `/${issue.path.join('/')}`,
    message: issue.message,
  }));
  const fields = errors.map((error) => error.field).join(', ');
  throw new ProblemError(400, `The request body is invalid: ${fields}.`, { errors });
}
