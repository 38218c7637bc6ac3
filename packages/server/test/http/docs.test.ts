import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { parse } from 'yaml';

import { startTestServer, type TestServer } from '../helpers/test-server';

const contract = JSON.parse(
  readFileSync(require.resolve('@tessera/contract/openapi.json'), 'utf8'),
) as Record<string, unknown>;

// The pages read no data, so one in-memory database is enough.
describe('docs routes', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ kind: 'sqlite', driver: 'better-sqlite3', path: ':memory:' });
  });

  after(async () => {
    await server.shutdown();
  });

  it('serves the API reference page at /docs', async () => {
    const response = await server.request('/docs');
    const page = await response.text();

    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page, /<title>Tessera API reference<\/title>/);
  });

  it('serves the merchant callbacks page at /docs/merchant-callbacks', async () => {
    const response = await server.request('/docs/merchant-callbacks');
    const page = await response.text();

    assert.equal(response.status, 200);
    assert.match(page, /<title>Tessera merchant callbacks<\/title>/);
  });

  it('serves the bundled contract at /openapi.json', async () => {
    const response = await server.request('/openapi.json');

    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(await response.json(), contract);
  });

  it('serves the same contract as YAML at /openapi.yaml', async () => {
    const response = await server.request('/openapi.yaml');

    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/yaml/);
    assert.deepEqual(parse(await response.text()), contract);
  });

  it('answers other methods with a 405 problem', async () => {
    const response = await server.request('/openapi.json', { method: 'DELETE' });

    assert.equal(response.status, 405);
    assert.equal(response.headers.get('allow'), 'HEAD, GET');
  });
});
