import assert from 'node:assert/strict';

import { createMerchantClient } from '@tessera/merchant-client';
import {
  createResellerClient,
  ReasonCategory,
  ReasonCode,
  type ResellerClient,
  UpdateEntitlementRequestEntitlementBenefitsEnum as Benefits,
} from '@tessera/reseller-client';

import { uniqueCustomer, useApiWorld } from '../helpers/api-world';
import { describeEachDatabase } from '../helpers/databases';

describeEachDatabase('entitlement lifecycle over HTTP with the generated clients', (db) => {
  const suite = useApiWorld(db);
  let tessera: ResellerClient;

  before(() => {
    const { username, password } = suite.world.credentials.resellerA;
    tessera = createResellerClient({ baseUrl: suite.server.url, username, password });
  });

  it('creates (200 ACTIVE), suspends, resumes, cancels (ACTIVE-ENDING) and revokes', async () => {
    const { entitlements } = tessera;
    const createdRaw = await entitlements.createEntitlementRaw({
      idempotencyKey: `lifecycle-${uniqueCustomer()}`,
      createEntitlementRequest: {
        customerIdentifier: uniqueCustomer(),
        merchantAccountKey: 'MUSIC_A',
        productKey: 'MUSIC',
      },
    });
    assert.equal(createdRaw.raw.status, 200);
    const created = await createdRaw.value();
    assert.equal(created.status, 'ACTIVE');
    assert.equal(created.responseCode, 'OK');
    const entitlementId = created.entitlementId;

    const suspended = await entitlements.updateEntitlement({
      entitlementId,
      ifMatch: `"${created.version}"`,
      updateEntitlementRequest: { entitlementBenefits: Benefits.SUSPENDED },
    });
    assert.equal(suspended.status, 'SUSPENDED');

    const resumed = await entitlements.updateEntitlement({
      entitlementId,
      updateEntitlementRequest: { entitlementBenefits: Benefits.NORMAL },
    });
    assert.equal(resumed.status, 'ACTIVE');

    const cancelled = await entitlements.cancelEntitlement({
      entitlementId,
      terminationRequest: {
        reasonCategory: ReasonCategory.CUSTOMER_CANCELLED,
        reasonCode: ReasonCode.NOT_RENEWED,
      },
    });
    assert.equal(cancelled.status, 'ACTIVE-ENDING');
    assert.ok(cancelled.dateEnded instanceof Date && cancelled.dateEnded > new Date());

    const revoked = await entitlements.revokeEntitlement({
      entitlementId,
      terminationRequest: {
        reasonCategory: ReasonCategory.REVOKED,
        reasonCode: ReasonCode.IMMEDIATE_CANCELLATION,
      },
    });
    assert.equal(revoked.status, 'REVOKED');
    assert.equal(revoked.version, 5);

    const history = await tessera.events.listEntitlementEvents({ entitlementId });
    assert.deepEqual(
      history.events.map((event) => event.statusAfter),
      ['ACTIVE', 'SUSPENDED', 'ACTIVE', 'ACTIVE-ENDING', 'REVOKED'],
    );
    const calls = suite.stub.calls.map((call) => call.path.split('/').at(-1));
    assert.deepEqual(calls.slice(-5), [
      'entitlements',
      'suspend',
      'resume',
      'terminate',
      'terminate',
    ]);
  });

  it('creates asynchronously (202, sign-up URL) and activates via the merchant API', async () => {
    const createdRaw = await tessera.entitlements.createEntitlementRaw({
      createEntitlementRequest: {
        customerIdentifier: uniqueCustomer(),
        merchantAccountKey: 'MUSIC_A',
        productKey: 'MUSIC_PREMIUM',
      },
    });
    assert.equal(createdRaw.raw.status, 202);
    const created = await createdRaw.value();
    assert.equal(created.status, 'PENDING');
    assert.equal(created.responseCode, 'CLIENT_ACTION_REQUIRED');
    assert.equal(created.parameters?.action, 'NAVIGATE_TO_URL');
    assert.match(created.parameters?.url ?? '', /^https:\/\/music\.merchant\.test\/signup\//);

    const { username, password } = suite.world.credentials.merchantA;
    const merchant = createMerchantClient({ baseUrl: suite.server.url, username, password });
    const activated = await merchant.entitlements.activateEntitlement({
      entitlementId: created.entitlementId,
      activateEntitlementRequest: { merchantEntitlementId: 'sub_8842' },
    });
    assert.equal(activated.status, 'ACTIVE');
    assert.equal(activated.resellerKey, 'TELCO_A');

    const seen = await tessera.entitlements.getEntitlement({
      entitlementId: created.entitlementId,
    });
    assert.equal(seen.status, 'ACTIVE');
    assert.equal(seen.merchantEntitlementId, 'sub_8842');
  });
});
