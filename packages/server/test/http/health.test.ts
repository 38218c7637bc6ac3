import assert from 'node:assert/strict';

import type { ProblemDocument } from '../../src/errors/problem';
import { describeEachDatabase } from '../helpers/databases';
import { startTestServer, type TestServer } from '../helpers/test-server';

describeEachDatabase('health endpoints', (db) => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer(db.config);
  });

  after(async () => {
    await server.shutdown();
  });

  it('answers /health/live with 200', async () => {
    const response = await server.request('/health/live');

    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await response.json(), { status: 'ok' });
  });

  it('answers /health/ready with 200 while the database answers', async () => {
    const response = await server.request('/health/ready');

    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok' });
  });

  describe('once the database is closed', () => {
    before(async () => {
      await server.dataSource.destroy();
    });

    it('answers /health/ready with a 503 problem', async () => {
      const response = await server.request('/health/ready');
      const problem = (await response.json()) as ProblemDocument;

      assert.equal(response.status, 503);
      assert.equal(problem.responseCode, 'SERVICE_UNAVAILABLE');
      assert.equal(problem.detail, 'The database is not available.');
    });

    it('still answers /health/live with 200', async () => {
      const response = await server.request('/health/live');

      assert.equal(response.status, 200);
    });
  });
});
