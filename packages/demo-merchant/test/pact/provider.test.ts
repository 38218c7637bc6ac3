/**
 * The demo merchant as the provider of Tessera's callback contract: the pact the merchant
 * client's tests record with `createCallbacksClient` (consumer `tessera-server-callbacks`,
 * provider `tessera-demo-merchant`) must be answered by the real demo merchant. Every
 * interaction gets a fresh demo merchant; its state is seeded through the merchant's own
 * callbacks, and the id it gives a subscription goes back to the interaction
 * (`fromProviderState('${merchantEntitlementId}')`). Run the merchant client's tests first to
 * write the pact (turbo does). `PACT_LOG_LEVEL=debug` shows every request and state call.
 */
import path from 'node:path';

import { type LogLevel, Verifier } from '@pact-foundation/pact';
import { z } from 'zod';

import { FreshDemoMerchant } from './fresh-demo-merchant';

// No usage statistics from the verifier (it would try to send them from every test run).
process.env.PACT_DO_NOT_TRACK ??= 'true';

const PACT_FILE = path.resolve(
  __dirname,
  '../../../../pacts/tessera-server-callbacks-tessera-demo-merchant.json',
);
const logLevel = (process.env.PACT_LOG_LEVEL ?? 'warn') as LogLevel;

const sellsTheProduct = z.strictObject({ productKey: z.string() });
const holdsASubscription = z.strictObject({
  entitlementId: z.string(),
  productKey: z.string(),
  status: z.string(),
});

describe('Pact provider verification (tessera-demo-merchant)', function () {
  const merchant = new FreshDemoMerchant();

  before(async () => {
    await merchant.start();
  });

  after(async () => {
    await merchant.stop();
  });

  it("answers Tessera's callbacks as the callbacks pact expects", async function () {
    this.timeout(120_000);

    await new Verifier({
      provider: 'tessera-demo-merchant',
      providerBaseUrl: merchant.url,
      pactUrls: [PACT_FILE],
      beforeEach: () => merchant.reset(),
      stateHandlers: {
        'the merchant sells the product': async (params) => {
          merchant.sells(sellsTheProduct.parse(params).productKey);
        },
        'the merchant holds a subscription': async (params) => {
          const { entitlementId, productKey, status } = holdsASubscription.parse(params);
          return { merchantEntitlementId: await merchant.holds(entitlementId, productKey, status) };
        },
      },
      logLevel,
    }).verifyProvider();
  });
});
