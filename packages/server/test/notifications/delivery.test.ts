import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';

import { verifyNotification } from '@tessera/reseller-client';

import type { ResellerPrincipal } from '../../src/domain/principals';
// prettier-ignore
import {
  ResellerSettingsRepository,
} from '../../src/notifications/repositories/reseller-settings.repository';
import { NOTIFICATION_RETRY_SCHEDULE_MS } from '../../src/notifications/retry-schedule';
import { describeEachDatabase } from '../helpers/databases';
import { NotificationWorld } from './helpers/notification-world';
import { Receiver } from './helpers/receiver';

describeEachDatabase('notification delivery', (db) => {
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
      resellerKey: `TELCO_${keyCount}`,
      defaultNotificationUrl: receiver.url(),
    });
  });

  afterEach(async () => {
    await receiver.stop();
  });

  const secretOf = async (p: ResellerPrincipal) =>
    (await world.services.transactions.read((tx) =>
      new ResellerSettingsRepository().findById(tx, p.resellerId),
    ))!.signingSecret;

  const endpointOf = async (p: ResellerPrincipal) =>
    (await world.services.notifications.admin.listEndpoints()).endpoints.find(
      (endpoint) => endpoint.resellerKey === p.resellerKey,
    );

  /** The reseller's deliveries in sequence order. */
  const deliveriesOf = async (p: ResellerPrincipal) => {
    const { admin } = world.services.notifications;
    const page = await admin.listDeliveries({ resellerKey: p.resellerKey, limit: 100 });
    return page.deliveries.sort((a, b) => a.sequence - b.sequence);
  };

  it('sends a signed notification, numbered as in the feed, the client verifies', async () => {
    const entitlementId = await world.createEntitlement(reseller);
    await world.touch(reseller, entitlementId);

    const round = await world.dispatcher().runOnce();

    assert.equal(round.delivered, 1);
    assert.equal(receiver.received.length, 1);
    const [request] = receiver.received;
    const notification = verifyNotification(
      request!.body,
      request!.headers,
      await secretOf(reseller),
    );
    assert.equal(notification.reason, 'METADATA_UPDATE');
    assert.equal(notification.entitlementId, entitlementId);
    assert.equal(notification.entitlement.extensionData?.change !== undefined, true);

    const feed = await world.services.entitlements.listFeed(reseller, 0, 100);
    const event = feed.events.find((one) => one.eventId === notification.eventId);
    assert.equal(event?.sequence, notification.sequence);
    assert.equal(event?.version, notification.version);
    assert.equal(request!.headers['webhook-id'], event?.eventId);

    const [delivery] = await deliveriesOf(reseller);
    assert.equal(delivery?.state, 'DELIVERED');
    assert.equal(delivery?.attemptCount, 1);
    assert.equal(delivery?.attempts[0]?.statusCode, 204);
    assert.notEqual(delivery?.dateDelivered, null);
  });

  it('does not notify creates, and nothing goes where no URL is set', async () => {
    await world.createEntitlement(reseller);
    const silent = await world.addReseller({ resellerKey: `QUIET_${keyCount}` });
    await world.touch(silent, await world.createEntitlement(silent));

    await world.dispatcher().runOnce();

    assert.equal(receiver.received.length, 0);
    assert.equal((await deliveriesOf(silent)).length, 0);
    assert.equal((await world.services.entitlements.listFeed(silent, 0, 10)).events.length, 2);
  });

  it('prefers the entitlement URL to the reseller default', async () => {
    const own = await world.createEntitlement(reseller, receiver.url('/own'));
    await world.touch(reseller, own);

    await world.dispatcher().runOnce();

    assert.deepEqual(
      receiver.received.map((request) => request.path),
      ['/own'],
    );
  });

  it('retries on the published schedule until the receiver answers 2xx', async () => {
    const entitlementId = await world.createEntitlement(reseller);
    await world.touch(reseller, entitlementId);
    receiver.answerNext(500, 503, 429);
    const dispatcher = world.dispatcher();

    for (let attempt = 0; attempt < 4; attempt += 1) {
      assert.equal((await dispatcher.runOnce()).attempts, 1);
      // Not due again until the clock reaches the next try.
      assert.equal((await dispatcher.runOnce()).attempts, 0);
      const [delivery] = await deliveriesOf(reseller);
      if (delivery!.nextAttemptAt !== null) {
        world.clock.set(new Date(delivery!.nextAttemptAt));
      }
    }

    const [delivery] = await deliveriesOf(reseller);
    assert.equal(delivery?.state, 'DELIVERED');
    assert.deepEqual(
      delivery?.attempts.map((attempt) => attempt.statusCode),
      [500, 503, 429, 204],
    );
    const times = delivery!.attempts.map((attempt) => Date.parse(attempt.attemptedAt));
    const waits = times.slice(1).map((time, i) => time - times[i]!);
    assert.deepEqual(waits, NOTIFICATION_RETRY_SCHEDULE_MS.slice(0, 3));
    assert.equal(new Set(receiver.eventIds()).size, 1);
    assert.equal(new Set(receiver.received.map((request) => request.body)).size, 1);
  });

  it('counts a timeout as a failed try', async () => {
    await world.touch(reseller, await world.createEntitlement(reseller));
    receiver.answerNext('hang');

    await world.dispatcher().runOnce();

    const [delivery] = await deliveriesOf(reseller);
    assert.equal(delivery?.state, 'PENDING');
    assert.equal(delivery?.attempts[0]?.statusCode, null);
    assert.match(delivery?.attempts[0]?.error ?? '', /timed out after 1000 ms/);
    assert.ok(delivery!.attempts[0]!.latencyMs >= 900);
  });

  it('fails for good when the schedule is exhausted', async () => {
    await world.touch(reseller, await world.createEntitlement(reseller));
    receiver.answerAlways(500);
    const dispatcher = world.dispatcher({ disableAfterMs: 30 * 86_400_000 });

    for (let attempt = 0; attempt < 10; attempt += 1) {
      await dispatcher.runOnce();
      const [delivery] = await deliveriesOf(reseller);
      world.clock.set(new Date(delivery!.nextAttemptAt ?? world.clock.now()));
    }
    world.clock.advance(30 * 86_400_000);
    await dispatcher.runOnce();

    const [delivery] = await deliveriesOf(reseller);
    assert.equal(delivery?.state, 'FAILED');
    assert.equal(delivery?.attemptCount, 10);
    assert.equal(delivery?.nextAttemptAt, null);
    assert.equal(receiver.received.length, 10);
  });

  it('stops at 410 Gone: delivery fails, endpoint disabled until re-enabled', async () => {
    const entitlementId = await world.createEntitlement(reseller);
    await world.touch(reseller, entitlementId);
    await world.touch(reseller, entitlementId);
    receiver.answerNext(410);
    const dispatcher = world.dispatcher();

    await dispatcher.runOnce();
    await world.touch(reseller, entitlementId);
    world.clock.advance(86_400_000);
    await dispatcher.runOnce();

    const states = (await deliveriesOf(reseller)).map((delivery) => delivery.state);
    assert.deepEqual(states, ['FAILED', 'ENDPOINT_DISABLED', 'ENDPOINT_DISABLED']);
    assert.equal(receiver.received.length, 1);
    const endpoint = await endpointOf(reseller);
    assert.equal(endpoint?.state, 'DISABLED');
    assert.notEqual(endpoint?.disabledAt, null);

    const { admin } = world.services.notifications;
    await admin.reenableEndpoint({ resellerKey: reseller.resellerKey, url: receiver.url() });
    await dispatcher.runOnce();

    assert.deepEqual(
      (await deliveriesOf(reseller)).map((delivery) => delivery.state),
      ['FAILED', 'DELIVERED', 'DELIVERED'],
    );
    assert.equal((await endpointOf(reseller))?.state, 'ACTIVE');
  });

  it('disables an endpoint failing for longer than configured, and flags it', async () => {
    await world.touch(reseller, await world.createEntitlement(reseller));
    receiver.answerAlways(503);
    const dispatcher = world.dispatcher({ disableAfterMs: 60_000 });

    await dispatcher.runOnce();
    const failingSince = (await endpointOf(reseller))?.failingSince;
    assert.notEqual(failingSince, null);
    world.clock.advance(5000);
    await dispatcher.runOnce();
    assert.equal((await endpointOf(reseller))?.state, 'ACTIVE');
    world.clock.advance(300_000);
    await dispatcher.runOnce();

    const endpoint = await endpointOf(reseller);
    assert.equal(endpoint?.state, 'DISABLED');
    assert.equal(endpoint?.failingSince, failingSince);
    assert.equal((await deliveriesOf(reseller))[0]?.state, 'ENDPOINT_DISABLED');
    const flagged = world.logs.lines.filter(
      (line) => line.level === 'error' && /endpoint disabled/.test(line.msg ?? ''),
    );
    assert.ok(flagged.some((line) => line.resellerKey === reseller.resellerKey));
    const listed = (await world.services.notifications.admin.listEndpoints()).endpoints;
    assert.equal(listed[0]?.state, 'DISABLED', 'disabled endpoints are listed first');

    receiver.answerAlways(204);
    world.clock.advance(86_400_000);
    assert.equal((await dispatcher.runOnce()).attempts, 0, 'a disabled endpoint gets nothing');
    await world.services.notifications.admin.reenableEndpoint({
      resellerKey: reseller.resellerKey,
      url: receiver.url(),
    });
    await dispatcher.runOnce();

    assert.equal((await deliveriesOf(reseller))[0]?.state, 'DELIVERED');
    const healthy = await endpointOf(reseller);
    assert.deepEqual([healthy?.state, healthy?.failingSince], ['ACTIVE', null]);
  });

  it('lets sends in flight finish when stopped, and starts no new ones', async () => {
    const entitlementId = await world.createEntitlement(reseller);
    await world.touch(reseller, entitlementId);
    await world.touch(reseller, entitlementId);
    receiver.answerDelayMs = 300;
    const dispatcher = world.dispatcher();

    dispatcher.start();
    while (receiver.received.length === 0) {
      await delay(5);
    }
    await dispatcher.stop();

    assert.equal(receiver.received.length, 1);
    const states = (await deliveriesOf(reseller)).map((delivery) => delivery.state);
    assert.deepEqual(states, ['DELIVERED', 'PENDING']);
  });
});
