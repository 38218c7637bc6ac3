import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';

import type { components } from '../../src/generated/contract';
import { buildNotification } from '../../src/notifications/notification-payload';
import { ApiClient } from '../helpers/api-client';
import { createBody, useApiWorld } from '../helpers/api-world';
import { describeEachDatabase } from '../helpers/databases';
import { Receiver } from './helpers/receiver';
import { sampleEvent } from './helpers/sample-event';

type Schemas = components['schemas'];

/** Signs with a secret no reseller has. */
const forger = {
  signingSecret: 'whsec_dGhpcyBpcyBub3QgdGhlIHNlY3JldCEhIQ==',
  previousSigningSecret: null,
  previousSecretValidUntil: null,
};

/** Polls `check` until it returns something other than undefined, or fails after 10 s. */
async function eventually<T>(check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error('timed out waiting');
    }
    await delay(25);
  }
}

describeEachDatabase('notifications over HTTP', (db) => {
  const suite = useApiWorld(db, { SANDBOX: 'true', NOTIFICATION_POLL_INTERVAL_MS: '20' });
  const inboxPath = '/sandbox/inbox/TELCO_A';

  /**
   * Creates an entitlement of TELCO_A notified at `notificationUrl` (TELCO_A's sandbox inbox by
   * default) and changes its data `changes` times.
   */
  async function changeOne(changes = 1, notificationUrl?: string): Promise<string> {
    const { resellerA } = suite.world;
    const created = await resellerA.post<Schemas['EntitlementResponse']>('/v1/entitlement', {
      ...createBody(),
      notificationUrl: notificationUrl ?? `${suite.server.url}${inboxPath}`,
    });
    const id = created.body.entitlementId;
    for (let change = 1; change <= changes; change += 1) {
      const patched = await resellerA.patch(`/v1/entitlement/${id}`, {
        extensionData: { change: String(change) },
      });
      assert.equal(patched.status, 200);
    }
    return id;
  }

  const inbox = async (entitlementId?: string) => {
    const query = entitlementId === undefined ? '' : `?entitlementId=${entitlementId}`;
    const response = await suite.world.resellerA.get<Schemas['InboxPage']>(
      `/v1/sandbox/inbox${query}`,
    );
    assert.equal(response.status, 200);
    return response.body.notifications;
  };

  it('delivers to the sandbox inbox, which shows headers and a valid signature', async () => {
    const id = await changeOne(2);

    const received = await eventually(async () => {
      const notifications = await inbox(id);
      return notifications.length === 2 ? notifications : undefined;
    });

    assert.deepEqual(
      received.map((one) => [one.notification.reason, one.signatureValid]),
      [
        ['METADATA_UPDATE', true],
        ['METADATA_UPDATE', true],
      ],
    );
    assert.equal(received[0]?.headers['webhook-id'], received[0]?.notification.eventId);
    assert.ok(received[0]!.notification.sequence < received[1]!.notification.sequence);
  });

  it('records a badly signed notification as invalid; refuses non-sandbox inboxes', async () => {
    const anonymous = ApiClient.anonymous(suite.server);
    const body = JSON.parse(buildNotification(sampleEvent(), forger).body) as {
      eventId: string;
      entitlementId: string;
    };
    const headers = {
      'webhook-id': body.eventId,
      'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
      'webhook-signature': 'v1,Zm9yZ2Vk',
    };

    assert.equal((await anonymous.post(inboxPath, body, { headers })).status, 204);
    assert.equal((await anonymous.post('/sandbox/inbox/TELCO_B', body, { headers })).status, 404);
    assert.equal((await anonymous.post('/sandbox/inbox/NOBODY', body, { headers })).status, 404);
    assert.equal((await anonymous.post(inboxPath, { hello: 1 }, { headers })).status, 400);

    const [forged] = await inbox(body.entitlementId);
    assert.equal(forged?.signatureValid, false);
    const live = await suite.world.resellerB.get('/v1/sandbox/inbox');
    assert.equal(live.status, 403);
  });

  it('lists deliveries with attempts, gets one, and replays it', async () => {
    const id = await changeOne();
    const { admin } = suite.world;
    const list = () =>
      admin.get<Schemas['NotificationDeliveryPage']>(
        `/admin/v1/notificationDeliveries?entitlementId=${id}&state=DELIVERED`,
      );
    const [delivery] = await eventually(async () => {
      const page = (await list()).body.deliveries;
      return page.length === 1 ? page : undefined;
    });
    assert.equal(delivery?.attempts[0]?.statusCode, 204);

    const one = await admin.get<Schemas['NotificationDelivery']>(
      `/admin/v1/notificationDeliveries/${delivery!.deliveryId}`,
    );
    assert.equal(one.status, 200);
    assert.equal(one.body.eventId, delivery?.eventId);

    const replay = await admin.post(
      `/admin/v1/notificationDeliveries/${delivery!.deliveryId}/replay`,
    );
    assert.equal(replay.status, 202);
    const twice = await eventually(async () => {
      const notifications = await inbox(id);
      return notifications.length === 2 ? notifications : undefined;
    });
    assert.equal(twice[0]?.notification.eventId, twice[1]?.notification.eventId);

    const missing = await admin.get('/admin/v1/notificationDeliveries/no-such-delivery');
    assert.equal(missing.status, 404);
  });

  it('pages deliveries newest first', async () => {
    await changeOne(3);
    const { admin } = suite.world;
    const first = await admin.get<Schemas['NotificationDeliveryPage']>(
      '/admin/v1/notificationDeliveries?resellerKey=TELCO_A&limit=2',
    );
    assert.equal(first.body.deliveries.length, 2);
    assert.notEqual(first.body.nextCursor, null);
    const second = await admin.get<Schemas['NotificationDeliveryPage']>(
      '/admin/v1/notificationDeliveries?resellerKey=TELCO_A&limit=2' +
        `&cursor=${first.body.nextCursor}`,
    );
    const all = [...first.body.deliveries, ...second.body.deliveries];
    assert.equal(new Set(all.map((one) => one.deliveryId)).size, all.length);
    const created = all.map((one) => Date.parse(one.dateCreated));
    assert.deepEqual(
      created,
      [...created].sort((a, b) => b - a),
    );
  });

  it('replays a reseller since a time, and lists and re-enables endpoints', async () => {
    const receiver = await new Receiver().start();
    try {
      receiver.answerAlways(410);
      const since = new Date().toISOString();
      await changeOne(1, receiver.url());
      const { admin } = suite.world;

      const endpoint = await eventually(async () => {
        const { body } = await admin.get<Schemas['NotificationEndpointList']>(
          '/admin/v1/notificationEndpoints',
        );
        return body.endpoints.find((one) => one.url === receiver.url() && one.state === 'DISABLED');
      });
      assert.equal(endpoint.resellerKey, 'TELCO_A');

      receiver.answerAlways(204);
      const reenabled = await admin.post<Schemas['NotificationEndpoint']>(
        '/admin/v1/notificationEndpoints/reenable',
        { resellerKey: 'TELCO_A', url: receiver.url() },
      );
      assert.deepEqual([reenabled.status, reenabled.body.state], [200, 'ACTIVE']);

      const replay = await admin.post<Schemas['ReplayResult']>(
        '/admin/v1/resellers/TELCO_A/notifications/replay',
        { since },
      );
      assert.equal(replay.status, 202);
      assert.ok(replay.body.queued >= 1);
      await eventually(async () => (receiver.received.length >= 2 ? true : undefined));
    } finally {
      await receiver.stop();
    }
  });

  describe('sandbox notification faults', () => {
    const path = '/v1/sandbox/notificationFaults';
    const put = (body: unknown, headers?: Record<string, string>) =>
      suite.world.resellerA.request<Schemas['NotificationFaults']>('PUT', path, { body, headers });

    afterEach(async () => {
      await put({});
    });

    it('sets and reads them, filling in zeros, for sandbox resellers only', async () => {
      const { resellerA, resellerB } = suite.world;
      assert.deepEqual((await resellerA.get(path)).body, {
        duplicateRate: 0,
        reorderRate: 0,
        delayMs: 0,
      });

      const set = await put({ duplicateRate: 0.5, delayMs: 10 });
      assert.equal(set.status, 200);
      assert.deepEqual(set.body, { duplicateRate: 0.5, reorderRate: 0, delayMs: 10 });
      assert.deepEqual((await resellerA.get(path)).body, set.body);
      assert.equal((await resellerB.get(path)).status, 403);
      assert.equal((await resellerB.request('PUT', path, { body: {} })).status, 403);
      assert.equal((await ApiClient.anonymous(suite.server).get(path)).status, 401);
    });

    it('validates the body against the contract, naming each field', async () => {
      const invalid = await put({ delayMs: -1, duplicateRate: 2, dropRate: 1 });
      assert.equal(invalid.status, 400);
      const errors = (invalid.body as unknown as { errors: { field: string }[] }).errors;
      assert.deepEqual(errors.map((error) => error.field).sort(), [
        '/delayMs',
        '/dropRate',
        '/duplicateRate',
      ]);
    });

    it('replays a PUT sent again with the same Idempotency-Key', async () => {
      const key = { 'Idempotency-Key': `faults-${Date.now()}` };
      const first = await put({ reorderRate: 0.25 }, key);
      await put({ reorderRate: 0.75 });
      const again = await put({ reorderRate: 0.25 }, key);

      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      assert.deepEqual(again.body, first.body);
      assert.equal((await put({ reorderRate: 0.5 }, key)).status, 422);
    });
  });
});
