import { randomUUID } from 'node:crypto';

import {
  ActivateEntitlementRequestFromJSON,
  CustomerNotEligibleRequestFromJSON,
  MerchantTerminationRequestFromJSON,
  MerchantUpdateRequestFromJSON,
  StateChangeRequestFromJSON,
} from '@tessera/merchant-client';

import type { ActionArgs } from '../../scenario/schema';
import type { ScenarioRun } from '../scenario-run';
import { exchange } from './exchange';

/** `merchantCall`: the merchant reports a change through Tessera's merchant API. */
export async function merchantCall(
  run: ScenarioRun,
  args: ActionArgs<'merchantCall'>,
): Promise<void> {
  const { id } = run.entitlement(args.entitlement);
  const api = run.deps.merchant.entitlements;
  const body = args.body ?? {};
  const common = { entitlementId: id, idempotencyKey: randomUUID() };
  const calls = {
    get: () => api.getMerchantEntitlementRaw({ entitlementId: id }),
    activate: () =>
      api.activateEntitlementRaw({
        ...common,
        activateEntitlementRequest: ActivateEntitlementRequestFromJSON(body),
      }),
    suspend: () =>
      api.suspendEntitlementRaw({
        ...common,
        stateChangeRequest: StateChangeRequestFromJSON(body),
      }),
    resume: () =>
      api.resumeEntitlementRaw({ ...common, stateChangeRequest: StateChangeRequestFromJSON(body) }),
    terminate: () =>
      api.terminateEntitlementRaw({
        ...common,
        merchantTerminationRequest: MerchantTerminationRequestFromJSON(body),
      }),
    update: () =>
      api.updateMerchantEntitlementRaw({
        ...common,
        merchantUpdateRequest: MerchantUpdateRequestFromJSON(body),
      }),
    notEligible: () =>
      api.markCustomerNotEligibleRaw({
        ...common,
        customerNotEligibleRequest: CustomerNotEligibleRequestFromJSON(body),
      }),
  };
  await exchange(run, calls[args.operation]);
}
