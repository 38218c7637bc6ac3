import assert from 'node:assert/strict';

import { redactUrl, resolveCallbackUrl } from '../../src/merchants/callback-url';

describe('resolveCallbackUrl', () => {
  it('replaces every placeholder with the URL-encoded id', () => {
    const url = resolveCallbackUrl(
      'https://m.test/a/{merchantEntitlementId}/b?id={merchantEntitlementId}',
      'x/y z',
    );
    assert.equal(url?.href, 'https://m.test/a/x%2Fy%20z/b?id=x%2Fy%20z');
  });

  it("keeps the template's query string and appends the generated client's", () => {
    const url = resolveCallbackUrl(
      'https://m.test/create?tenant=t1',
      undefined,
      'http://merchant-callback.invalid/entitlements?page=2',
    );
    assert.equal(url?.href, 'https://m.test/create?tenant=t1&page=2');
  });

  it('leaves a template without placeholder as it is', () => {
    assert.equal(resolveCallbackUrl('https://m.test/x', 'id')?.href, 'https://m.test/x');
  });

  it('refuses relative and non-http URLs', () => {
    assert.equal(resolveCallbackUrl('/entitlements', undefined), undefined);
    assert.equal(resolveCallbackUrl('mailto:a@b.test', undefined), undefined);
  });

  it('redacts credentials and the query string for logs', () => {
    assert.equal(redactUrl(new URL('https://user:pw@m.test/cb?token=secret')), 'https://m.test/cb');
  });
});
