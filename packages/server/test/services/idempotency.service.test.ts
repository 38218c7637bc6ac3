import assert from 'node:assert/strict';

import type { DataSource } from 'typeorm';

import { createDataSource } from '../../src/database/data-source';
import { runMigrations } from '../../src/database/migrate';
import { Transactions } from '../../src/database/transaction';
import { ManualClock } from '../../src/domain/clock';
import { ProblemError } from '../../src/errors/problem';
import { IdempotencyRecordRepository } from '../../src/repositories/idempotency-record.repository';
import { IDEMPOTENCY_TTL_MS, IdempotencyService } from '../../src/services/idempotency.service';
import { describeEachDatabase } from '../helpers/databases';
import { createTestLogger } from '../helpers/log-capture';

const ANSWER = { status: 201, headers: { ETag: '"1"' }, body: '{"ok":true}' };

describeEachDatabase('IdempotencyService', (db) => {
  let dataSource: DataSource;
  let clock: ManualClock;
  let service: IdempotencyService;
  let n = 0;
  const ref = () => ({ credentialId: 'cred-1', idempotencyKey: `key-${++n}` });

  before(async () => {
    dataSource = createDataSource(db.config, createTestLogger('warn').logger);
    await dataSource.initialize();
    await runMigrations(dataSource);
    clock = new ManualClock(new Date('2027-01-01T00:00:00Z'));
    const options = { waitMs: 200, pollMs: 10 };
    const records = new IdempotencyRecordRepository();
    service = new IdempotencyService(new Transactions(dataSource), records, clock, options);
  });

  after(async () => {
    await dataSource.destroy();
  });

  it('claims a new key, then replays its stored answer', async () => {
    const key = ref();
    const claim = await service.claim(key, 'fp');
    assert.equal(claim.kind, 'claimed');
    await service.complete(key, (claim as { claimToken: string }).claimToken, ANSWER);

    assert.deepEqual(await service.claim(key, 'fp'), { kind: 'replay', response: ANSWER });
  });

  it('refuses the key for another fingerprint, and 409s while the first still runs', async () => {
    const key = ref();
    await service.claim(key, 'fp');

    await assert.rejects(service.claim(key, 'other'), hasCode('IDEMPOTENCY_KEY_REUSED'));
    await assert.rejects(service.claim(key, 'fp'), hasCode('CONFLICT'));
  });

  it('lets a retry run again after a release', async () => {
    const key = ref();
    const first = (await service.claim(key, 'fp')) as { claimToken: string };
    await service.release(key, first.claimToken);

    assert.equal((await service.claim(key, 'fp')).kind, 'claimed');
  });

  it('takes over records that expired or were abandoned mid-request', async () => {
    const done = ref();
    const claim = (await service.claim(done, 'fp')) as { claimToken: string };
    await service.complete(done, claim.claimToken, ANSWER);
    const abandoned = ref();
    await service.claim(abandoned, 'fp');

    clock.advance(10 * 60_000);
    assert.equal((await service.claim(abandoned, 'other')).kind, 'claimed');
    clock.advance(IDEMPOTENCY_TTL_MS);
    assert.equal((await service.claim(done, 'other')).kind, 'claimed');
  });

  it('purges expired records', async () => {
    const key = ref();
    await service.claim(key, 'fp');
    clock.advance(IDEMPOTENCY_TTL_MS + 1);

    assert.ok((await service.purgeExpired()) >= 1);
    assert.equal((await service.claim(key, 'other')).kind, 'claimed');
  });
});

function hasCode(code: string) {
  return (error: unknown) => error instanceof ProblemError && error.responseCode === code;
}
