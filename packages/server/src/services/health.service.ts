import { ServiceUnavailableProblem } from '../errors/http-problems';
import type { Logger } from '../logging/logger';
import type { DatabaseHealthRepository } from '../repositories/database-health.repository';
import { withTimeout } from '../util/with-timeout';

/** A database that takes longer than this to answer `SELECT 1` counts as down. */
const PING_TIMEOUT_MS = 2000;

/** Decides whether this instance should receive traffic. */
export class HealthService {
  private draining = false;

  constructor(
    private readonly database: DatabaseHealthRepository,
    private readonly logger: Logger,
  ) {}

  /**
   * Marks the instance as shutting down, so that load balancers stop sending it requests
   * while in-flight ones finish.
   */
  startDraining(): void {
    this.draining = true;
  }

  /**
   * Resolves when the instance can serve requests.
   *
   * @throws ServiceUnavailableProblem when shutting down or when the database does not answer.
   */
  async assertReady(): Promise<void> {
    if (this.draining) {
      throw new ServiceUnavailableProblem('The server is shutting down.');
    }

    try {
      await withTimeout(this.database.ping(), PING_TIMEOUT_MS, 'Database ping');
    } catch (error) {
      this.logger.warn({ err: error }, 'readiness check failed: database unavailable');
      throw new ServiceUnavailableProblem('The database is not available.', { cause: error });
    }
  }
}
