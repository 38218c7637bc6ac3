import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

import { createDemoReseller, type DemoReseller, type RunningDemoReseller } from '../src';
import { deliver, newSecret, notificationBody, signedHeaders } from './helpers';

describe('createDemoReseller', () => {
  const secret = newSecret();
  let reseller: DemoReseller;
  let running: RunningDemoReseller;

  beforeEach(async () => {
    reseller = createDemoReseller({ secret });
    running = await reseller.listen(0);
  });

  afterEach(async () => {
    await running.close();
  });

  describe('when a notification is signed with the secret', () => {
    it('answers 204 and records it with its receipt time and fields', async () => {
      const entitlementId = randomUUID();
      const body = notificationBody({ entitlementId, sequence: 7, version: 3 });

      const response = await deliver(running.notificationUrl, secret, body);

      assert.equal(response.status, 204);
      const [received] = reseller.received();
      assert.ok(received);
      assert.equal(received.reason, 'ACTIVATION_SUCCESS');
      assert.equal(received.sequence, 7);
      assert.equal(received.version, 3);
      assert.equal(received.entitlementId, entitlementId);
      assert.equal(received.status, 'ACTIVE');
      assert.equal(received.signatureOk, true);
      assert.ok(received.receivedAt instanceof Date);
    });

    it('records a second delivery of the same event once, counting deliveries', async () => {
      const body = notificationBody();

      await deliver(running.notificationUrl, secret, body);
      const again = await deliver(running.notificationUrl, secret, body);

      assert.equal(again.status, 204);
      assert.equal(reseller.received().length, 1);
      assert.equal(reseller.received()[0]?.deliveries, 2);
      const outcomes = reseller.attempts().map((attempt) => attempt.outcome);
      assert.deepEqual(outcomes, ['accepted', 'duplicate']);
    });

    it('marks a notification older than one already received as stale', async () => {
      const entitlementId = randomUUID();

      await deliver(
        running.notificationUrl,
        secret,
        notificationBody({ entitlementId, version: 3 }),
      );
      await deliver(
        running.notificationUrl,
        secret,
        notificationBody({ entitlementId, version: 2 }),
      );

      assert.deepEqual(
        reseller.received().map((received) => received.stale),
        [false, true],
      );
    });

    it('tells subscribers about each attempt as it is answered', async () => {
      const seen: string[] = [];
      const stop = reseller.subscribe((attempt, received) => {
        seen.push(`${attempt.outcome} ${received?.reason ?? '-'}`);
      });

      await deliver(running.notificationUrl, secret, notificationBody());
      stop();
      await deliver(running.notificationUrl, secret, notificationBody());

      assert.deepEqual(seen, ['accepted ACTIVATION_SUCCESS']);
    });
  });

  describe('when the signature does not verify', () => {
    it('answers 401 and records only the rejected attempt', async () => {
      const body = notificationBody({ reason: 'SUSPENSION_SUCCESS', sequence: 4 });

      const response = await deliver(running.notificationUrl, newSecret(), body);

      assert.equal(response.status, 401);
      assert.equal(response.headers.get('content-type'), 'application/problem+json');
      assert.deepEqual(reseller.received(), []);
      const [attempt] = reseller.attempts();
      assert.equal(attempt?.outcome, 'rejected');
      assert.equal(attempt?.signatureOk, false);
      assert.equal(attempt?.reason, 'SUSPENSION_SUCCESS');
      assert.equal(attempt?.sequence, 4);
      assert.match(attempt?.error ?? '', /did not verify/);
    });

    it('answers 401 when the body was changed after signing', async () => {
      const body = notificationBody();
      const headers = signedHeaders(secret, body);

      const response = await fetch(running.notificationUrl, {
        method: 'POST',
        headers,
        body: body.replace('ACTIVATION_SUCCESS', 'TERMINATION_SUCCESS'),
      });

      assert.equal(response.status, 401);
    });

    it('answers 401 when the signature headers are missing', async () => {
      const response = await fetch(running.notificationUrl, {
        method: 'POST',
        body: notificationBody(),
      });

      assert.equal(response.status, 401);
    });

    it('answers 401 until a secret is set', async () => {
      const fresh = createDemoReseller();
      const other = await fresh.listen(0);
      const body = notificationBody();

      const before = await deliver(other.notificationUrl, secret, body);
      fresh.setSecret([newSecret(), secret]);
      const after = await deliver(other.notificationUrl, secret, body);
      await other.close();

      assert.equal(before.status, 401);
      assert.equal(after.status, 204);
    });
  });

  describe('when it is down', () => {
    it('answers 503 with Retry-After and records the attempt, not the notification', async () => {
      reseller.goDown();

      const response = await deliver(running.notificationUrl, secret, notificationBody());

      assert.equal(response.status, 503);
      assert.equal(response.headers.get('retry-after'), '1');
      assert.deepEqual(reseller.received(), []);
      assert.equal(reseller.attempts()[0]?.outcome, 'down');
    });

    it('accepts again once told to come up', async () => {
      reseller.goDown();
      reseller.up();

      const response = await deliver(running.notificationUrl, secret, notificationBody());

      assert.equal(response.status, 204);
    });

    it('comes up by itself after the given time', async () => {
      let now = new Date('2026-12-03T10:00:00Z');
      const timed = createDemoReseller({ secret, now: () => now });

      timed.goDown(1000);
      const downAtFirst = timed.isDown();
      now = new Date('2026-12-03T10:00:01Z');

      assert.equal(downAtFirst, true);
      assert.equal(timed.isDown(), false);
    });
  });

  describe('its HTTP control and record endpoints', () => {
    it('goes down and up through POST /control/down and /control/up', async () => {
      const down = await fetch(`${running.url}/control/down`, {
        method: 'POST',
        body: JSON.stringify({ forMs: 60_000 }),
      });
      const whileDown = await deliver(running.notificationUrl, secret, notificationBody());
      const health = (await (await fetch(`${running.url}/health`)).json()) as { down: boolean };
      const up = await fetch(`${running.url}/control/up`, { method: 'POST' });

      assert.equal(down.status, 204);
      assert.equal(whileDown.status, 503);
      assert.equal(health.down, true);
      assert.equal(up.status, 204);
      assert.equal(reseller.isDown(), false);
    });

    it('refuses a down period that is not a positive number', async () => {
      const response = await fetch(`${running.url}/control/down`, {
        method: 'POST',
        body: '{"forMs": -5}',
      });

      assert.equal(response.status, 400);
      assert.equal(reseller.isDown(), false);
    });

    it('lists what arrived at GET /received, optionally for one entitlement', async () => {
      const entitlementId = randomUUID();
      await deliver(running.notificationUrl, secret, notificationBody({ entitlementId }));
      await deliver(running.notificationUrl, secret, notificationBody());

      const response = await fetch(`${running.url}/received?entitlementId=${entitlementId}`);
      const body = (await response.json()) as {
        notifications: { entitlementId: string }[];
        attempts: unknown[];
      };

      assert.equal(response.status, 200);
      assert.deepEqual(
        body.notifications.map((received) => received.entitlementId),
        [entitlementId],
      );
      assert.equal(body.attempts.length, 1);
    });

    it('answers 404 for unknown paths and 405 for other methods', async () => {
      const unknown = await fetch(`${running.url}/nowhere`);
      const wrongMethod = await fetch(running.notificationUrl);

      assert.equal(unknown.status, 404);
      assert.equal(wrongMethod.status, 405);
      assert.equal(wrongMethod.headers.get('allow'), 'POST');
    });

    it('answers 413 for a body over the limit', async () => {
      const response = await fetch(running.notificationUrl, {
        method: 'POST',
        body: 'x'.repeat(1024 * 1024 + 1),
      });

      assert.equal(response.status, 413);
    });
  });
});
