import assert from 'node:assert/strict';

import { ConfigError, loadConfig } from '../src';

describe('loadConfig', () => {
  it('applies the defaults around a signing secret', () => {
    const config = loadConfig({ TESSERA_SIGNING_SECRET: 'whsec_abc' });

    assert.deepEqual(config, {
      port: 8091,
      host: '127.0.0.1',
      notificationPath: '/notifications',
      secrets: ['whsec_abc'],
    });
  });

  it('accepts two secrets during a rotation', () => {
    const config = loadConfig({ TESSERA_SIGNING_SECRET: 'whsec_new, whsec_old' });

    assert.deepEqual(config.secrets, ['whsec_new', 'whsec_old']);
  });

  it('reports every invalid variable at once', () => {
    const load = () => loadConfig({ PORT: 'eighty', NOTIFICATION_PATH: 'hooks' });

    assert.throws(load, (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.problems.length, 3);
      return true;
    });
  });
});
