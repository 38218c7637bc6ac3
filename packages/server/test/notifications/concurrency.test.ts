import assert from 'node:assert/strict';

import { createDataSource } from '../../src/database/data-source';
import { Transactions } from '../../src/database/transaction';
import type { ResellerPrincipal } from '../../src/domain/principals';
import { DATABASE_TARGETS, describeEachDatabase, TestDatabase } from '../helpers/databases';
import { NotificationWorld } from './helpers/notification-world';
import { type Received, Receiver } from './helpers/receiver';

describeEachDatabase('notifications and the feed under concurrent changes', (db) => {
  let world: NotificationWorld;
  let receiver: Receiver;

  before(async () => {
    world = await NotificationWorld.start(db.config);
    receiver = await new Receiver().start();
  });

  after(async () => {
    await receiver?.stop();
    await world?.close();
  });

  it('numbers events without gaps, and every notification carries its feed sequence', async () => {
    const p = await world.addReseller({
      resellerKey: 'BUSY',
      defaultNotificationUrl: receiver.url(),
    });
    const entitlements = await Promise.all([1, 2, 3, 4, 5].map(() => world.createEntitlement(p)));
    // Concurrent changes of several entitlements of one reseller; some lose the optimistic
    // version check, which must leave no hole in the sequence.
    await Promise.allSettled(
      entitlements.flatMap((id) => [1, 2, 3, 4].map(() => world.touch(p, id))),
    );

    const feed = await world.services.entitlements.listFeed(p, 0, 500);
    const sequences = feed.events.map((event) => event.sequence);
    assert.deepEqual(
      sequences,
      sequences.map((_, i) => i + 1),
    );

    const dispatcher = world.dispatcher();
    while ((await dispatcher.runOnce()).delivered > 0) {
      // Until everything due is delivered.
    }
    const notified = feed.events.filter((event) => event.reason === 'METADATA_UPDATE');
    const received = receiver.received.map(
      (request) =>
        JSON.parse(request.body) as {
          eventId: string;
          sequence: number;
          version: number;
        },
    );
    assert.equal(received.length, notified.length);
    for (const notification of received) {
      const event = feed.events.find((one) => one.eventId === notification.eventId);
      assert.deepEqual(
        [notification.sequence, notification.version],
        [event?.sequence, event?.version],
      );
    }
    assert.deepEqual(
      received.map((notification) => notification.sequence),
      notified.map((event) => event.sequence),
      'one endpoint receives first tries in sequence order',
    );
  });
});

describe('postgres', () => {
  describe('two dispatchers on one database', function () {
    const db = new TestDatabase(DATABASE_TARGETS.find((target) => target.name === 'postgres')!);
    let world: NotificationWorld;
    let receiver: Receiver;
    let otherProcess: Transactions;
    const closers: (() => Promise<void>)[] = [];

    before(async function () {
      this.timeout(60_000);
      await db.create(this);
      world = await NotificationWorld.start(db.config);
      receiver = await new Receiver().start();
      receiver.answerDelayMs = 5;
      const dataSource = createDataSource(db.config, world.logger);
      await dataSource.initialize();
      closers.push(() => dataSource.destroy());
      otherProcess = new Transactions(dataSource);
    });

    after(async () => {
      await receiver?.stop();
      await Promise.all(closers.map((close) => close()));
      await world?.close();
      await db.drop();
    });

    it('deliver each notification once', async function () {
      this.timeout(60_000);
      const p = await world.addReseller({ resellerKey: 'SHARED' });
      const expected = await makeDeliveries(p, 8, 4);
      const options = { concurrency: 3, batchSize: 4 };
      const one = world.dispatcher(options);
      const two = world.dispatcher(options, () => 0.5, otherProcess);

      const deadline = Date.now() + 30_000;
      const delivered = [0, 0];
      while (receiver.received.length < expected && Date.now() < deadline) {
        const rounds = await Promise.all([one.runOnce(), two.runOnce()]);
        rounds.forEach((round, i) => (delivered[i]! += round.delivered));
      }

      const ids = receiver.eventIds();
      assert.equal(ids.length, expected);
      assert.equal(new Set(ids).size, expected, 'no notification was sent twice');
      assert.ok(
        delivered.every((count) => count > 0),
        `split ${delivered.join('/')}`,
      );
      assertInOrderPerPath(receiver.received);
    });

    it('deliver each notification once and in order after an outage', async function () {
      this.timeout(60_000);
      const p = await world.addReseller({ resellerKey: 'OUTAGE' });
      const expected = await makeDeliveries(p, 6, 2, 'outage');
      const ours = (request: Received) => request.path.startsWith('/outage-');
      let down = true;
      receiver.answerFor = (request) => (ours(request) && down ? 503 : undefined);
      const options = { concurrency: 4, batchSize: 3 };
      const one = world.dispatcher(options);
      const two = world.dispatcher(options, () => 0.5, otherProcess);
      const attempts = [0, 0];
      const bothRound = async () => {
        const rounds = await Promise.all([one.runOnce(), two.runOnce()]);
        rounds.forEach((round, i) => (attempts[i]! += round.attempts));
      };

      // Three failed tries per URL, the dispatchers competing for the endpoints.
      for (let round = 0; round < 3; round += 1) {
        await bothRound();
        world.clock.set(await lastRetryOf(p));
      }
      const during = receiver.received.filter(ours);
      const heads = new Map<string, Set<string>>();
      for (const request of during) {
        const ids = heads.get(request.path) ?? new Set();
        heads.set(request.path, ids.add(String(request.headers['webhook-id'])));
      }
      assert.equal(during.length, 6 * 3, 'one try per URL and round');
      assert.ok(
        attempts.every((count) => count > 0),
        `split ${attempts.join('/')}`,
      );
      assert.deepEqual(
        [...heads.values()].map((ids) => ids.size),
        [1, 1, 1, 1, 1, 1],
        'only each URL’s head was tried',
      );

      down = false;
      const deadline = Date.now() + 30_000;
      while (receiver.acknowledged().filter(ours).length < expected && Date.now() < deadline) {
        await bothRound();
      }

      const acknowledged = receiver.acknowledged().filter(ours);
      const ids = acknowledged.map((request) => String(request.headers['webhook-id']));
      assert.equal(ids.length, expected);
      assert.equal(new Set(ids).size, expected, 'each acknowledged once');
      const after = receiver.received.filter(ours).slice(during.length);
      assert.equal(after.length, expected, 'nothing sent twice after the outage');
      assertInOrderPerPath(acknowledged);
      const { admin } = world.services.notifications;
      const page = await admin.listDeliveries({ resellerKey: 'OUTAGE', limit: 100 });
      assert.ok(page.deliveries.every((delivery) => delivery.state === 'DELIVERED'));
      receiver.answerFor = undefined;
    });

    /** When the last of `p`'s pending deliveries is due again. */
    async function lastRetryOf(p: ResellerPrincipal): Promise<Date> {
      const { admin } = world.services.notifications;
      const page = await admin.listDeliveries({ resellerKey: p.resellerKey, limit: 100 });
      const due = page.deliveries
        .filter((delivery) => delivery.attemptCount > 0 && delivery.state === 'PENDING')
        .map((delivery) => Date.parse(delivery.nextAttemptAt!));
      return new Date(Math.max(...due));
    }

    /** `endpoints` URLs with `each` entitlements changed twice: 2 × each × endpoints. */
    async function makeDeliveries(
      p: ResellerPrincipal,
      endpoints: number,
      each: number,
      prefix = 'endpoint',
    ) {
      for (let endpoint = 0; endpoint < endpoints; endpoint += 1) {
        for (let i = 0; i < each; i += 1) {
          const id = await world.createEntitlement(p, receiver.url(`/${prefix}-${endpoint}`));
          await world.touch(p, id);
          await world.touch(p, id);
        }
      }
      return 2 * endpoints * each;
    }
  });
});

/** Asserts that each path (one endpoint) received its notifications in `sequence` order. */
function assertInOrderPerPath(requests: Received[]): void {
  const byPath = new Map<string, number[]>();
  for (const request of requests) {
    const { sequence } = JSON.parse(request.body) as { sequence: number };
    byPath.set(request.path, [...(byPath.get(request.path) ?? []), sequence]);
  }
  for (const [path, sequences] of byPath) {
    assert.deepEqual(
      sequences,
      [...sequences].sort((a, b) => a - b),
      `${path} received ${sequences.join(', ')}`,
    );
  }
}
