import assert from 'node:assert/strict';

import { isIpAllowed } from '../../src/security/ip-allow-list';

describe('isIpAllowed', () => {
  it('allows everyone when the list is empty', () => {
    assert.equal(isIpAllowed('198.51.100.1', []), true);
  });

  it('matches exact IPv4 and IPv6 addresses', () => {
    assert.equal(isIpAllowed('203.0.113.7', ['203.0.113.7']), true);
    assert.equal(isIpAllowed('203.0.113.8', ['203.0.113.7']), false);
    assert.equal(isIpAllowed('2001:db8::1', ['2001:0db8:0:0::1']), true);
  });

  it('matches CIDR ranges of either family', () => {
    assert.equal(isIpAllowed('203.0.113.200', ['203.0.113.0/24']), true);
    assert.equal(isIpAllowed('203.0.114.1', ['203.0.113.0/24']), false);
    assert.equal(isIpAllowed('2001:db8:1::5', ['2001:db8::/32']), true);
    assert.equal(isIpAllowed('2001:db9::5', ['2001:db8::/32']), false);
  });

  it('treats IPv4-mapped IPv6 callers as their IPv4 address', () => {
    assert.equal(isIpAllowed('::ffff:127.0.0.1', ['127.0.0.0/8']), true);
    assert.equal(isIpAllowed('::ffff:127.0.0.1', ['127.0.0.1']), true);
  });

  it('never matches across families, nor with malformed entries or callers', () => {
    assert.equal(isIpAllowed('127.0.0.1', ['::1']), false);
    assert.equal(isIpAllowed('127.0.0.1', ['not-an-ip', '10.0.0.0/33']), false);
    assert.equal(isIpAllowed('garbage', ['0.0.0.0/0']), false);
  });
});
