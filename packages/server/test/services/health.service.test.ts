import assert from 'node:assert/strict';

import type { DataSource } from 'typeorm';

import { createDataSource } from '../../src/database/data-source';
import { ServiceUnavailableProblem } from '../../src/errors/http-problems';
import { DatabaseHealthRepository } from '../../src/repositories/database-health.repository';
import { HealthService } from '../../src/services/health.service';
import { describeWithSqlite } from '../helpers/databases';
import { createTestLogger } from '../helpers/log-capture';

describeWithSqlite('HealthService', (db) => {
  let dataSource: DataSource;
  let health: HealthService;

  before(async () => {
    const { logger } = createTestLogger();
    dataSource = createDataSource(db.config, logger);
    await dataSource.initialize();
    health = new HealthService(new DatabaseHealthRepository(dataSource), logger);
  });

  after(async () => {
    await dataSource.destroy();
  });

  it('is ready while the database answers', async () => {
    await health.assertReady();
  });

  it('is not ready once draining, even with the database up', async () => {
    health.startDraining();

    await assert.rejects(health.assertReady(), (error: unknown) => {
      assert.ok(error instanceof ServiceUnavailableProblem);
      assert.equal(error.message, 'The server is shutting down.');
      return true;
    });
  });
});
