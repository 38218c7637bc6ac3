import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import {
  MAX_DELIVERY_TRIES,
  NOTIFICATION_RETRY_SCHEDULE_MS,
  RETRY_JITTER,
  retryDelayMs,
} from '../../src/notifications/retry-schedule';

const UNIT_MS: Record<string, number> = { s: 1000, min: 60_000, h: 3_600_000 };

/** The retry waits the contract publishes, e.g. "about 5 s, 5 min, … and 24 h after". */
function publishedSchedule(): number[] {
  const path = require.resolve('@tessera/contract/openapi.json');
  const contract = JSON.parse(readFileSync(path, 'utf8')) as {
    'x-webhooks': { entitlementNotification: { post: { description: string } } };
  };
  const text = contract['x-webhooks'].entitlementNotification.post.description;
  const list = /jitter about (.+?) after the previous try/.exec(text.replace(/\s+/g, ' '));
  assert.ok(list, 'the contract no longer publishes the retry schedule in the expected words');

  return list[1]!.split(/, | and /).map((item) => {
    const [, amount, unit] = /^(\d+) (s|min|h)$/.exec(item.trim()) ?? [];
    assert.ok(amount !== undefined && unit !== undefined, `unreadable wait "${item}"`);
    return Number(amount) * UNIT_MS[unit]!;
  });
}

describe('notification retry schedule', () => {
  it('is exactly the schedule the contract publishes', () => {
    assert.deepEqual([...NOTIFICATION_RETRY_SCHEDULE_MS], publishedSchedule());
  });

  it('spans about three days over ten tries', () => {
    const total = NOTIFICATION_RETRY_SCHEDULE_MS.reduce((sum, wait) => sum + wait, 0);
    assert.equal(MAX_DELIVERY_TRIES, 10);
    assert.ok(total > 2.9 * 86_400_000 && total < 3.3 * 86_400_000, `${total} ms`);
  });

  it('grows with every failure and jitters by at most 10 % either way', () => {
    for (let tries = 1; tries <= NOTIFICATION_RETRY_SCHEDULE_MS.length; tries += 1) {
      const base = NOTIFICATION_RETRY_SCHEDULE_MS[tries - 1]!;
      assert.equal(
        retryDelayMs(tries, () => 0.5),
        base,
      );
      assert.equal(
        retryDelayMs(tries, () => 0),
        Math.round(base * (1 - RETRY_JITTER)),
      );
      assert.ok(retryDelayMs(tries, () => 0.999_999)! <= Math.round(base * (1 + RETRY_JITTER)));
      if (tries > 1) {
        assert.ok(base > NOTIFICATION_RETRY_SCHEDULE_MS[tries - 2]!);
      }
    }
  });

  it('ends after the last retry', () => {
    assert.equal(retryDelayMs(MAX_DELIVERY_TRIES), null);
  });
});
