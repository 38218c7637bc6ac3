import type { DataSource } from 'typeorm';

/** Answers whether the database is reachable. */
export class DatabaseHealthRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Runs `SELECT 1`; rejects when the database is closed or does not answer. */
  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }
}
