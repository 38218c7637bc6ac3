import assert from 'node:assert/strict';

import { readForm } from '../src/engine/actions/signup-actions';
import { shortenIds, truncate } from '../src/engine/describe';
import { wrap } from '../src/engine/run-scenario';
import { formatDuration, parseDuration } from '../src/scenario/duration';

describe('parseDuration', () => {
  it('reads the units scenarios use', () => {
    assert.deepEqual(
      ['300ms', '5s', '1.5s', '2m', '1h', '31d', '250', 40].map(parseDuration),
      [300, 5000, 1500, 120_000, 3_600_000, 2_678_400_000, 250, 40],
    );
  });

  it('answers undefined for anything else', () => {
    assert.equal(parseDuration('soon'), undefined);
    assert.equal(parseDuration(-1), undefined);
  });
});

describe('formatDuration', () => {
  it('picks a unit people read at a glance', () => {
    assert.deepEqual([850, 5000, 5230, 180_000, 7_200_000, 2_678_400_000].map(formatDuration), [
      '850ms',
      '5s',
      '5.2s',
      '3m',
      '2h',
      '31d',
    ]);
  });
});

describe('readForm', () => {
  it('reads the action, resolved against the page, and the named inputs', () => {
    const page = `<form method="post" action="./abc&amp;d"><input type="hidden" name="t"
      value="1"><input name="code"><button>Go</button></form>`;

    const form = readForm(page, 'http://127.0.0.1:1/sandbox/merchant/signup/abc');

    assert.equal(form?.action, 'http://127.0.0.1:1/sandbox/merchant/signup/abc&d');
    assert.equal(form?.fields.toString(), 't=1&code=');
  });

  it('posts back to the page itself when the form has no action', () => {
    const form = readForm('<form method="post"></form>', 'http://127.0.0.1:1/signup');

    assert.equal(form?.action, 'http://127.0.0.1:1/signup');
  });

  it('ignores pages without a POST form', () => {
    assert.equal(readForm('<form method="get"></form>', 'http://127.0.0.1:1/'), undefined);
  });
});

describe('timeline text helpers', () => {
  it('shortens long ids in paths', () => {
    const path = '/v1/entitlement/7d3f2c4e-1b2a-4c5d-9e8f-0a1b2c3d4e5f/cancel';

    assert.equal(shortenIds(path), '/v1/entitlement/7d3f2c4e…/cancel');
  });

  it('truncates with a mark and wraps at spaces', () => {
    assert.equal(truncate('abcdef', 4), 'abc…');
    assert.deepEqual(wrap('one two three four', 9), ['one two', 'three', 'four']);
  });
});
