import assert from 'node:assert/strict';

import { TesseraApiError } from '@tessera/merchant-client';

import type { TokenResponse } from '../src';
import { createRequest, startHarness, type Harness } from './helpers/harness';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('OAuth2 client credentials', () => {
  let harness: Harness;
  let tokenUrl: string;

  beforeEach(async () => {
    harness = await startHarness();
    tokenUrl = `${harness.running.url}/oauth2/token`;
  });

  afterEach(() => harness.close());

  const requestToken = async (init: { authorization?: string; body: string }) => {
    const headers = {
      ...FORM,
      ...(init.authorization ? { authorization: init.authorization } : {}),
    };
    const response = await fetch(tokenUrl, { method: 'POST', headers, body: init.body });
    return { response, body: (await response.json()) as TokenResponse & { error?: string } };
  };

  /** The callbacks client, presenting `token` the way an OAuth2 client does. */
  const bearerClient = (token: string) =>
    harness.clientWith({
      fetch: (input, init) =>
        fetch(input, {
          ...init,
          headers: { ...(init?.headers as object), Authorization: `Bearer ${token}` },
        }),
    });

  it('issues a bearer token to a client authenticating with HTTP Basic', async () => {
    const { response, body } = await requestToken({
      authorization: basic('tessera-client', 'oauth-secret'),
      body: 'grant_type=client_credentials',
    });

    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.expires_in, 3600);
    assert.ok(body.access_token.length >= 32);
    assert.equal(harness.demo.state.tokensIssued(), 1);
  });

  it('issues a token to a client sending its credentials as form fields', async () => {
    const body =
      'grant_type=client_credentials&client_id=tessera-client&client_secret=oauth-secret';
    const { response } = await requestToken({ body });

    assert.equal(response.status, 200);
  });

  it('refuses a wrong secret (401) and another grant type (400)', async () => {
    const wrong = await requestToken({
      authorization: basic('tessera-client', 'nope'),
      body: 'grant_type=client_credentials',
    });
    const password = await requestToken({
      authorization: basic('tessera-client', 'oauth-secret'),
      body: 'grant_type=password',
    });

    assert.equal(wrong.response.status, 401);
    assert.equal(wrong.body.error, 'invalid_client');
    assert.equal(password.response.status, 400);
    assert.equal(password.body.error, 'unsupported_grant_type');
    assert.equal(harness.demo.state.tokensIssued(), 0);
  });

  it('accepts callbacks with an issued token and rejects unknown or expired ones', async () => {
    const { body } = await requestToken({
      authorization: basic('tessera-client', 'oauth-secret'),
      body: 'grant_type=client_credentials',
    });
    const create = (token: string) =>
      bearerClient(token).handleCreateEntitlementRaw({
        callbackEntitlementRequest: createRequest(),
      });

    assert.equal((await create(body.access_token)).raw.status, 200);
    assert.equal((await create(body.access_token)).raw.status, 200, 'a token is reusable');

    await assert.rejects(create('made-up-token'), (error: TesseraApiError) => {
      assert.equal(error.status, 401);
      assert.match(error.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
      return true;
    });

    harness.clock.advance(3600 * 1000);
    await assert.rejects(create(body.access_token), { status: 401 });
    assert.equal(harness.demo.state.tokensIssued(), 1);
  });
});
