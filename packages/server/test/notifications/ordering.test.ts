import assert from 'node:assert/strict';

import type { ResellerPrincipal } from '../../src/domain/principals';
import type { components } from '../../src/generated/contract';
import { NotificationDelivery } from '../../src/notifications/entities';
import { MAX_DELIVERY_TRIES } from '../../src/notifications/retry-schedule';
import { describeEachDatabase } from '../helpers/databases';
import { NotificationWorld } from './helpers/notification-world';
import { type Received, Receiver } from './helpers/receiver';

type DeliveryView = components['schemas']['NotificationDelivery'];

const DAY_MS = 86_400_000;

/** The `sequence` of each request, in arrival order. */
const sequencesOf = (requests: Received[]) =>
  requests.map((request) => (JSON.parse(request.body) as { sequence: number }).sequence);

describeEachDatabase('strict per-endpoint order', (db) => {
  let world: NotificationWorld;
  let receiver: Receiver;
  let reseller: ResellerPrincipal;
  let keyCount = 0;

  before(async () => {
    world = await NotificationWorld.start(db.config);
  });

  after(async () => {
    await world?.close();
  });

  beforeEach(async () => {
    receiver = await new Receiver().start();
    keyCount += 1;
    reseller = await world.addReseller({
      resellerKey: `ORDER_${keyCount}`,
      defaultNotificationUrl: receiver.url(),
    });
  });

  afterEach(async () => {
    await receiver.stop();
    // Leave nothing queued, so that the next test's rounds serve its own reseller only.
    await world.dataSource
      .createQueryBuilder()
      .update(NotificationDelivery)
      .set({ state: 'FAILED', nextAttemptAt: null })
      .where("state IN ('PENDING', 'ENDPOINT_DISABLED')")
      .execute();
  });

  /** The reseller's deliveries in sequence order. */
  const deliveriesOf = async (p: ResellerPrincipal = reseller): Promise<DeliveryView[]> => {
    const { admin } = world.services.notifications;
    const page = await admin.listDeliveries({ resellerKey: p.resellerKey, limit: 100 });
    return page.deliveries.sort((a, b) => a.sequence - b.sequence);
  };

  const endpointOf = async (url = receiver.url()) =>
    (await world.services.notifications.admin.listEndpoints()).endpoints.find(
      (endpoint) => endpoint.resellerKey === reseller.resellerKey && endpoint.url === url,
    );

  /** `times` notifications, alternating between two entitlements: one queue per URL. */
  const notify = async (times: number, entitlements?: string[]) => {
    const ids = entitlements ?? [
      await world.createEntitlement(reseller),
      await world.createEntitlement(reseller),
    ];
    for (let i = 0; i < times; i += 1) {
      await world.touch(reseller, ids[i % ids.length]!);
    }
    return ids;
  };

  /** Moves the clock to when the queue's head is tried again. */
  const untilHeadRetry = async () => {
    const head = (await deliveriesOf()).find((delivery) => delivery.state === 'PENDING');
    assert.ok(head?.nextAttemptAt, 'a head waits for its retry');
    world.clock.set(new Date(head.nextAttemptAt));
  };

  it('holds back in an outage, then delivers each notification once, in order', async () => {
    receiver.answerAlways(503);
    const dispatcher = world.dispatcher();
    const entitlements = await notify(3);

    // Four failed tries of the head over 35 minutes, with more notifications queueing.
    for (let attempt = 0; attempt < 4; attempt += 1) {
      assert.equal((await dispatcher.runOnce()).attempts, 1);
      await notify(1, entitlements);
      await untilHeadRetry();
    }
    const queued = await deliveriesOf();
    assert.equal(queued.length, 7);
    assert.deepEqual(
      new Set(receiver.eventIds()),
      new Set([queued[0]!.eventId]),
      'only the head was tried during the outage',
    );

    receiver.answerAlways(204);
    const recovered = await dispatcher.runOnce();

    assert.equal(recovered.delivered, 7, 'the rest follow the head at once, in the same round');
    const acknowledged = receiver.acknowledged();
    assert.deepEqual(
      sequencesOf(acknowledged),
      queued.map((delivery) => delivery.sequence),
    );
    assert.equal(new Set(acknowledged.map((request) => request.body)).size, 7, 'each once');
    const delivered = await deliveriesOf();
    assert.deepEqual(
      delivered.map((delivery) => [delivery.state, delivery.attemptCount]),
      [['DELIVERED', 5], ...Array.from({ length: 6 }, () => ['DELIVERED', 1])],
    );
    const endpoint = await endpointOf();
    assert.deepEqual([endpoint?.state, endpoint?.failingSince], ['ACTIVE', null]);
    assert.equal((await dispatcher.runOnce()).attempts, 0);
  });

  it('sends nothing behind a head awaiting its retry, not even new notifications', async () => {
    receiver.answerNext(500);
    const dispatcher = world.dispatcher();
    const entitlements = await notify(2);

    assert.deepEqual(await dispatcher.runOnce(), { endpoints: 1, attempts: 1, delivered: 0 });
    world.clock.advance(4999);
    await notify(1, entitlements);
    // Nothing to send: the endpoint is not even leased.
    assert.deepEqual(await dispatcher.runOnce(), { endpoints: 0, attempts: 0, delivered: 0 });
    assert.equal(receiver.received.length, 1);
    const waiting = await deliveriesOf();
    assert.deepEqual(
      waiting.map((delivery) => [delivery.state, delivery.attemptCount]),
      [
        ['PENDING', 1],
        ['PENDING', 0],
        ['PENDING', 0],
      ],
    );

    world.clock.advance(1);
    assert.equal((await dispatcher.runOnce()).delivered, 3);
    assert.deepEqual(
      sequencesOf(receiver.acknowledged()),
      waiting.map((delivery) => delivery.sequence),
    );
  });

  it('keeps one queue per URL: a waiting head holds back its own URL only', async () => {
    const dispatcher = world.dispatcher();
    const elsewhere = await world.createEntitlement(reseller, receiver.url('/other'));
    receiver.answerFor = (request) => (request.path === '/other' ? 503 : undefined);
    await world.touch(reseller, elsewhere);
    await world.touch(reseller, elsewhere);
    await notify(2);

    await dispatcher.runOnce();

    const answers = (path: string) =>
      receiver.received.filter((request) => request.path === path).map((one) => one.answer);
    assert.deepEqual(answers('/other'), [503]);
    assert.deepEqual(answers('/hook'), [204, 204]);
    const states = (await deliveriesOf()).map((delivery) => [delivery.url, delivery.state]);
    assert.deepEqual(states, [
      [receiver.url('/other'), 'PENDING'],
      [receiver.url('/other'), 'PENDING'],
      [receiver.url(), 'DELIVERED'],
      [receiver.url(), 'DELIVERED'],
    ]);
  });

  it('moves on once the head has used up its retry schedule', async () => {
    const dispatcher = world.dispatcher({ disableAfterMs: 30 * DAY_MS });
    await notify(3);
    const [poisoned, ...rest] = await deliveriesOf();
    // The receiver refuses this one notification only, every time.
    receiver.answerFor = (request) =>
      request.headers['webhook-id'] === poisoned!.eventId ? 500 : undefined;

    for (let attempt = 1; attempt <= MAX_DELIVERY_TRIES; attempt += 1) {
      assert.deepEqual(await dispatcher.runOnce(), { endpoints: 1, attempts: 1, delivered: 0 });
      if (attempt < MAX_DELIVERY_TRIES) {
        assert.equal(receiver.received.length, attempt, 'the rest wait behind it');
        await untilHeadRetry();
      }
    }
    const [failed] = await deliveriesOf();
    assert.deepEqual([failed?.state, failed?.attemptCount], ['FAILED', MAX_DELIVERY_TRIES]);

    assert.equal((await dispatcher.runOnce()).delivered, 2);
    assert.deepEqual(
      sequencesOf(receiver.acknowledged()),
      rest.map((delivery) => delivery.sequence),
    );
    const endpoint = await endpointOf();
    assert.deepEqual([endpoint?.state, endpoint?.failingSince], ['ACTIVE', null]);
  });

  it('by default disables first; re-enabling resumes the schedule until it runs out', async () => {
    const dispatcher = world.dispatcher();
    await notify(3);
    const [poisoned, ...rest] = await deliveriesOf();
    receiver.answerFor = (request) =>
      request.headers['webhook-id'] === poisoned!.eventId ? 500 : undefined;

    // Failing for 24 h (the default) disables the endpoint at the head's 8th try (31.6 h).
    let tries = 0;
    while ((await endpointOf())?.state === 'ACTIVE') {
      assert.equal((await dispatcher.runOnce()).attempts, 1);
      tries += 1;
      if ((await endpointOf())?.state === 'ACTIVE') {
        await untilHeadRetry();
      }
    }
    assert.equal(tries, 8);
    assert.deepEqual(
      (await deliveriesOf()).map((delivery) => [delivery.state, delivery.attemptCount]),
      [
        ['ENDPOINT_DISABLED', 8],
        ['ENDPOINT_DISABLED', 0],
        ['ENDPOINT_DISABLED', 0],
      ],
    );

    world.clock.advance(DAY_MS);
    await world.services.notifications.admin.reenableEndpoint({
      resellerKey: reseller.resellerKey,
      url: receiver.url(),
    });
    // Try 9 at once; its schedule goes on (24 h to try 10), it does not start again.
    assert.equal((await dispatcher.runOnce()).attempts, 1);
    const [resumed] = await deliveriesOf();
    const at = Date.parse(resumed!.attempts.at(-1)!.attemptedAt);
    assert.equal(Date.parse(resumed!.nextAttemptAt!) - at, DAY_MS);
    await untilHeadRetry();
    // Try 10, the last: FAILED, and (though failing for 24 h again) the endpoint stays on.
    assert.equal((await dispatcher.runOnce()).attempts, 1);
    const [failed] = await deliveriesOf();
    assert.deepEqual([failed?.state, failed?.attemptCount], ['FAILED', MAX_DELIVERY_TRIES]);
    assert.equal((await endpointOf())?.state, 'ACTIVE');

    assert.equal((await dispatcher.runOnce()).delivered, 2);
    assert.deepEqual(
      sequencesOf(receiver.acknowledged()),
      rest.map((delivery) => delivery.sequence),
    );
  });

  it('sends a replay now, at the front of the queue, where it holds the rest back', async () => {
    const dispatcher = world.dispatcher();
    const { admin } = world.services.notifications;
    const entitlements = await notify(2);
    await dispatcher.runOnce();
    receiver.answerNext(500);
    await notify(2, entitlements);
    await dispatcher.runOnce();
    const [first, second, waitingHead, behind] = await deliveriesOf();
    assert.deepEqual(
      [waitingHead?.state, waitingHead?.attemptCount, behind?.attemptCount],
      ['PENDING', 1, 0],
    );

    // A delivered notification, replayed: sent now, though the head's retry is not due.
    await admin.replayDelivery(first!.deliveryId);
    assert.deepEqual(await dispatcher.runOnce(), { endpoints: 1, attempts: 1, delivered: 1 });

    // The waiting head, replayed: tried now, and the one behind it follows.
    await admin.replayDelivery(waitingHead!.deliveryId);
    assert.equal((await dispatcher.runOnce()).delivered, 2);

    // A replay that fails holds back what comes after it, like any head.
    receiver.answerNext(503);
    await admin.replayDelivery(second!.deliveryId);
    await notify(1, entitlements);
    assert.deepEqual(await dispatcher.runOnce(), { endpoints: 1, attempts: 1, delivered: 0 });
    world.clock.advance(5000);
    assert.equal((await dispatcher.runOnce()).delivered, 2);

    const [, , , , newest] = await deliveriesOf();
    assert.deepEqual(
      receiver.acknowledged().map((request) => request.headers['webhook-id']),
      [first, second, first, waitingHead, behind, second, newest].map((one) => one!.eventId),
    );
  });

  it('replays a reseller since a time at the front of the queue, in sequence order', async () => {
    const dispatcher = world.dispatcher();
    const entitlements = await notify(1);
    world.clock.advance(1000);
    const since = world.clock.now();
    await notify(2, entitlements);
    await dispatcher.runOnce();
    receiver.answerNext(500);
    await notify(1, entitlements);
    await dispatcher.runOnce();
    const [first, second, third, waitingHead] = await deliveriesOf();

    await world.services.notifications.admin.replaySince(reseller.resellerKey, since.toISOString());
    // Second, third and the waiting head itself are replayed: all sent now, in order.
    assert.equal((await dispatcher.runOnce()).delivered, 3);
    assert.deepEqual(
      receiver.acknowledged().map((request) => request.headers['webhook-id']),
      [first, second, third, second, third, waitingHead].map((one) => one!.eventId),
    );
  });
});
