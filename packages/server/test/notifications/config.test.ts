import assert from 'node:assert/strict';

import { loadConfig } from '../../src/config/config';
import { ConfigError } from '../../src/errors/config-error';

describe('notification configuration', () => {
  it('defaults to a 10 s timeout and disabling after 24 h, with nothing allow-listed', () => {
    assert.deepEqual(loadConfig({}).notifications, {
      timeoutMs: 10_000,
      disableAfterMs: 86_400_000,
      allowedHosts: [],
      allowedCidrs: [],
      pollIntervalMs: 1000,
      concurrency: 16,
    });
  });

  it('reads comma-separated allow-lists', () => {
    const { notifications } = loadConfig({
      NOTIFICATION_ALLOWED_HOSTS: 'relay.internal, hooks.corp.example',
      NOTIFICATION_ALLOWED_CIDRS: '10.20.0.0/16,fd12::/64',
      NOTIFICATION_TIMEOUT_MS: '2500',
    });

    assert.deepEqual(notifications.allowedHosts, ['relay.internal', 'hooks.corp.example']);
    assert.deepEqual(notifications.allowedCidrs, ['10.20.0.0/16', 'fd12::/64']);
    assert.equal(notifications.timeoutMs, 2500);
  });

  it('reports invalid values', () => {
    assert.throws(
      () =>
        loadConfig({
          NOTIFICATION_ALLOWED_CIDRS: '10.0.0.0/33',
          NOTIFICATION_ALLOWED_HOSTS: 'http://x',
          NOTIFICATION_TIMEOUT_MS: '0',
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /NOTIFICATION_ALLOWED_CIDRS/);
        assert.match(error.message, /NOTIFICATION_ALLOWED_HOSTS/);
        assert.match(error.message, /NOTIFICATION_TIMEOUT_MS/);
        return true;
      },
    );
  });
});
