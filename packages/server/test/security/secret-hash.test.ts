import assert from 'node:assert/strict';

import { generateSecret, hashSecret, verifySecret } from '../../src/security/secret-hash';

describe('secret hashing', () => {
  it('verifies the secret it hashed and nothing else', async () => {
    const secret = generateSecret();
    const stored = await hashSecret(secret);

    assert.match(stored, /^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    assert.equal(stored.includes(secret), false);
    assert.equal(await verifySecret(secret, stored), true);
    assert.equal(await verifySecret(`${secret}x`, stored), false);
  });

  it('salts every hash', async () => {
    assert.notEqual(await hashSecret('same'), await hashSecret('same'));
  });

  it('refuses malformed stored hashes', async () => {
    assert.equal(await verifySecret('x', ''), false);
    assert.equal(await verifySecret('x', 'bcrypt$abc'), false);
  });
});
