import { isValidReasonPair } from '../domain/state-machine';
import { BadRequestProblem } from '../errors/http-problems';
import type { EntitlementChanges } from '../repositories/entitlement.repository';

/** Throws 400 unless the reason category and code are a pair of the state machine's table. */
export function assertReasonPair(body: { reasonCategory: string; reasonCode: string }): void {
  if (!isValidReasonPair(body.reasonCategory, body.reasonCode)) {
    throw new BadRequestProblem(
      `${body.reasonCode} is not a reason code of the category ${body.reasonCategory}.`,
      { errors: [{ field: 'reasonCode', message: `is not a code of ${body.reasonCategory}` }] },
    );
  }
}

/** The reason columns of a termination. */
export function reasonFields(body: {
  reasonCategory: string;
  reasonCode: string;
  reasonDescription?: string;
}): EntitlementChanges {
  return {
    reasonCategory: body.reasonCategory,
    reasonCode: body.reasonCode,
    reasonDescription: body.reasonDescription ?? null,
  };
}
