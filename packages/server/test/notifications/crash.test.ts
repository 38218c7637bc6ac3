import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';

import type { components } from '../../src/generated/contract';
import { ApiClient } from '../helpers/api-client';
import { ADMIN_TOKEN, buildWorld, createBody } from '../helpers/api-world';
import { DATABASE_TARGETS, TestDatabase } from '../helpers/databases';
import type { LogLine } from '../helpers/log-capture';
import { likeAMusicMerchant, MerchantStub } from '../helpers/merchant-stub';
import type { TestServer } from '../helpers/test-server';
import { closedPort, Receiver } from './helpers/receiver';

type Schemas = components['schemas'];

/** A `src/main.ts` process, as operators run it. */
class ServerProcess {
  readonly lines: LogLine[] = [];
  url = '';

  private constructor(readonly child: ChildProcess) {}

  static async start(databaseUrl: string): Promise<ServerProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        ...process.env,
        PORT: '0',
        DATABASE_URL: databaseUrl,
        SANDBOX: 'false',
        ADMIN_TOKEN,
        LOG_LEVEL: 'info',
        RATE_LIMIT_PER_SECOND: '1000',
        NOTIFICATION_TIMEOUT_MS: '500',
        NOTIFICATION_POLL_INTERVAL_MS: '50',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const server = new ServerProcess(child);
    createInterface({ input: child.stdout! }).on('line', (text) => {
      server.lines.push(JSON.parse(text) as LogLine);
    });
    await server.waitFor((line) => typeof line.url === 'string');
    server.url = String(server.lines.find((line) => typeof line.url === 'string')!.url);
    return server;
  }

  /** What the API test helpers need of a server. */
  asTestServer(): TestServer {
    const request = (path: string, init?: RequestInit) => fetch(new URL(path, this.url), init);
    return { request } as TestServer;
  }

  async waitFor(match: (line: LogLine) => boolean): Promise<void> {
    await until(() => this.lines.some(match), 30_000);
  }

  async stop(signal: NodeJS.Signals): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill(signal);
      await once(this.child, 'exit');
    }
  }
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error('timed out');
    }
    await delay(50);
  }
}

const CRASH_TARGETS = DATABASE_TARGETS.filter((target) => target.name !== 'sqlite/sqlite3');

for (const target of CRASH_TARGETS) {
  describe(target.name, () => {
    describe('a server killed with notifications pending', function () {
      this.timeout(90_000);
      const db = new TestDatabase(target);
      let stub: MerchantStub;
      const receiver = new Receiver();
      const processes: ServerProcess[] = [];

      before(async function () {
        await db.create(this);
        stub = await MerchantStub.start(likeAMusicMerchant);
      });

      after(async () => {
        await Promise.all(processes.map((server) => server.stop('SIGKILL')));
        await receiver.stop();
        await stub?.close();
        await db.drop();
      });

      it('delivers every notification at least once, in order, after a restart', async () => {
        const config = db.config;
        const databaseUrl = config.kind === 'sqlite' ? `sqlite:${config.path}` : config.url;
        const port = await closedPort();
        const hookUrl = `http://127.0.0.1:${port}/hook`;

        const first = await ServerProcess.start(databaseUrl);
        processes.push(first);
        const world = await buildWorld(first.asTestServer(), stub);
        await makeChanges(world.resellerA, hookUrl, 4);
        // The receiver is down: wait until the first delivery has a failed try on record.
        // The ones behind it wait for it (strict per-endpoint order): no tries of their own.
        await until(async () => (await failedTries(world.admin)) >= 1, 20_000);
        await makeChanges(world.resellerA, hookUrl, 2);
        const queued = await deliveriesOf(world.admin);
        assert.deepEqual(
          queued.filter((one) => one.attemptCount > 0).map((one) => one.sequence),
          [Math.min(...queued.map((one) => one.sequence))],
        );
        await first.stop('SIGKILL');

        await receiver.start(port);
        const second = await ServerProcess.start(databaseUrl);
        processes.push(second);
        const reseller = ApiClient.basic(
          second.asTestServer(),
          world.credentials.resellerA.username,
          world.credentials.resellerA.password,
        );
        const expected = await notifiedEventIds(reseller);
        assert.equal(expected.length, 12);

        await until(() => expected.every((id) => receiver.eventIds().includes(id)), 30_000);
        // At least once, and in sequence order: whatever a crash repeats, the first arrivals
        // are the feed's order.
        const firstArrivals = [...new Set(receiver.eventIds())];
        assert.deepEqual(firstArrivals, expected);
        await second.stop('SIGTERM');
        assert.equal(second.child.exitCode, 0);
      });
    });
  });
}

/** `entitlements` new entitlements notified at `url`, each changed twice (notified twice). */
async function makeChanges(reseller: ApiClient, url: string, entitlements: number) {
  for (let i = 0; i < entitlements; i += 1) {
    const created = await reseller.post<Schemas['EntitlementResponse']>('/v1/entitlement', {
      ...createBody(),
      notificationUrl: url,
    });
    const id = created.body.entitlementId;
    for (const change of ['a', 'b']) {
      const patched = await reseller.patch(`/v1/entitlement/${id}`, { extensionData: { change } });
      assert.equal(patched.status, 200);
    }
  }
}

async function deliveriesOf(admin: ApiClient): Promise<Schemas['NotificationDelivery'][]> {
  const page = await admin.get<Schemas['NotificationDeliveryPage']>(
    '/admin/v1/notificationDeliveries?resellerKey=TELCO_A&limit=500',
  );
  return page.body.deliveries;
}

async function failedTries(admin: ApiClient): Promise<number> {
  const deliveries = await deliveriesOf(admin);
  return deliveries.reduce((sum, delivery) => sum + delivery.attemptCount, 0);
}

async function notifiedEventIds(reseller: ApiClient): Promise<string[]> {
  const feed = await reseller.get<Schemas['EventFeedPage']>('/v1/events?after=0&limit=500');
  return feed.body.events
    .filter((event) => event.reason === 'METADATA_UPDATE')
    .map((event) => event.eventId);
}
