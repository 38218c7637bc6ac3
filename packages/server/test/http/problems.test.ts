import assert from 'node:assert/strict';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';

import { Router } from '@koa/router';

import { BadRequestProblem } from '../../src/errors/http-problems';
import type { ProblemDocument } from '../../src/errors/problem';
import { describeWithSqlite } from '../helpers/databases';
import { startTestServer, type TestServer } from '../helpers/test-server';

const BODY_LIMIT = 1024;

/** Routes that exist only in this test, to drive the JSON body handling and error paths. */
function testRoutes(): Router {
  const router = new Router({ prefix: '/test' });

  router.post('/echo', (ctx) => {
    ctx.body = { received: ctx.request.body as unknown };
  });
  router.get('/crash', (ctx) => {
    ctx.set('ETag', '"7"');
    throw new Error('secret internals: password=hunter2');
  });
  router.get('/invalid', () => {
    throw new BadRequestProblem('Two fields are invalid.', {
      errors: [
        { field: 'productKey', message: 'is required' },
        { field: 'dateExpiry', message: 'must be in the future' },
      ],
    });
  });
  return router;
}

function postJson(server: TestServer, body: string, type = 'application/json') {
  return server.request('/test/echo', {
    method: 'POST',
    headers: { 'Content-Type': type },
    body,
  });
}

function postEncoded(server: TestServer, coding: string, body: Uint8Array) {
  return server.request('/test/echo', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Content-Encoding': coding },
    body,
  });
}

async function readProblem(response: Response): Promise<ProblemDocument> {
  assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
  return (await response.json()) as ProblemDocument;
}

describeWithSqlite('problem+json error responses', (db) => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer(db.config, {
      env: { BODY_LIMIT: `${BODY_LIMIT}b` },
      routers: [testRoutes()],
    });
  });

  after(async () => {
    await server.shutdown();
  });

  it('answers 404 for an unknown path', async () => {
    const response = await server.request('/no/such/thing', {
      headers: { 'X-Request-Id': 'r-404' },
    });

    assert.equal(response.status, 404);
    assert.deepEqual(await readProblem(response), {
      type: 'https://tessera.dev/problems/not-found',
      title: 'Not Found',
      status: 404,
      detail: 'No resource at /no/such/thing.',
      instance: '/no/such/thing',
      responseCode: 'NOT_FOUND',
      requestId: 'r-404',
    });
  });

  it('answers 404, not 415, for a non-JSON body sent to an unknown path', async () => {
    const response = await server.request('/nowhere', {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: 'hello',
    });

    assert.equal(response.status, 404);
  });

  it('answers 405 with an Allow header for a known path and the wrong method', async () => {
    const response = await server.request('/health/live', { method: 'DELETE' });
    const problem = await readProblem(response);

    assert.equal(response.status, 405);
    assert.equal(response.headers.get('allow'), 'HEAD, GET');
    assert.equal(problem.responseCode, 'METHOD_NOT_ALLOWED');
    assert.equal(problem.type, 'https://tessera.dev/problems/method-not-allowed');
  });

  it('parses a JSON body', async () => {
    const response = await postJson(server, '{"productKey":"MUSIC"}');

    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { received: { productKey: 'MUSIC' } });
  });

  it('parses +json media types such as merge-patch', async () => {
    const response = await postJson(server, '{"a":1}', 'application/merge-patch+json');

    assert.deepEqual(await response.json(), { received: { a: 1 } });
  });

  it('answers 400 for malformed JSON', async () => {
    const response = await postJson(server, '{"productKey": ');
    const problem = await readProblem(response);

    assert.equal(response.status, 400);
    assert.equal(problem.responseCode, 'BAD_REQUEST');
    assert.match(problem.detail, /^The request body is not valid JSON/);
  });

  it('parses any JSON value, leaving what an operation takes to the contract', async () => {
    for (const text of ['null', '"x"', '42', '[1,2]']) {
      const response = await postJson(server, text);

      assert.equal(response.status, 200, text);
      assert.deepEqual(await response.json(), { received: JSON.parse(text) as unknown }, text);
    }
  });

  it('takes an empty JSON body as an empty object', async () => {
    const response = await postJson(server, '');

    assert.deepEqual(await response.json(), { received: {} });
  });

  it('decodes gzip, deflate and br bodies', async () => {
    const json = Buffer.from('{"productKey":"MUSIC"}');
    const encoded = {
      gzip: gzipSync(json),
      deflate: deflateSync(json),
      br: brotliCompressSync(json),
    };

    for (const [coding, body] of Object.entries(encoded)) {
      const response = await postEncoded(server, coding, body);

      assert.equal(response.status, 200, coding);
      assert.deepEqual(await response.json(), { received: { productKey: 'MUSIC' } }, coding);
    }
  });

  it('answers 400 for a body that is not the data its Content-Encoding names', async () => {
    const truncated = gzipSync(Buffer.from('{"productKey":"MUSIC"}')).subarray(0, 12);
    const cases = [
      ['gzip', Buffer.from('{}')],
      ['deflate', Buffer.from('{}')],
      ['br', Buffer.from('{}')],
      ['gzip', truncated],
    ] as const;

    for (const [coding, body] of cases) {
      const response = await postEncoded(server, coding, body);
      const problem = await readProblem(response);

      assert.equal(response.status, 400, coding);
      assert.equal(problem.responseCode, 'BAD_REQUEST');
      assert.equal(
        problem.detail,
        `The request body is not valid ${coding} data, as its Content-Encoding says it is.`,
      );
    }
  });

  it('answers 415 naming an unsupported Content-Encoding and the accepted ones', async () => {
    // An empty body too: the parser would still try to decode it.
    for (const body of [Buffer.from('{}'), new Uint8Array()]) {
      const response = await postEncoded(server, 'bogus', body);
      const problem = await readProblem(response);

      assert.equal(response.status, 415);
      assert.equal(problem.responseCode, 'UNSUPPORTED_MEDIA_TYPE');
      assert.equal(
        problem.detail,
        'Request bodies cannot be in the Content-Encoding bogus: send them unencoded ' +
          '(identity) or as gzip, deflate or br.',
      );
      assert.equal(response.headers.get('accept-encoding'), 'gzip, deflate, br');
    }
  });

  it('answers 400 for JSON that tries prototype pollution', async () => {
    const response = await postJson(server, '{"__proto__": {"admin": true}}');

    assert.equal(response.status, 400);
  });

  it('answers 413 for a body over the limit', async () => {
    const response = await postJson(server, JSON.stringify({ pad: 'x'.repeat(BODY_LIMIT) }));
    const problem = await readProblem(response);

    assert.equal(response.status, 413);
    assert.equal(problem.responseCode, 'PAYLOAD_TOO_LARGE');
    assert.equal(problem.detail, `The request body exceeds the limit of ${BODY_LIMIT} bytes.`);
  });

  it('accepts a body just under the limit', async () => {
    const response = await postJson(server, JSON.stringify({ pad: 'x'.repeat(BODY_LIMIT - 20) }));

    assert.equal(response.status, 200);
  });

  it('answers 415 for a body that is not JSON', async () => {
    const response = await postJson(
      server,
      'productKey=MUSIC',
      'application/x-www-form-urlencoded',
    );
    const problem = await readProblem(response);

    assert.equal(response.status, 415);
    assert.equal(problem.responseCode, 'UNSUPPORTED_MEDIA_TYPE');
    assert.equal(
      problem.detail,
      'Request bodies must be JSON, not application/x-www-form-urlencoded.',
    );
  });

  it('answers 415 for a body without a Content-Type', async () => {
    const response = await server.request('/test/echo', {
      method: 'POST',
      body: new Uint8Array([123, 125]),
    });

    assert.equal(response.status, 415);
  });

  it('renders field errors of a validation problem', async () => {
    const response = await server.request('/test/invalid');
    const problem = await readProblem(response);

    assert.equal(response.status, 400);
    assert.deepEqual(problem.errors, [
      { field: 'productKey', message: 'is required' },
      { field: 'dateExpiry', message: 'must be in the future' },
    ]);
  });

  it('answers 500 without leaking the error, and logs its stack', async () => {
    const response = await server.request('/test/crash', { headers: { 'X-Request-Id': 'r-500' } });
    const text = await response.text();

    assert.equal(response.status, 500);
    assert.doesNotMatch(text, /hunter2|secret|at .*\.ts/);
    assert.equal(response.headers.get('etag'), null, 'headers of the failed handler are dropped');
    assert.equal((JSON.parse(text) as ProblemDocument).responseCode, 'INTERNAL_ERROR');

    const [logged] = server.logs.forRequest('r-500').filter((line) => line.level === 'error');
    const err = logged?.err as { stack?: string } | undefined;
    assert.match(err?.stack ?? '', /secret internals[\s\S]*problems\.test\.ts/);
  });
});
