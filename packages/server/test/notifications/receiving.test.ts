import assert from 'node:assert/strict';

import { verifyNotification } from '@tessera/reseller-client';

import type { ResellerPrincipal } from '../../src/domain/principals';
import { ProblemError } from '../../src/errors/problem';
import type { NotificationDispatcher } from '../../src/notifications/dispatcher';
// prettier-ignore
import {
  ResellerSettingsRepository,
} from '../../src/notifications/repositories/reseller-settings.repository';
import { describeEachDatabase } from '../helpers/databases';
import { NotificationWorld } from './helpers/notification-world';
import { Receiver } from './helpers/receiver';

describeEachDatabase('receiving notifications', (db) => {
  let world: NotificationWorld;
  let receiver: Receiver;
  let dispatcher: NotificationDispatcher;
  let keyCount = 0;

  before(async () => {
    world = await NotificationWorld.start(db.config);
    dispatcher = world.dispatcher();
  });

  after(async () => {
    await world?.close();
  });

  beforeEach(async () => {
    receiver = await new Receiver().start();
  });

  afterEach(async () => {
    await receiver.stop();
  });

  const addReseller = (input: Partial<Parameters<NotificationWorld['addReseller']>[0]> = {}) => {
    keyCount += 1;
    return world.addReseller({
      resellerKey: `RECV_${keyCount}`,
      defaultNotificationUrl: receiver.url(),
      ...input,
    });
  };

  const notify = async (p: ResellerPrincipal, times = 1) => {
    const entitlementId = await world.createEntitlement(p);
    for (let i = 0; i < times; i += 1) {
      await world.touch(p, entitlementId);
    }
    return entitlementId;
  };

  const deliveriesOf = async (p: ResellerPrincipal) => {
    const { admin } = world.services.notifications;
    const page = await admin.listDeliveries({ resellerKey: p.resellerKey, limit: 100 });
    return page.deliveries.sort((a, b) => a.sequence - b.sequence);
  };

  const sequencesReceived = () =>
    receiver.received.map((request) => (JSON.parse(request.body) as { sequence: number }).sequence);

  describe('receiver auth', () => {
    it('sends Basic credentials', async () => {
      const p = await addReseller({
        notificationAuth: { type: 'BASIC', username: 'tessera', password: 's3cret' },
      });
      await notify(p);
      await dispatcher.runOnce();

      const expected = `Basic ${Buffer.from('tessera:s3cret').toString('base64')}`;
      assert.equal(receiver.received[0]?.headers.authorization, expected);
    });

    it('sends X-Api-Key', async () => {
      const p = await addReseller({ notificationAuth: { type: 'API_KEY', apiKey: 'key-123' } });
      await notify(p);
      await dispatcher.runOnce();

      assert.equal(receiver.received[0]?.headers['x-api-key'], 'key-123');
      assert.equal(receiver.received[0]?.headers.authorization, undefined);
    });

    it('sends an OAuth2 bearer token, reuses it, and refreshes it once on 401', async () => {
      const tokenRequests: string[] = [];
      receiver.route('/token', (request) => {
        tokenRequests.push(String(request.headers.authorization));
        const token = `tok-${tokenRequests.length}`;
        return {
          status: 200,
          body: { access_token: token, token_type: 'Bearer', expires_in: 3600 },
        };
      });
      const p = await addReseller({
        notificationAuth: {
          type: 'OAUTH2_CLIENT_CREDENTIALS',
          tokenUrl: receiver.url('/token'),
          clientId: 'tessera',
          clientSecret: 'client-secret',
        },
      });

      await notify(p);
      await dispatcher.runOnce();
      receiver.answerNext(401);
      await world.touch(p, await world.createEntitlement(p));
      await dispatcher.runOnce();

      assert.deepEqual(
        receiver.received.map((request) => request.headers.authorization),
        ['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2'],
      );
      assert.equal(tokenRequests.length, 2);
      // client_secret_basic form-encodes both parts (RFC 6749 §2.3.1).
      const basic = Buffer.from(tokenRequests[0]!.replace('Basic ', ''), 'base64').toString();
      assert.deepEqual(basic.split(':').map(decodeURIComponent), ['tessera', 'client-secret']);
      assert.deepEqual(
        (await deliveriesOf(p)).map((delivery) => [delivery.state, delivery.attemptCount]),
        [
          ['DELIVERED', 1],
          ['DELIVERED', 1],
        ],
      );
    });
  });

  it('signs with both secrets during a rotation; each verifies alone', async () => {
    const p = await addReseller();
    const before = await world.services.transactions.read((tx) =>
      new ResellerSettingsRepository().findById(tx, p.resellerId),
    );
    const rotated = await world.services.catalogue.rotateSigningSecret(p.resellerKey);
    await notify(p);
    await dispatcher.runOnce();

    const [request] = receiver.received;
    assert.equal(String(request?.headers['webhook-signature']).split(' ').length, 2);
    verifyNotification(request!.body, request!.headers, before!.signingSecret);
    verifyNotification(request!.body, request!.headers, rotated.secret);
  });

  describe('replay', () => {
    it('sends one delivery again with the same event id', async () => {
      const p = await addReseller();
      await notify(p);
      await dispatcher.runOnce();
      const [delivered] = await deliveriesOf(p);

      const replayed = await world.services.notifications.admin.replayDelivery(
        delivered!.deliveryId,
      );
      assert.equal(replayed.state, 'PENDING');
      await dispatcher.runOnce();

      assert.deepEqual(receiver.eventIds(), [delivered!.eventId, delivered!.eventId]);
      const [after] = await deliveriesOf(p);
      assert.deepEqual([after?.state, after?.attemptCount], ['DELIVERED', 2]);
    });

    it('replays everything since a time, in sequence order', async () => {
      const p = await addReseller();
      await notify(p, 2);
      world.clock.advance(3_600_000);
      const since = world.clock.now();
      await notify(p, 3);
      await dispatcher.runOnce();
      const sent = sequencesReceived();

      const { admin } = world.services.notifications;
      const result = await admin.replaySince(p.resellerKey, since.toISOString());
      await dispatcher.runOnce();

      assert.deepEqual(result, { queued: 3 });
      assert.deepEqual(sequencesReceived(), [...sent, ...sent.slice(2)]);
      assert.deepEqual(
        sent,
        [...sent].sort((a, b) => a - b),
      );
    });

    it('refuses replays to a disabled endpoint; replaying unknown things is 404', async () => {
      const p = await addReseller();
      await notify(p);
      receiver.answerNext(410);
      await dispatcher.runOnce();
      const [gone] = await deliveriesOf(p);
      const { admin } = world.services.notifications;

      await assert.rejects(admin.replayDelivery(gone!.deliveryId), problem(409));
      await assert.rejects(
        admin.replayDelivery('8c2b2a4e-0000-4000-8000-000000000000'),
        problem(404),
      );
      await assert.rejects(admin.replaySince('NO_SUCH', new Date().toISOString()), problem(404));
    });
  });

  describe('sandbox faults', () => {
    it('duplicates deliveries', async () => {
      const p = await addReseller();
      await world.services.notifications.sandbox.setFaults(p, { duplicateRate: 1 });
      await notify(p);
      await dispatcher.runOnce();

      assert.equal(receiver.received.length, 2);
      assert.equal(new Set(receiver.eventIds()).size, 1);
      const [delivery] = await deliveriesOf(p);
      assert.deepEqual([delivery?.state, delivery?.attemptCount], ['DELIVERED', 2]);
    });

    it('delays deliveries', async () => {
      const p = await addReseller();
      await world.services.notifications.sandbox.setFaults(p, { delayMs: 5000 });
      await notify(p);
      await dispatcher.runOnce();
      assert.equal(receiver.received.length, 0);

      world.clock.advance(5000);
      await dispatcher.runOnce();
      assert.equal(receiver.received.length, 1);
    });

    it('reorders deliveries', async () => {
      const p = await addReseller();
      const { sandbox } = world.services.notifications;
      const entitlementId = await world.createEntitlement(p);
      await sandbox.setFaults(p, { reorderRate: 1 });
      await world.touch(p, entitlementId);
      await sandbox.setFaults(p, { reorderRate: 0 });
      await world.touch(p, entitlementId);

      await dispatcher.runOnce();
      world.clock.advance(2000);
      await dispatcher.runOnce();

      const [first, second] = sequencesReceived();
      assert.ok(first! > second!, `received ${sequencesReceived().join(', ')}`);
    });

    it('are for sandbox resellers only, within range', async () => {
      const live = await addReseller({ sandbox: false, defaultNotificationUrl: null });
      const { sandbox } = world.services.notifications;
      await assert.rejects(sandbox.setFaults(live, { duplicateRate: 1 }), problem(403));
      const p = await addReseller();
      await assert.rejects(sandbox.setFaults(p, { duplicateRate: 2 }), problem(400));
      await assert.rejects(sandbox.setFaults(p, { dropRate: 1 }), problem(400));
      assert.deepEqual(await sandbox.getFaults(p), {
        duplicateRate: 0,
        reorderRate: 0,
        delayMs: 0,
      });
    });
  });

  describe('address guard when a URL is set', () => {
    it('refuses private, loopback, link-local and metadata URLs of live resellers', async () => {
      const live = await addReseller({ sandbox: false, defaultNotificationUrl: null });
      for (const url of [
        'https://127.0.0.1/hook',
        'https://10.0.0.1/hook',
        'https://169.254.169.254/latest/meta-data',
        'https://localhost/hook',
        'http://example.com/hook',
      ]) {
        await assert.rejects(world.createEntitlement(live, url), fieldProblem('notificationUrl'));
      }
      await assert.rejects(
        addReseller({ sandbox: false, defaultNotificationUrl: 'https://10.1.2.3/' }),
        fieldProblem('defaultNotificationUrl'),
      );
    });

    it('lets sandbox resellers use http on loopback', async () => {
      const p = await addReseller();
      await world.createEntitlement(p, 'http://127.0.0.1:9/hook');
      await world.createEntitlement(p, 'http://localhost:9/hook');
    });
  });
});

describeEachDatabase('the address guard at delivery', (db) => {
  let world: NotificationWorld;
  let receiver: Receiver;

  before(async () => {
    // URLs stored before the guard refused them, or whose DNS changed since: only delivery
    // can catch them.
    world = await NotificationWorld.start(db.config, {
      urlGuard: { assertDeliverableUrl: async () => undefined },
    });
    receiver = await new Receiver().start();
  });

  after(async () => {
    await receiver?.stop();
    await world?.close();
  });

  it('refuses to connect to refused addresses, and logs why', async () => {
    const live = await world.addReseller({ resellerKey: 'LIVE', sandbox: false });
    const urls = {
      [`https://127.0.0.1:${receiver.port}/hook`]: /address guard: 127\.0\.0\.1 is a loopback/,
      [`https://localhost:${receiver.port}/hook`]: /address guard: .* loopback/,
      'https://10.0.0.1/hook': /address guard: 10\.0\.0\.1 is a private/,
      'https://169.254.169.254/latest/meta-data': /address guard: .*link-local/,
      [`http://127.0.0.1:${receiver.port}/hook`]: /address guard: must be an https URL/,
    };
    for (const url of Object.keys(urls)) {
      await world.touch(live, await world.createEntitlement(live, url));
    }

    await world.dispatcher().runOnce();

    const { deliveries } = await world.services.notifications.admin.listDeliveries({ limit: 100 });
    assert.equal(deliveries.length, Object.keys(urls).length);
    for (const delivery of deliveries) {
      const [attempt] = delivery.attempts;
      assert.equal(attempt?.statusCode, null);
      assert.match(attempt?.error ?? '', urls[delivery.url]!);
    }
    assert.equal(receiver.received.length, 0);
  });
});

function problem(status: number) {
  return (error: unknown) => error instanceof ProblemError && error.status === status;
}

function fieldProblem(field: string) {
  return (error: unknown) =>
    error instanceof ProblemError &&
    error.status === 400 &&
    error.errors?.some((fieldError) => fieldError.field === field) === true;
}
