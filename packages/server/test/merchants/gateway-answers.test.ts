import assert from 'node:assert/strict';

import {
  MerchantConfigurationError,
  MerchantProtocolError,
  OperationNotSupportedError,
} from '../../src/merchants';
import {
  createGateway,
  CREATE_BODY,
  CTX,
  endpointFor,
  ENTITLEMENT_ID,
  rejection,
  STATE_BODY,
  TERMINATE_BODY,
  UPDATE_BODY,
} from './helpers/fixtures';
import { MerchantStub } from '../helpers/merchant-stub';

const CREATE = '/tessera/entitlements';
const MEID = 'sub_8842';
const ACTIVATION_INFO = `/tessera/entitlements/${MEID}/activationInfo`;
const UPDATE = `/tessera/entitlements/${MEID}`;
const SUSPEND = `/tessera/entitlements/${MEID}/suspend`;
const RESUME = `/tessera/entitlements/${MEID}/resume`;
const TERMINATE = `/tessera/entitlements/${MEID}/terminate`;
const SIGNUP_URL = 'https://music.merchant.test/signup/7d3f2c4e';

describe('HttpMerchantGateway: answers', () => {
  let stub: MerchantStub;
  const { gateway, logs } = createGateway();

  before(async () => {
    stub = await MerchantStub.start();
  });
  afterEach(() => stub.reset());
  after(() => stub.close());

  describe('create', () => {
    it('maps 200 to activated and sends the body as the contract says', async () => {
      stub.on(CREATE, {
        status: 200,
        body: { merchantEntitlementId: MEID, merchantExtensionData: { plan: 'gold' } },
      });

      const outcome = await gateway.createEntitlement(endpointFor(stub), CREATE_BODY, CTX);

      assert.deepEqual(outcome, {
        kind: 'activated',
        merchantEntitlementId: MEID,
        merchantExtensionData: { plan: 'gold' },
      });
      const [request] = stub.requestsTo(CREATE);
      assert.equal(request?.method, 'POST');
      assert.equal(request?.headers['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(request?.body ?? ''), CREATE_BODY);
      assert.equal(request?.headers['x-magic-number'], undefined);
      assert.equal(request?.headers.authorization, undefined);
    });

    it('maps 201 to created', async () => {
      stub.on(CREATE, { status: 201, body: {} });
      const outcome = await gateway.createEntitlement(endpointFor(stub), CREATE_BODY, CTX);
      assert.deepEqual(outcome, { kind: 'created' });
    });

    it('accepts an empty 200 body', async () => {
      stub.on(CREATE, { status: 200 });
      const outcome = await gateway.createEntitlement(endpointFor(stub), CREATE_BODY, CTX);
      assert.deepEqual(outcome, { kind: 'activated' });
    });

    it('maps 202 NAVIGATE_TO_URL to actionRequired: the URL, its expiry as a Date', async () => {
      stub.on(CREATE, {
        status: 202,
        body: {
          merchantEntitlementId: MEID,
          parameters: {
            action: 'NAVIGATE_TO_URL',
            url: SIGNUP_URL,
            urlExpiry: '2026-12-04T10:00:00Z',
          },
        },
      });

      const outcome = await gateway.createEntitlement(endpointFor(stub), CREATE_BODY, CTX);

      assert.deepEqual(outcome, {
        kind: 'actionRequired',
        merchantEntitlementId: MEID,
        action: {
          action: 'NAVIGATE_TO_URL',
          url: SIGNUP_URL,
          urlExpiry: new Date('2026-12-04T10:00:00Z'),
        },
      });
    });

    it('maps a 202 URL without expiry to urlExpiry null', async () => {
      stub.on(CREATE, {
        status: 202,
        body: { parameters: { action: 'NAVIGATE_TO_URL', url: SIGNUP_URL, urlExpiry: null } },
      });
      const outcome = await gateway.createEntitlement(endpointFor(stub), CREATE_BODY, CTX);
      assert.deepEqual(outcome, {
        kind: 'actionRequired',
        action: { action: 'NAVIGATE_TO_URL', url: SIGNUP_URL, urlExpiry: null },
      });
    });

    it('maps 202 ENTER_ACTIVATION_CODE to actionRequired with the code', async () => {
      stub.on(CREATE, {
        status: 202,
        body: { parameters: { action: 'ENTER_ACTIVATION_CODE', activationCode: 'ABCD-1234' } },
      });
      const outcome = await gateway.createEntitlement(endpointFor(stub), CREATE_BODY, CTX);
      assert.deepEqual(outcome, {
        kind: 'actionRequired',
        action: { action: 'ENTER_ACTIVATION_CODE', activationCode: 'ABCD-1234' },
      });
    });

    it('accepts an activation URL of exactly 10,000 characters', async () => {
      const url = padUrl(10_000);
      stub.on(CREATE, { status: 202, body: { parameters: { action: 'NAVIGATE_TO_URL', url } } });

      const outcome = await gateway.createEntitlement(endpointFor(stub), CREATE_BODY, CTX);

      assert.equal(outcome.kind, 'actionRequired');
      assert.equal(outcome.kind === 'actionRequired' && outcome.action.url, url);
    });

    const protocolCases: Array<[string, { status: number; body?: unknown }, RegExp]> = [
      [
        '202 without parameters',
        { status: 202, body: { merchantEntitlementId: MEID } },
        /parameters/,
      ],
      ['202 with an empty body', { status: 202 }, /parameters/],
      [
        'an unknown action',
        { status: 202, body: { parameters: { action: 'CALL_US' } } },
        /parameters\.action/,
      ],
      [
        'NAVIGATE_TO_URL without a URL',
        { status: 202, body: { parameters: { action: 'NAVIGATE_TO_URL' } } },
        /parameters\.url is missing/,
      ],
      [
        'a 10,001-character URL',
        { status: 202, body: { parameters: { action: 'NAVIGATE_TO_URL', url: padUrl(10_001) } } },
        /longer than 10000/,
      ],
      [
        'a relative URL',
        { status: 202, body: { parameters: { action: 'NAVIGATE_TO_URL', url: '/signup' } } },
        /not an absolute URL/,
      ],
      [
        'a javascript: URL',
        {
          status: 202,
          body: { parameters: { action: 'NAVIGATE_TO_URL', url: 'javascript:alert(1)' } },
        },
        /http or https/,
      ],
      [
        'an invalid urlExpiry',
        {
          status: 202,
          body: {
            parameters: { action: 'NAVIGATE_TO_URL', url: SIGNUP_URL, urlExpiry: 'tomorrow' },
          },
        },
        /urlExpiry/,
      ],
      [
        'ENTER_ACTIVATION_CODE without a code',
        { status: 202, body: { parameters: { action: 'ENTER_ACTIVATION_CODE' } } },
        /activationCode/,
      ],
      ['204', { status: 204 }, /unexpected HTTP 204/],
      ['malformed JSON', { status: 200, body: '{"merchantEntitlementId": ' }, /not valid JSON/],
      ['an HTML page', { status: 200, body: '<html>ok</html>' }, /not valid JSON/],
      ['a JSON array', { status: 200, body: [] }, /not a JSON object/],
      [
        'a merchantEntitlementId that is not a string',
        { status: 200, body: { merchantEntitlementId: 42 } },
        /merchantEntitlementId/,
      ],
      [
        'merchantExtensionData with a non-string value',
        { status: 200, body: { merchantExtensionData: { plan: 1 } } },
        /merchantExtensionData\.plan/,
      ],
    ];
    for (const [name, reply, detail] of protocolCases) {
      it(`refuses ${name} as a MerchantProtocolError, without retrying`, async () => {
        stub.on(CREATE, reply);

        const error = await rejection(
          gateway.createEntitlement(endpointFor(stub), CREATE_BODY, CTX),
        );

        assert.ok(error instanceof MerchantProtocolError, String(error));
        assert.equal(error.responseCode, 'MERCHANT_ERROR');
        assert.equal(error.status, 502);
        assert.match(
          error.message,
          /^Merchant DEMO_MUSIC answered the create callback incorrectly/,
        );
        assert.match(error.message, detail);
        assert.equal(stub.requestsTo(CREATE).length, 1);
      });
    }

    it('does not follow a 302 and reports it as a MerchantProtocolError', async () => {
      stub.on(CREATE, { status: 302, headers: { Location: stub.url('/elsewhere') } });
      stub.on('/elsewhere', { status: 200, body: {} });

      const error = await rejection(gateway.createEntitlement(endpointFor(stub), CREATE_BODY, CTX));

      assert.ok(error instanceof MerchantProtocolError, String(error));
      assert.match(error.message, /unexpected HTTP 302/);
      assert.equal(stub.requestsTo('/elsewhere').length, 0);
      assert.equal(stub.requestsTo(CREATE).length, 1);
    });

    it('refuses a 2xx body larger than maxResponseBytes', async () => {
      const { gateway: small } = createGateway({ maxResponseBytes: 1_000 });
      stub.on(CREATE, { status: 200, body: { merchantExtensionData: { big: 'x'.repeat(1_500) } } });

      const error = await rejection(small.createEntitlement(endpointFor(stub), CREATE_BODY, CTX));

      assert.ok(error instanceof MerchantProtocolError, String(error));
      assert.match(error.message, /larger than 1000 bytes/);
    });
  });

  describe('activationInfo', () => {
    it('GETs the URL and maps 200 to the action', async () => {
      stub.on(ACTIVATION_INFO, {
        status: 200,
        body: {
          parameters: {
            action: 'NAVIGATE_TO_URL',
            url: SIGNUP_URL,
            urlExpiry: '2026-12-04T10:00:00+01:00',
          },
        },
      });

      const action = await gateway.getActivationInfo(endpointFor(stub), MEID, CTX);

      assert.deepEqual(action, {
        action: 'NAVIGATE_TO_URL',
        url: SIGNUP_URL,
        urlExpiry: new Date('2026-12-04T09:00:00Z'),
      });
      const [request] = stub.requestsTo(ACTIVATION_INFO);
      assert.equal(request?.method, 'GET');
      assert.equal(request?.body, '');
    });

    it('maps 200 with an activation code', async () => {
      stub.on(ACTIVATION_INFO, {
        status: 200,
        body: { parameters: { action: 'ENTER_ACTIVATION_CODE', activationCode: '9876' } },
      });
      const action = await gateway.getActivationInfo(endpointFor(stub), MEID, CTX);
      assert.deepEqual(action, { action: 'ENTER_ACTIVATION_CODE', activationCode: '9876' });
    });

    it('refuses 200 without parameters and 202', async () => {
      stub.on(ACTIVATION_INFO, [
        { status: 200, body: {} },
        { status: 202, body: { parameters: { action: 'NAVIGATE_TO_URL', url: SIGNUP_URL } } },
      ]);
      const endpoint = endpointFor(stub);

      const missing = await rejection(gateway.getActivationInfo(endpoint, MEID, CTX));
      const accepted = await rejection(gateway.getActivationInfo(endpoint, MEID, CTX));

      assert.ok(missing instanceof MerchantProtocolError);
      assert.match(missing.message, /parameters/);
      assert.ok(accepted instanceof MerchantProtocolError);
      assert.match(accepted.message, /unexpected HTTP 202/);
    });
  });

  describe('update', () => {
    it('PATCHes and maps 200 to done with the merchant extension data', async () => {
      stub.on(UPDATE, { status: 200, body: { merchantExtensionData: { tier: 'premium' } } });

      const outcome = await gateway.updateEntitlement(endpointFor(stub), MEID, UPDATE_BODY, CTX);

      assert.deepEqual(outcome, { kind: 'done', merchantExtensionData: { tier: 'premium' } });
      const [request] = stub.requestsTo(UPDATE);
      assert.equal(request?.method, 'PATCH');
      assert.deepEqual(JSON.parse(request?.body ?? ''), UPDATE_BODY);
    });

    it('maps 202 to actionRequired', async () => {
      stub.on(UPDATE, {
        status: 202,
        body: { parameters: { action: 'NAVIGATE_TO_URL', url: SIGNUP_URL } },
      });
      const outcome = await gateway.updateEntitlement(endpointFor(stub), MEID, UPDATE_BODY, CTX);
      assert.deepEqual(outcome, {
        kind: 'actionRequired',
        action: { action: 'NAVIGATE_TO_URL', url: SIGNUP_URL, urlExpiry: null },
      });
    });

    it('refuses 202 without parameters and 201', async () => {
      stub.on(UPDATE, [
        { status: 202, body: {} },
        { status: 201, body: {} },
      ]);
      const endpoint = endpointFor(stub);

      const missing = await rejection(gateway.updateEntitlement(endpoint, MEID, UPDATE_BODY, CTX));
      const created = await rejection(gateway.updateEntitlement(endpoint, MEID, UPDATE_BODY, CTX));

      assert.ok(missing instanceof MerchantProtocolError);
      assert.ok(created instanceof MerchantProtocolError);
      assert.match(created.message, /unexpected HTTP 201/);
    });
  });

  describe('suspend and resume', () => {
    it('POST and map 200 to done and 202 to accepted; the body may be empty', async () => {
      stub.on(SUSPEND, [{ status: 200, body: {} }, { status: 202 }]);
      stub.on(RESUME, [{ status: 200 }, { status: 202, body: { merchantEntitlementId: MEID } }]);
      const endpoint = endpointFor(stub);

      assert.deepEqual(await gateway.suspendEntitlement(endpoint, MEID, STATE_BODY, CTX), {
        kind: 'done',
      });
      assert.deepEqual(await gateway.suspendEntitlement(endpoint, MEID, STATE_BODY, CTX), {
        kind: 'accepted',
      });
      assert.deepEqual(await gateway.resumeEntitlement(endpoint, MEID, STATE_BODY, CTX), {
        kind: 'done',
      });
      assert.deepEqual(await gateway.resumeEntitlement(endpoint, MEID, STATE_BODY, CTX), {
        kind: 'accepted',
      });

      for (const request of [...stub.requestsTo(SUSPEND), ...stub.requestsTo(RESUME)]) {
        assert.equal(request.method, 'POST');
        assert.deepEqual(JSON.parse(request.body), STATE_BODY);
      }
    });

    it('refuses 201 and a malformed body', async () => {
      stub.on(SUSPEND, [{ status: 201 }, { status: 200, body: 'not json' }]);
      const endpoint = endpointFor(stub);

      const created = await rejection(gateway.suspendEntitlement(endpoint, MEID, STATE_BODY, CTX));
      const malformed = await rejection(
        gateway.suspendEntitlement(endpoint, MEID, STATE_BODY, CTX),
      );

      assert.ok(created instanceof MerchantProtocolError);
      assert.ok(malformed instanceof MerchantProtocolError);
    });
  });

  describe('terminate', () => {
    it('maps 200 to done with terminationDate as a Date', async () => {
      stub.on(TERMINATE, { status: 200, body: { terminationDate: '2027-01-01T00:00:00Z' } });

      const outcome = await gateway.terminateEntitlement(
        endpointFor(stub),
        MEID,
        TERMINATE_BODY,
        CTX,
      );

      assert.deepEqual(outcome, {
        kind: 'done',
        terminationDate: new Date('2027-01-01T00:00:00Z'),
      });
      const [request] = stub.requestsTo(TERMINATE);
      assert.equal(request?.method, 'POST');
      assert.deepEqual(JSON.parse(request?.body ?? ''), TERMINATE_BODY);
    });

    it('maps 200 without a date to done and 202 to accepted', async () => {
      stub.on(TERMINATE, [
        { status: 200, body: {} },
        { status: 202, body: {} },
      ]);
      const endpoint = endpointFor(stub);

      assert.deepEqual(await gateway.terminateEntitlement(endpoint, MEID, TERMINATE_BODY, CTX), {
        kind: 'done',
      });
      assert.deepEqual(await gateway.terminateEntitlement(endpoint, MEID, TERMINATE_BODY, CTX), {
        kind: 'accepted',
      });
    });

    it('refuses an invalid terminationDate', async () => {
      stub.on(TERMINATE, [
        { status: 200, body: { terminationDate: '2027-02-30T00:00:00Z' } },
        { status: 200, body: { terminationDate: 1798761600 } },
      ]);
      const endpoint = endpointFor(stub);

      for (let i = 0; i < 2; i += 1) {
        const error = await rejection(
          gateway.terminateEntitlement(endpoint, MEID, TERMINATE_BODY, CTX),
        );
        assert.ok(error instanceof MerchantProtocolError, String(error));
        assert.match(error.message, /terminationDate/);
      }
    });
  });

  describe('URLs', () => {
    it('replaces {merchantEntitlementId} URL-encoded and keeps the query string', async () => {
      const id = 'sub/42 ä?&#';
      const encoded = encodeURIComponent(id);
      const path = `/v2/subs/${encoded}/stop`;
      stub.on(path, { status: 200, body: {} });
      const endpoint = endpointFor(stub, {
        callbackUrls: {
          terminate: stub.url('/v2/subs/{merchantEntitlementId}/stop?tenant=tessera&x=a%20b'),
        },
      });

      await gateway.terminateEntitlement(endpoint, id, TERMINATE_BODY, CTX);

      const [request] = stub.requestsTo(path);
      assert.equal(request?.url, `${path}?tenant=tessera&x=a%20b`);
    });

    it('calls each operation at its own configured URL, id in the path or query', async () => {
      stub.on('/pause', { status: 200 });
      stub.on('/api/resume', { status: 200 });
      stub.on(`/tickets/${MEID}`, { status: 202, body: {} });
      const endpoint = endpointFor(stub, {
        callbackUrls: {
          suspend: stub.url('/pause'),
          resume: stub.url('/api/resume?sub={merchantEntitlementId}'),
          terminate: stub.url('/tickets/{merchantEntitlementId}'),
        },
      });

      await gateway.suspendEntitlement(endpoint, MEID, STATE_BODY, CTX);
      await gateway.resumeEntitlement(endpoint, MEID, STATE_BODY, CTX);
      await gateway.terminateEntitlement(endpoint, MEID, TERMINATE_BODY, CTX);

      assert.deepEqual(
        stub.requests.map((request) => `${request.method} ${request.url}`),
        ['POST /pause', `POST /api/resume?sub=${MEID}`, `POST /tickets/${MEID}`],
      );
    });

    it("fills {merchantEntitlementId} in a create URL with Tessera's entitlement id", async () => {
      stub.on(`/create/${ENTITLEMENT_ID}`, { status: 201 });
      const endpoint = endpointFor(stub, {
        callbackUrls: { create: stub.url('/create/{merchantEntitlementId}') },
      });

      assert.deepEqual(await gateway.createEntitlement(endpoint, CREATE_BODY, CTX), {
        kind: 'created',
      });
    });

    it('says which operations are supported, refuses others with NOT_AVAILABLE', async () => {
      const endpoint = endpointFor(stub, {
        callbackUrls: { create: stub.url(CREATE), terminate: '' },
      });

      assert.equal(gateway.supports(endpoint, 'create'), true);
      assert.equal(gateway.supports(endpoint, 'suspend'), false);
      assert.equal(gateway.supports(endpoint, 'terminate'), false);

      const error = await rejection(gateway.suspendEntitlement(endpoint, MEID, STATE_BODY, CTX));
      assert.ok(error instanceof OperationNotSupportedError, String(error));
      assert.equal(error.responseCode, 'NOT_AVAILABLE');
      assert.equal(error.operation, 'suspend');
      assert.match(error.message, /DEMO_MUSIC does not support the suspend operation/);
      assert.equal(stub.requests.length, 0);
    });

    it('refuses a configured URL that is not absolute http(s), calling nothing', async () => {
      const endpoint = endpointFor(stub, {
        callbackUrls: { create: 'ftp://merchant.test/create' },
      });

      const error = await rejection(gateway.createEntitlement(endpoint, CREATE_BODY, CTX));

      assert.ok(error instanceof MerchantConfigurationError, String(error));
      assert.equal(error.responseCode, 'MERCHANT_ERROR');
    });
  });

  describe('headers', () => {
    it('sends HTTP Basic credentials, UTF-8 encoded', async () => {
      stub.on(CREATE, { status: 201 });
      const endpoint = endpointFor(
        stub,
        {},
        { type: 'BASIC', username: 'tessera', password: 'pässwörd:1' },
      );

      await gateway.createEntitlement(endpoint, CREATE_BODY, CTX);

      const expected = `Basic ${Buffer.from('tessera:pässwörd:1', 'utf8').toString('base64')}`;
      assert.equal(stub.requestsTo(CREATE)[0]?.headers.authorization, expected);
    });

    it('sends an API key as X-Api-Key and no Authorization', async () => {
      stub.on(CREATE, { status: 201 });
      const endpoint = endpointFor(stub, {}, { type: 'API_KEY', apiKey: 'k-123' });

      await gateway.createEntitlement(endpoint, CREATE_BODY, CTX);

      const [request] = stub.requestsTo(CREATE);
      assert.equal(request?.headers['x-api-key'], 'k-123');
      assert.equal(request?.headers.authorization, undefined);
    });

    it('never logs credentials', () => {
      const text = JSON.stringify(logs.lines);
      assert.ok(logs.withMessage('merchant callback attempt').length > 0);
      assert.doesNotMatch(text, /pässwörd|k-123|Basic /);
    });

    it('forwards X-Magic-Number from the context', async () => {
      stub.on(CREATE, { status: 200 });
      stub.on(ACTIVATION_INFO, {
        status: 200,
        body: { parameters: { action: 'ENTER_ACTIVATION_CODE', activationCode: '1' } },
      });
      const endpoint = endpointFor(stub);

      await gateway.createEntitlement(endpoint, CREATE_BODY, {
        ...CTX,
        magicNumber: 'CREATE_REQUEST_RETURNS_ACTIVATED',
      });
      await gateway.getActivationInfo(endpoint, MEID, {
        ...CTX,
        magicNumber: 'ACTIVATION_INFO_RETURNS_ACTIVATION_CODE',
      });

      assert.equal(
        stub.requestsTo(CREATE)[0]?.headers['x-magic-number'],
        'CREATE_REQUEST_RETURNS_ACTIVATED',
      );
      assert.equal(
        stub.requestsTo(ACTIVATION_INFO)[0]?.headers['x-magic-number'],
        'ACTIVATION_INFO_RETURNS_ACTIVATION_CODE',
      );
    });
  });
});

/** An https URL of exactly `length` characters. */
function padUrl(length: number): string {
  const start = 'https://music.merchant.test/signup?t=';
  return start + 'a'.repeat(length - start.length);
}
