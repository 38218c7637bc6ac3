import assert from 'node:assert/strict';

import { loadConfig } from '../../src/config/config';
import { DEFAULT_SQLITE_PATH } from '../../src/config/database-url';
import { ConfigError } from '../../src/errors/config-error';

// Defaults of the settings the two tests below do not set.
const OTHER_DEFAULTS = {
  trustProxy: false,
  rateLimit: { perSecond: 50, burst: 100 },
  notifications: {
    timeoutMs: 10_000,
    disableAfterMs: 86_400_000,
    allowedHosts: [],
    allowedCidrs: [],
    pollIntervalMs: 1000,
    concurrency: 16,
  },
  schedulerIntervalMs: 5000,
  sandboxSeed: {
    resellerPassword: 'sandbox-reseller-secret',
    merchantPassword: 'sandbox-merchant-secret',
    callbackPassword: 'sandbox-callback-secret',
  },
};

describe('loadConfig(env)', () => {
  it('applies the defaults to an empty environment', () => {
    const config = loadConfig({});

    assert.deepEqual(config, {
      port: 8080,
      host: '127.0.0.1',
      database: {
        kind: 'sqlite',
        driver: 'better-sqlite3',
        path: DEFAULT_SQLITE_PATH,
        synchronous: 'full',
      },
      adminToken: undefined,
      logLevel: 'info',
      sandbox: true,
      publicBaseUrl: undefined,
      shutdownTimeoutMs: 10_000,
      bodyLimitBytes: 1024 * 1024,
      ...OTHER_DEFAULTS,
    });
  });

  it('treats empty variables as unset', () => {
    const config = loadConfig({ PORT: '', DATABASE_URL: '', SANDBOX: '' });

    assert.equal(config.port, 8080);
    assert.equal(config.database.kind, 'sqlite');
    assert.equal(config.sandbox, true);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '9000',
      HOST: '0.0.0.0',
      DATABASE_URL: 'sqlite:/var/lib/tessera/db.sqlite',
      SQLITE_DRIVER: 'sqlite3',
      SQLITE_SYNCHRONOUS: 'normal',
      ADMIN_TOKEN: 'a-long-enough-admin-token',
      LOG_LEVEL: 'warn',
      SANDBOX: 'off',
      PUBLIC_BASE_URL: 'https://tessera.example.com/',
      SHUTDOWN_TIMEOUT_MS: '2500',
      BODY_LIMIT: '256kb',
      TRUST_PROXY: 'yes',
      RATE_LIMIT_PER_SECOND: '5',
      RATE_LIMIT_BURST: '0',
    });

    assert.deepEqual(config, {
      port: 9000,
      host: '0.0.0.0',
      database: {
        kind: 'sqlite',
        driver: 'sqlite3',
        path: '/var/lib/tessera/db.sqlite',
        synchronous: 'normal',
      },
      adminToken: 'a-long-enough-admin-token',
      logLevel: 'warn',
      sandbox: false,
      publicBaseUrl: 'https://tessera.example.com',
      shutdownTimeoutMs: 2500,
      bodyLimitBytes: 256 * 1024,
      ...OTHER_DEFAULTS,
      trustProxy: true,
      rateLimit: { perSecond: 5, burst: 0 },
    });
  });

  it('understands the DATABASE_URL spellings', () => {
    const database = (url: string) => loadConfig({ DATABASE_URL: url }).database;

    assert.deepEqual(database('sqlite:///abs/file.db'), {
      kind: 'sqlite',
      driver: 'better-sqlite3',
      path: '/abs/file.db',
      synchronous: 'full',
    });
    assert.deepEqual(database('sqlite:./rel.db'), {
      kind: 'sqlite',
      driver: 'better-sqlite3',
      path: './rel.db',
      synchronous: 'full',
    });
    assert.deepEqual(database('postgresql://u:p@db:5432/tessera'), {
      kind: 'postgres',
      url: 'postgresql://u:p@db:5432/tessera',
    });
  });

  it('reports every invalid variable at once', () => {
    const env = {
      PORT: 'eighty',
      DATABASE_URL: 'mysql://db/tessera',
      SQLITE_DRIVER: 'sql.js',
      SQLITE_SYNCHRONOUS: 'off',
      ADMIN_TOKEN: 'short',
      LOG_LEVEL: 'loud',
      SANDBOX: 'maybe',
      PUBLIC_BASE_URL: 'ftp://example.com',
      SHUTDOWN_TIMEOUT_MS: '-1',
      BODY_LIMIT: 'huge',
    };

    const error = captureConfigError(() => loadConfig(env));

    const named = error.problems.map((problem) => problem.split(':')[0]);
    assert.deepEqual(named.sort(), Object.keys(env).sort());
    assert.match(error.message, /^Invalid configuration:\n {2}- /);
  });
});

function captureConfigError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) {
      return error;
    }
    throw error;
  }
  assert.fail('expected a ConfigError');
}
