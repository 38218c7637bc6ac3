import { randomUUID } from 'node:crypto';

import type { components } from '../../../src/generated/contract';

type EntitlementEvent = components['schemas']['EntitlementEvent'];

/** A complete, contract-shaped event of a suspension, for tests of the wire format. */
export function sampleEvent(overrides: Partial<EntitlementEvent> = {}): EntitlementEvent {
  const entitlementId = overrides.entitlementId ?? randomUUID();
  const at = '2026-12-03T10:15:30.123Z';
  return {
    eventId: randomUUID(),
    sequence: 7,
    entitlementId,
    version: 3,
    reason: 'SUSPENSION_SUCCESS',
    actor: 'MERCHANT',
    statusBefore: 'ACTIVE',
    statusAfter: 'SUSPENDED',
    requestId: 'req-1',
    occurredAt: at,
    entitlement: {
      entitlementId,
      status: 'SUSPENDED',
      customerIdentifier: 'cust-1',
      sharedCustomerId: 'sc_abc',
      merchantAccountKey: 'DEMO_MUSIC',
      productKey: 'MUSIC',
      offerKey: null,
      merchantEntitlementId: entitlementId,
      entitlementDisplayName: null,
      notificationUrl: null,
      extensionData: {},
      merchantExtensionData: {},
      activationCode: null,
      dateCreated: '2026-12-01T09:00:00.000Z',
      dateActivated: '2026-12-01T09:00:01.000Z',
      dateSuspended: at,
      dateResumed: null,
      dateEnded: null,
      dateExpiry: null,
      dateLastUpdated: at,
      version: 3,
      reasonCategory: null,
      reasonCode: null,
      reasonDescription: null,
    },
    ...overrides,
  };
}
