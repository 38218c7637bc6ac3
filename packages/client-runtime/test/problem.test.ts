import assert from 'node:assert/strict';

import { TesseraApiError, problemMiddleware, toApiError } from '../src';

const problemJson = { 'content-type': 'application/problem+json', 'x-request-id': 'req-1' };

describe('toApiError', () => {
  it('parses problem details with their field errors', async () => {
    const body = {
      type: 'https://tessera.dev/problems/validation',
      title: 'Bad Request',
      status: 400,
      detail: 'The request is invalid',
      responseCode: 'BAD_REQUEST',
      errors: [{ field: '/productKey', message: 'is required' }],
    };

    const error = await toApiError(
      new Response(JSON.stringify(body), {
        status: 400,
        headers: problemJson,
      }),
    );

    assert.ok(error instanceof TesseraApiError);
    assert.equal(error.status, 400);
    assert.equal(error.responseCode, 'BAD_REQUEST');
    assert.deepEqual(error.fieldErrors, [{ field: '/productKey', message: 'is required' }]);
    assert.equal(error.requestId, 'req-1');
    assert.equal(error.message, '400 BAD_REQUEST: The request is invalid');
  });

  it('keeps members Tessera adds, such as the failed entitlement', async () => {
    const body = {
      title: 'Bad Gateway',
      status: 502,
      type: 'x',
      responseCode: 'MERCHANT_ERROR',
      entitlementId: '7d3f2c4e-1b2a-4c5d-9e8f-0a1b2c3d4e5f',
    };

    const error = await toApiError(new Response(JSON.stringify(body), { status: 502 }));

    assert.equal(error.problem.entitlementId, body.entitlementId);
  });

  it('synthesises a problem from a body that is not one', async () => {
    const error = await toApiError(
      new Response('<html>Bad gateway</html>', {
        status: 503,
        statusText: 'Service Unavailable',
      }),
    );

    assert.equal(error.responseCode, 'SERVICE_UNAVAILABLE');
    assert.equal(error.problem.title, 'Service Unavailable');
    assert.equal(error.problem.detail, '<html>Bad gateway</html>');
    assert.deepEqual(error.fieldErrors, []);
  });
});

describe('problemMiddleware', () => {
  it('lets 2xx answers through untouched', async () => {
    const response = new Response('{}', { status: 202 });

    assert.equal(await problemMiddleware.post({ response }), undefined);
  });

  it('throws a TesseraApiError for anything else', async () => {
    const response = new Response(
      '{"title":"Not Found","status":404,"type":"x",' + '"responseCode":"NOT_FOUND"}',
      { status: 404 },
    );

    await assert.rejects(problemMiddleware.post({ response }), (error: TesseraApiError) => {
      assert.equal(error.responseCode, 'NOT_FOUND');
      return true;
    });
  });
});
