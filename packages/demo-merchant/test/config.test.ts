import assert from 'node:assert/strict';

import { ConfigError, loadConfig } from '../src';

const REQUIRED = {
  TESSERA_MERCHANT_USERNAME: 'DEMO_MUSIC',
  TESSERA_MERCHANT_PASSWORD: 'merchant-secret',
  CALLBACK_USERNAME: 'tessera',
  CALLBACK_PASSWORD: 'callback-secret',
};

describe('loadConfig', () => {
  it('applies the defaults', () => {
    const config = loadConfig(REQUIRED);

    assert.equal(config.port, 8090);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.merchant.basePath, '/tessera');
    assert.equal(config.merchant.tessera.baseUrl, 'http://127.0.0.1:8080');
    assert.equal(config.merchant.oauth2, undefined);
    assert.equal(config.merchant.timing?.confirmationDelayMs, 5000);
    assert.equal(config.merchant.timing?.timeoutDelayMs, 15_000);
    assert.equal(config.merchant.timing?.billingPeriodMs, 30 * 24 * 60 * 60 * 1000);
  });

  it('reads OAuth2, products and delays', () => {
    const config = loadConfig({
      ...REQUIRED,
      PUBLIC_BASE_URL: 'https://merchant.example.com/',
      BASE_PATH: '/',
      OAUTH2_CLIENT_ID: 'tessera-client',
      OAUTH2_CLIENT_SECRET: 'oauth-secret',
      OAUTH2_TOKEN_TTL_SECONDS: '60',
      PRODUCTS: '{"VIDEO":{"name":"Video","magic":"REQUEST_RETURNS_ACCEPTED"}}',
      CONFIRMATION_DELAY_MS: '50',
    });

    assert.equal(config.merchant.publicBaseUrl, 'https://merchant.example.com');
    assert.equal(config.merchant.basePath, '');
    assert.deepEqual(config.merchant.oauth2, {
      clientId: 'tessera-client',
      clientSecret: 'oauth-secret',
      tokenTtlSeconds: 60,
    });
    assert.deepEqual(config.merchant.products, {
      VIDEO: { name: 'Video', magic: ['REQUEST_RETURNS_ACCEPTED'] },
    });
    assert.equal(config.merchant.timing?.confirmationDelayMs, 50);
  });

  it('reports every problem at once', () => {
    const env = {
      PORT: '99999',
      PRODUCTS: '{"VIDEO":{"magic":["NOT_A_VALUE"]}}',
      OAUTH2_CLIENT_ID: 'only-the-id',
    };

    assert.throws(
      () => loadConfig(env),
      (error: ConfigError) => {
        assert.ok(error instanceof ConfigError);
        const names = error.problems.map((problem) => problem.split(':')[0]);
        assert.deepEqual(names.sort(), [
          'CALLBACK_PASSWORD',
          'CALLBACK_USERNAME',
          'OAUTH2_CLIENT_ID, OAUTH2_CLIENT_SECRET',
          'PORT',
          'PRODUCTS.VIDEO.magic',
          'TESSERA_MERCHANT_PASSWORD',
          'TESSERA_MERCHANT_USERNAME',
        ]);
        return true;
      },
    );
  });
});
