import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';

import { Router } from '@koa/router';

import { describeEachDatabase, describeWithSqlite } from '../helpers/databases';
import type { LogLine } from '../helpers/log-capture';
import { startTestServer } from '../helpers/test-server';

/**
 * A route whose handler signals when it starts and finishes when the test says so, running
 * `afterGate` last.
 */
function gatedRoute(afterGate: () => Promise<void> = async () => undefined) {
  const router = new Router();
  let entered!: () => void;
  let release!: () => void;
  const started = new Promise<void>((resolve) => (entered = resolve));
  const gate = new Promise<void>((resolve) => (release = resolve));

  router.get('/test/slow', async (ctx) => {
    entered();
    await gate;
    await afterGate();
    ctx.body = { finished: true };
  });
  return { router, started, release };
}

describeEachDatabase('graceful shutdown', (db) => {
  it('lets an in-flight request finish, then refuses connections and closes the DB', async () => {
    const slow = gatedRoute();
    const server = await startTestServer(db.config, { routers: [slow.router] });
    const inFlight = server.request('/test/slow');
    await slow.started;

    const stopped = server.shutdown();
    await delay(50);
    slow.release();
    const response = await inFlight;

    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { finished: true });
    assert.equal(await stopped, true);
    assert.equal(server.dataSource.isInitialized, false);
    await assert.rejects(server.request('/health/live'));
  });

  it('waits for a request whose client hung up, and gives it the database', async () => {
    let databaseAnswered = false;
    const slow = gatedRoute(async () => {
      await server.dataSource.query('SELECT 1');
      databaseAnswered = true;
    });
    const server = await startTestServer(db.config, { routers: [slow.router] });
    const client = new AbortController();
    const abandoned = server.request('/test/slow', { signal: client.signal });
    await slow.started;
    client.abort();
    await assert.rejects(abandoned);

    let stoppedYet = false;
    const stopped = server.shutdown().finally(() => (stoppedYet = true));
    await delay(200);
    assert.equal(stoppedYet, false, 'the shutdown must wait for the handler, not the socket');
    slow.release();

    assert.equal(await stopped, true);
    assert.equal(databaseAnswered, true);
    assert.equal(server.dataSource.isInitialized, false);
  });
});

describeWithSqlite('graceful shutdown hooks and timeout', (db) => {
  it('runs shutdown hooks in reverse order before closing the database', async () => {
    const server = await startTestServer(db.config);
    const calls: string[] = [];
    server.lifecycle.onShutdown('first', () => {
      calls.push(`first, database open: ${server.dataSource.isInitialized}`);
    });
    server.lifecycle.onShutdown('second', async () => {
      await delay(5);
      calls.push('second');
    });

    assert.equal(await server.shutdown(), true);

    assert.deepEqual(calls, ['second', 'first, database open: true']);
  });

  it('reports an unclean stop when a hook fails, and still closes the database', async () => {
    const server = await startTestServer(db.config);
    server.lifecycle.onShutdown('broken', () => {
      throw new Error('job would not stop');
    });

    assert.equal(await server.shutdown(), false);

    assert.equal(server.dataSource.isInitialized, false);
    assert.equal(server.logs.withMessage('shutdown hook failed').length, 1);
  });

  it('cuts requests still running after the shutdown timeout', async () => {
    const slow = gatedRoute();
    const server = await startTestServer(db.config, {
      env: { SHUTDOWN_TIMEOUT_MS: '100' },
      routers: [slow.router],
    });
    const inFlight = server.request('/test/slow');
    await slow.started;

    const clean = await server.shutdown();
    slow.release();

    assert.equal(clean, true);
    await assert.rejects(inFlight);
    assert.equal(server.logs.lines.filter((line) => /cutting them/.test(line.msg ?? '')).length, 1);
  });

  it('is safe to call twice', async () => {
    const server = await startTestServer(db.config);

    const [first, second] = await Promise.all([server.shutdown(), server.shutdown()]);

    assert.deepEqual([first, second], [true, true]);
  });
});

describeWithSqlite('the server process', (db) => {
  let child: ChildProcess | undefined;

  afterEach(() => {
    child?.kill('SIGKILL');
  });

  it('starts, answers, and exits 0 on SIGTERM', async () => {
    const sqlitePath = db.config.kind === 'sqlite' ? db.config.path : '';
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, PORT: '0', DATABASE_URL: `sqlite:${sqlitePath}`, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = logLines(child);

    const listening = await nextLine(lines, (line) => typeof line.url === 'string');
    const response = await fetch(`${String(listening.url)}/health/ready`);
    assert.equal(response.status, 200);

    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];

    assert.equal(code, 0);
    assert.ok(lines.seen.some((line) => line.msg === 'shutdown complete'));
  });

  it('exits 1 with a plain hint, and no stack trace, when its port is taken', async () => {
    const blocker = createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const { port } = blocker.address() as AddressInfo;
    const sqlitePath = db.config.kind === 'sqlite' ? db.config.path : '';
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: `sqlite:${sqlitePath}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

    const [code] = (await once(child, 'exit')) as [number | null];
    blocker.close();

    assert.equal(code, 1);
    assert.equal(
      stderr,
      `Tessera cannot listen on 127.0.0.1:${port}: the port is in use by another process. ` +
        'Stop that process, or set PORT to another port (PORT=0 picks a free one).\n',
    );
    const fatal = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as LogLine)
      .filter((line) => line.level === 'fatal');
    assert.equal(fatal.length, 1);
    assert.equal(fatal[0]?.code, 'EADDRINUSE');
    assert.doesNotMatch(stdout + stderr, /\n\s+at |"stack"/, 'no stack trace');
  });

  it('exits 1 listing every configuration problem', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, PORT: 'eighty', LOG_LEVEL: 'loud' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

    const [code] = (await once(child, 'exit')) as [number | null];

    assert.equal(code, 1);
    assert.match(stderr, /PORT: must be a whole number/);
    assert.match(stderr, /LOG_LEVEL: must be one of/);
  });
});

interface LogLines {
  seen: LogLine[];
  next: () => Promise<LogLine>;
}

function logLines(child: ChildProcess): LogLines {
  const seen: LogLine[] = [];
  const waiting: ((line: LogLine) => void)[] = [];
  const reader = createInterface({ input: child.stdout! });

  reader.on('line', (text) => {
    const line = JSON.parse(text) as LogLine;
    seen.push(line);
    waiting.shift()?.(line);
  });
  return { seen, next: () => new Promise((resolve) => waiting.push(resolve)) };
}

async function nextLine(lines: LogLines, match: (line: LogLine) => boolean): Promise<LogLine> {
  const earlier = lines.seen.find(match);
  if (earlier !== undefined) {
    return earlier;
  }

  for (;;) {
    const line = await lines.next();
    if (match(line)) {
      return line;
    }
  }
}
