import assert from 'node:assert/strict';

import { ProblemError } from '../../src/errors/problem';
import {
  assertAllowedAddress,
  type AddressPolicy,
  checkDeliverableUrl,
  NotificationUrlGuard,
  UndeliverableUrlError,
} from '../../src/notifications/url-guard';

const live: AddressPolicy = { sandbox: false, allow: { hosts: [], cidrs: [] } };
const sandbox: AddressPolicy = { sandbox: true, allow: { hosts: [], cidrs: [] } };

/** A resolver with fixed answers, so tests need no DNS. */
const answers = (table: Record<string, string[]>) => async (host: string) => {
  const found = table[host];
  if (found === undefined) {
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  }
  return found;
};

const refused = (promise: Promise<unknown>, pattern: RegExp) =>
  assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof UndeliverableUrlError, String(error));
    assert.match(error.message, pattern);
    return true;
  });

describe('notification URL guard', () => {
  describe('addresses', () => {
    const blocked = [
      ['127.0.0.1', /loopback/],
      ['10.0.0.8', /private/],
      ['172.16.4.1', /private/],
      ['192.168.1.1', /private/],
      ['169.254.169.254', /link-local/],
      ['100.64.0.1', /carrier-grade NAT/],
      ['0.0.0.0', /unspecified/],
      ['224.0.0.1', /multicast/],
      ['::1', /loopback/],
      ['fd00:ec2::254', /unique local/],
      ['fe80::1', /link-local/],
      ['::ffff:127.0.0.1', /loopback/],
      ['::ffff:10.1.2.3', /private/],
    ] as const;

    for (const [address, reason] of blocked) {
      it(`refuses ${address}`, () => {
        assert.throws(() => assertAllowedAddress(address, live), reason);
      });
    }

    it('allows public unicast addresses', () => {
      assertAllowedAddress('93.184.215.14', live);
      assertAllowedAddress('2606:2800:21f:cb07:6820:80da:af6b:8b2c', live);
    });

    it('allows loopback, and only loopback, to sandbox resellers', () => {
      assertAllowedAddress('127.0.0.1', sandbox);
      assertAllowedAddress('::1', sandbox);
      assert.throws(() => assertAllowedAddress('10.0.0.1', sandbox), /private/);
      assert.throws(() => assertAllowedAddress('169.254.169.254', sandbox), /link-local/);
    });

    it('allows allow-listed CIDR ranges', () => {
      const policy = { sandbox: false, allow: { hosts: [], cidrs: ['10.20.0.0/16'] } };
      assertAllowedAddress('10.20.3.4', policy);
      assert.throws(() => assertAllowedAddress('10.21.0.1', policy), /private/);
    });
  });

  describe('URLs', () => {
    const resolve = answers({
      'hooks.example.com': ['93.184.215.14'],
      localhost: ['127.0.0.1', '::1'],
      'metadata.internal': ['169.254.169.254'],
      'mixed.example.com': ['93.184.215.14', '10.0.0.1'],
      'relay.internal': ['10.9.9.9'],
    });

    it('accepts a public https URL', async () => {
      const url = await checkDeliverableUrl('https://hooks.example.com/tessera', live, resolve);
      assert.equal(url.hostname, 'hooks.example.com');
    });

    it('requires https outside the sandbox, and allows http in it', async () => {
      await refused(checkDeliverableUrl('http://hooks.example.com/', live, resolve), /https/);
      await checkDeliverableUrl('http://hooks.example.com/', sandbox, resolve);
      await refused(checkDeliverableUrl('ftp://hooks.example.com/', sandbox, resolve), /http/);
    });

    it('refuses IP literals in refused ranges', async () => {
      await refused(checkDeliverableUrl('https://127.0.0.1/', live, resolve), /loopback/);
      await refused(checkDeliverableUrl('https://10.0.0.1:8443/x', live, resolve), /private/);
      await refused(checkDeliverableUrl('https://169.254.169.254/', live, resolve), /link-local/);
      await refused(checkDeliverableUrl('https://[::1]/', live, resolve), /loopback/);
    });

    it('refuses names that resolve into refused ranges', async () => {
      await refused(checkDeliverableUrl('https://localhost/', live, resolve), /loopback/);
      await refused(checkDeliverableUrl('https://metadata.internal/', live, resolve), /link-local/);
      await refused(checkDeliverableUrl('https://mixed.example.com/', live, resolve), /private/);
      await refused(checkDeliverableUrl('https://nowhere.example/', live, resolve), /resolve/);
    });

    it('refuses credentials in the URL', async () => {
      await refused(
        checkDeliverableUrl('https://user:pw@hooks.example.com/', live, resolve),
        /credentials/,
      );
    });

    it('lets allow-listed hosts through whatever they resolve to', async () => {
      const policy = { sandbox: false, allow: { hosts: ['relay.internal'], cidrs: [] } };
      await checkDeliverableUrl('https://relay.internal/hook', policy, resolve);
    });

    it('resolves real names: localhost is refused outside the sandbox', async () => {
      await refused(checkDeliverableUrl('https://localhost:9/', live), /loopback/);
      await checkDeliverableUrl('http://localhost:9/', sandbox);
    });
  });

  it('reports a refusal as a 400 problem with a field error', async () => {
    const guard = new NotificationUrlGuard({ hosts: [], cidrs: [] });
    await assert.rejects(
      guard.assertDeliverableUrl('https://10.0.0.1/', {
        sandbox: false,
        field: 'defaultNotificationUrl',
      }),
      (error: unknown) => {
        assert.ok(error instanceof ProblemError);
        assert.equal(error.status, 400);
        assert.equal(error.errors?.[0]?.field, 'defaultNotificationUrl');
        assert.match(error.errors?.[0]?.message ?? '', /private/);
        return true;
      },
    );
  });
});
