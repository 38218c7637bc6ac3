import assert from 'node:assert/strict';

import { verifyCallbackAuthorization } from '../src';

const expected = { username: 'tessera', password: 'c4llb4ck-s3cret' };
const basic = (value: string) => `Basic ${Buffer.from(value).toString('base64')}`;

describe('verifyCallbackAuthorization', () => {
  it('accepts exactly the configured credential, whatever the scheme casing', () => {
    assert.equal(verifyCallbackAuthorization(basic('tessera:c4llb4ck-s3cret'), expected), true);
    assert.equal(
      verifyCallbackAuthorization(
        basic('tessera:c4llb4ck-s3cret').replace('Basic', 'basic'),
        expected,
      ),
      true,
    );
  });

  it('refuses a wrong password, a wrong user, and a prefix of the secret', () => {
    assert.equal(verifyCallbackAuthorization(basic('tessera:wrong'), expected), false);
    assert.equal(verifyCallbackAuthorization(basic('other:c4llb4ck-s3cret'), expected), false);
    assert.equal(verifyCallbackAuthorization(basic('tessera:c4llb4ck'), expected), false);
  });

  it('refuses a missing header and other schemes', () => {
    assert.equal(verifyCallbackAuthorization(undefined, expected), false);
    assert.equal(verifyCallbackAuthorization('', expected), false);
    assert.equal(verifyCallbackAuthorization('Bearer c4llb4ck-s3cret', expected), false);
  });

  it('refuses an empty presented credential even against an empty expected one', () => {
    assert.equal(verifyCallbackAuthorization(undefined, { username: '', password: '' }), false);
  });
});
