import assert from 'node:assert/strict';

import {
  MerchantConfigurationError,
  MerchantProtocolError,
  MerchantRefusedError,
  MerchantUnavailableError,
  OAuth2TokenProvider,
  type ReceiverAuth,
} from '../../src/merchants';
import type { LogCapture } from '../helpers/log-capture';
import {
  createGateway,
  CREATE_BODY,
  CTX,
  endpointFor,
  rejection,
  STATE_BODY,
} from './helpers/fixtures';
import { MerchantStub, type StubReply } from '../helpers/merchant-stub';

const TOKEN = '/oauth2/token';
const CREATE = '/tessera/entitlements';
const MEID = 'sub_8842';
const SUSPEND = `/tessera/entitlements/${MEID}/suspend`;
const SECRET = 'cs-very-secret';

describe('HttpMerchantGateway: OAuth2 client credentials', () => {
  let stub: MerchantStub;
  let auth: Extract<ReceiverAuth, { type: 'OAUTH2_CLIENT_CREDENTIALS' }>;

  before(async () => {
    stub = await MerchantStub.start();
    auth = {
      type: 'OAUTH2_CLIENT_CREDENTIALS',
      tokenUrl: stub.url(TOKEN),
      clientId: 'tessera-client',
      clientSecret: SECRET,
      scope: 'callbacks',
    };
  });
  afterEach(() => stub.reset());
  after(() => stub.close());

  /** A token endpoint handing out tok-1, tok-2, ... */
  function issueTokens(extra: Record<string, unknown> = { expires_in: 3600 }, delayMs?: number) {
    stub.on(TOKEN, (_request, n) => ({
      status: 200,
      body: { access_token: `tok-${n}`, token_type: 'Bearer', ...extra },
      ...(delayMs === undefined ? {} : { delayMs }),
    }));
  }

  /** The merchant accepts these bearer tokens and answers 401 to any other. */
  function merchantAccepts(path: string, tokens: string[], ok: StubReply = { status: 201 }) {
    stub.on(path, (request) =>
      tokens.some((token) => request.headers.authorization === `Bearer ${token}`)
        ? ok
        : { status: 401, headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } },
    );
  }

  const bearers = (path: string) => stub.requestsTo(path).map((r) => r.headers.authorization);

  function assertNoSecretsLogged(logs: LogCapture): void {
    const text = JSON.stringify(logs.lines);
    assert.doesNotMatch(text, new RegExp(SECRET));
    assert.doesNotMatch(text, /tok-\d/);
  }

  it('fetches one token as the contract says and reuses it for several calls', async () => {
    const { gateway, logs } = createGateway();
    issueTokens();
    merchantAccepts(CREATE, ['tok-1']);
    const endpoint = endpointFor(stub, {}, auth);

    for (let i = 0; i < 3; i += 1) {
      assert.deepEqual(await gateway.createEntitlement(endpoint, CREATE_BODY, CTX), {
        kind: 'created',
      });
    }

    const tokenRequests = stub.requestsTo(TOKEN);
    assert.equal(tokenRequests.length, 1);
    const [tokenRequest] = tokenRequests;
    assert.equal(tokenRequest?.method, 'POST');
    assert.match(
      tokenRequest?.headers['content-type'] ?? '',
      /^application\/x-www-form-urlencoded/,
    );
    const form = new URLSearchParams(tokenRequest?.body);
    assert.equal(form.get('grant_type'), 'client_credentials');
    assert.equal(form.get('scope'), 'callbacks');
    assert.equal(form.get('client_secret'), null);
    // client_secret_basic: id and secret form-encoded, then Basic (RFC 6749 §2.3.1).
    const basic = /^Basic (.+)$/.exec(tokenRequest?.headers.authorization ?? '')?.[1] ?? '';
    const [id, secret] = Buffer.from(basic, 'base64').toString('utf8').split(':');
    assert.equal(decodeURIComponent(id ?? ''), 'tessera-client');
    assert.equal(decodeURIComponent(secret ?? ''), SECRET);
    assert.deepEqual(bearers(CREATE), ['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-1']);
    assert.equal(logs.withMessage('merchant OAuth2 token request').length, 1);
    assertNoSecretsLogged(logs);
  });

  it('shares one in-flight token request among concurrent calls', async () => {
    const { gateway } = createGateway();
    issueTokens({ expires_in: 3600 }, 100);
    merchantAccepts(CREATE, ['tok-1']);
    const endpoint = endpointFor(stub, {}, auth);

    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () => gateway.createEntitlement(endpoint, CREATE_BODY, CTX)),
    );

    assert.equal(outcomes.length, 5);
    assert.equal(stub.requestsTo(TOKEN).length, 1);
    assert.equal(stub.requestsTo(CREATE).length, 5);
  });

  it('reuses a token until it expires, then fetches a new one', async () => {
    const { gateway } = createGateway();
    issueTokens({ expires_in: 1 });
    merchantAccepts(CREATE, ['tok-1', 'tok-2']);
    const endpoint = endpointFor(stub, {}, auth);

    await gateway.createEntitlement(endpoint, CREATE_BODY, CTX);
    await gateway.createEntitlement(endpoint, CREATE_BODY, CTX);
    assert.equal(stub.requestsTo(TOKEN).length, 1);

    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await gateway.createEntitlement(endpoint, CREATE_BODY, CTX);

    assert.equal(stub.requestsTo(TOKEN).length, 2);
    assert.deepEqual(bearers(CREATE), ['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
  });

  it('keeps a token without expires_in for the default time only', async () => {
    const tokenProvider = new OAuth2TokenProvider({ defaultTtlMs: 200 });
    const { gateway } = createGateway({ tokenProvider });
    issueTokens({});
    merchantAccepts(CREATE, ['tok-1', 'tok-2']);
    const endpoint = endpointFor(stub, {}, auth);

    await gateway.createEntitlement(endpoint, CREATE_BODY, CTX);
    await gateway.createEntitlement(endpoint, CREATE_BODY, CTX);
    await new Promise((resolve) => setTimeout(resolve, 250));
    await gateway.createEntitlement(endpoint, CREATE_BODY, CTX);

    assert.deepEqual(bearers(CREATE), ['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
  });

  it('caches per token URL, client id and scope', async () => {
    const { gateway } = createGateway();
    issueTokens();
    merchantAccepts(CREATE, ['tok-1', 'tok-2']);

    await gateway.createEntitlement(endpointFor(stub, {}, auth), CREATE_BODY, CTX);
    await gateway.createEntitlement(
      endpointFor(stub, {}, { ...auth, scope: 'other' }),
      CREATE_BODY,
      CTX,
    );
    await gateway.createEntitlement(endpointFor(stub, {}, auth), CREATE_BODY, CTX);

    assert.deepEqual(bearers(CREATE), ['Bearer tok-1', 'Bearer tok-2', 'Bearer tok-1']);
    assert.equal(stub.requestsTo(TOKEN).length, 2);
  });

  it('fetches a new token once on a 401 and repeats the call with it', async () => {
    const { gateway, logs } = createGateway();
    issueTokens();
    merchantAccepts(SUSPEND, ['tok-2'], { status: 200 });
    const endpoint = endpointFor(stub, {}, auth);

    const outcome = await gateway.suspendEntitlement(endpoint, MEID, STATE_BODY, CTX);
    const again = await gateway.suspendEntitlement(endpoint, MEID, STATE_BODY, CTX);

    assert.deepEqual(outcome, { kind: 'done' });
    assert.deepEqual(again, { kind: 'done' });
    assert.equal(stub.requestsTo(TOKEN).length, 2);
    assert.deepEqual(bearers(SUSPEND), ['Bearer tok-1', 'Bearer tok-2', 'Bearer tok-2']);
    const requests = stub.requestsTo(SUSPEND);
    assert.equal(requests[0]?.body, requests[1]?.body);
    assertNoSecretsLogged(logs);
  });

  it('takes a second 401 after the new token as a refusal, without further retries', async () => {
    const { gateway } = createGateway();
    issueTokens();
    merchantAccepts(SUSPEND, []);
    const endpoint = endpointFor(stub, {}, auth);

    const error = await rejection(gateway.suspendEntitlement(endpoint, MEID, STATE_BODY, CTX));

    assert.ok(error instanceof MerchantRefusedError, String(error));
    assert.equal(error.merchantStatus, 401);
    assert.equal(stub.requestsTo(TOKEN).length, 2);
    assert.deepEqual(bearers(SUSPEND), ['Bearer tok-1', 'Bearer tok-2']);
  });

  it('takes a token endpoint refusing the client as a refusal, not retried', async () => {
    const { gateway, logs } = createGateway();
    stub.on(TOKEN, {
      status: 401,
      body: { error: 'invalid_client', error_description: 'Unknown client' },
    });
    const endpoint = endpointFor(stub, {}, auth);

    const error = await rejection(gateway.createEntitlement(endpoint, CREATE_BODY, CTX));

    assert.ok(error instanceof MerchantRefusedError, String(error));
    assert.equal(error.merchantStatus, 401);
    assert.equal(
      error.message,
      'Merchant DEMO_MUSIC refused the OAuth2 token request with HTTP 401: ' +
        'invalid_client: Unknown client',
    );
    assert.equal(stub.requestsTo(TOKEN).length, 1);
    assert.equal(stub.requestsTo(CREATE).length, 0);
    assertNoSecretsLogged(logs);
  });

  it('retries a token endpoint answering 5xx, then reports the merchant unavailable', async () => {
    const { gateway } = createGateway();
    stub.on(TOKEN, { status: 503 });
    const endpoint = endpointFor(stub, {}, auth);

    const error = await rejection(gateway.createEntitlement(endpoint, CREATE_BODY, CTX));

    assert.ok(error instanceof MerchantUnavailableError, String(error));
    assert.equal(error.attempts, 4);
    assert.equal(error.lastCause, 'token endpoint: HTTP 503');
    assert.equal(stub.requestsTo(TOKEN).length, 4);
    assert.equal(stub.requestsTo(CREATE).length, 0);
  });

  it('takes a token response without access_token as a protocol error', async () => {
    const { gateway } = createGateway();
    stub.on(TOKEN, { status: 200, body: { token_type: 'Bearer', expires_in: 60 } });
    const endpoint = endpointFor(stub, {}, auth);

    const error = await rejection(gateway.createEntitlement(endpoint, CREATE_BODY, CTX));

    assert.ok(error instanceof MerchantProtocolError, String(error));
    assert.match(error.message, /token endpoint/);
    assert.equal(stub.requestsTo(TOKEN).length, 1);
  });

  it('refuses a token type other than bearer as a protocol error', async () => {
    const { gateway } = createGateway();
    stub.on(TOKEN, { status: 200, body: { access_token: 'tok-x', token_type: 'mac' } });

    const error = await rejection(
      gateway.createEntitlement(endpointFor(stub, {}, auth), CREATE_BODY, CTX),
    );

    assert.ok(error instanceof MerchantProtocolError, String(error));
    assert.equal(stub.requestsTo(CREATE).length, 0);
  });

  it('refuses a token URL that is not absolute http(s) as a configuration error', async () => {
    const { gateway } = createGateway();
    const endpoint = endpointFor(stub, {}, { ...auth, tokenUrl: 'oauth2/token' });

    const error = await rejection(gateway.createEntitlement(endpoint, CREATE_BODY, CTX));

    assert.ok(error instanceof MerchantConfigurationError, String(error));
    assert.equal(error.responseCode, 'MERCHANT_ERROR');
    assert.equal(stub.requests.length, 0);
  });
});
