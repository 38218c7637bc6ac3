import assert from 'node:assert/strict';

import { Router } from '@koa/router';

import { describeWithSqlite } from '../helpers/databases';
import { createTestLogger } from '../helpers/log-capture';
import { startTestServer, type TestServer } from '../helpers/test-server';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describeWithSqlite('X-Request-Id', (db) => {
  let server: TestServer;

  before(async () => {
    const { logger, logs } = createTestLogger();
    const router = new Router();
    router.get('/test/log', (ctx) => {
      logger.info('inside the handler');
      ctx.body = { ok: true };
    });

    server = await startTestServer(db.config, { routers: [router], logger: { logger, logs } });
  });

  after(async () => {
    await server.shutdown();
  });

  it('generates a UUID when the caller sends none', async () => {
    const response = await server.request('/health/live');

    assert.equal(response.status, 200);
    assert.match(response.headers.get('x-request-id') ?? '', UUID);
  });

  it('echoes a sane incoming id', async () => {
    const response = await server.request('/health/live', {
      headers: { 'X-Request-Id': 'reseller-42:abc.DEF_1' },
    });

    assert.equal(response.headers.get('x-request-id'), 'reseller-42:abc.DEF_1');
  });

  it('replaces an id that is too long or has odd characters', async () => {
    for (const insane of ['x'.repeat(129), 'has space', 'quote"d', '<script>']) {
      const response = await server.request('/health/live', {
        headers: { 'X-Request-Id': insane },
      });

      assert.match(response.headers.get('x-request-id') ?? '', UUID, insane);
    }
  });

  it('is sent on error responses and in their body', async () => {
    const response = await server.request('/nowhere', { headers: { 'X-Request-Id': 'err-1' } });
    const body = (await response.json()) as { requestId: string };

    assert.equal(response.status, 404);
    assert.equal(response.headers.get('x-request-id'), 'err-1');
    assert.equal(body.requestId, 'err-1');
  });

  it("is bound to every log line of the request, including the handler's", async () => {
    const response = await server.request('/test/log', { headers: { 'X-Request-Id': 'log-1' } });
    await response.arrayBuffer();

    const messages = server.logs.forRequest('log-1').map((line) => line.msg);
    assert.deepEqual(messages, ['inside the handler', 'request completed']);
  });

  it('is absent from log lines written outside any request', () => {
    const startup = server.logs.withMessage('database schema ready');

    assert.equal(startup.length, 1);
    assert.equal(startup[0]?.requestId, undefined);
  });
});
