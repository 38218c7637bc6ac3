import assert from 'node:assert/strict';

import { Router } from '@koa/router';

import { loadContract } from '../../src/http/contract';
import type { TesseraState } from '../../src/http/state';
import { describeWithSqlite } from '../helpers/databases';
import { startTestServer, type TestServer } from '../helpers/test-server';

/** Answers `GET /broken/:kind` as the contract's `echo`, in ways the contract forbids. */
async function brokenEcho(): Promise<Router<TesseraState>> {
  const echo = (await loadContract()).operation('echo');
  const router = new Router<TesseraState>({ prefix: '/broken' });

  router.get('/:kind', (ctx) => {
    ctx.state.operation = echo;
    switch (ctx.params.kind) {
      case 'body':
        ctx.body = { responseCode: 'FINE', echo: 7 };
        break;
      case 'status':
        ctx.status = 201;
        ctx.body = { responseCode: 'OK', responseMessage: 'Success', echo: 'x' };
        break;
      default:
        ctx.body = 'plain text';
    }
  });
  return router;
}

describeWithSqlite('the test-only response validator', (db) => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer(db.config, { routers: [await brokenEcho()] });
  });

  after(async () => {
    await server.shutdown();
  });

  it('records bodies, statuses and content types the contract does not allow', async () => {
    await server.request('/broken/body');
    await server.request('/broken/status');
    await server.request('/broken/type');
    // Taken here, so that the contract hook does not fail this test for them.
    const mismatches = server.responseValidator!.takeMismatches();

    assert.deepEqual(
      mismatches.map((m) => [m.path, m.operationId]),
      [
        ['/broken/body', 'echo'],
        ['/broken/status', 'echo'],
        ['/broken/type', 'echo'],
      ],
    );
    const [body, status, type] = mismatches.map((m) => m.problems.join('; '));
    assert.match(body!, /body: must have required property 'responseMessage'/);
    assert.match(body!, /body\/responseCode: must be equal to one of the allowed values/);
    assert.match(body!, /body\/echo: must be string/);
    assert.match(status!, /status 201 is not declared for echo/);
    assert.match(type!, /content type "text\/plain" is not one of application\/json/);
  });

  it('accepts a problem document for an unknown path', async () => {
    const response = await server.request('/nowhere');
    assert.equal(response.status, 404);
    assert.deepEqual(server.responseValidator!.takeMismatches(), []);
  });
});
