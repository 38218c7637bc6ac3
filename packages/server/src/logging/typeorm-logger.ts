import type { Logger as OrmLogger } from 'typeorm';

import type { Logger } from './logger';

/**
 * Routes TypeORM's query, migration and schema messages into the process logger, so that they
 * are structured and carry the request id like every other line.
 */
export class TypeOrmLogger implements OrmLogger {
  private readonly logger: Logger;

  constructor(logger: Logger) {
    this.logger = logger.child({ component: 'typeorm' });
  }

  logQuery(query: string, parameters?: unknown[]): void {
    // Parameters can hold customer identifiers, so they appear only at the most verbose level.
    this.logger.trace({ query, parameters }, 'query');
  }

  logQueryError(error: string | Error, query: string): void {
    // Failing queries are often expected (a unique key race that the service turns into a
    // 409); unexpected ones reach the problem middleware, which logs them as errors.
    this.logger.debug({ err: error, query }, 'query failed');
  }

  logQuerySlow(durationMs: number, query: string): void {
    this.logger.warn({ durationMs, query }, 'slow query');
  }

  logSchemaBuild(message: string): void {
    this.logger.debug(message);
  }

  logMigration(message: string): void {
    this.logger.info(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    const text = typeof message === 'string' ? message : JSON.stringify(message);
    if (level === 'warn') {
      this.logger.warn(text);
      return;
    }
    this.logger.debug(text);
  }
}
