import type { DataSource, Repository } from 'typeorm';

import { KvSetting } from '../entities';

/** Reads and writes free-form server settings. */
export class KvSettingRepository {
  private readonly repository: Repository<KvSetting>;

  constructor(dataSource: DataSource) {
    this.repository = dataSource.getRepository(KvSetting);
  }

  /** The setting stored under `key`, or `null`. */
  async get(key: string): Promise<KvSetting | null> {
    return this.repository.findOneBy({ key });
  }

  /** Stores `value` under `key`, replacing any earlier value. */
  async set(key: string, value: string, now: Date = new Date()): Promise<KvSetting> {
    const setting = this.repository.create({ key, value, updatedAt: now });
    return this.repository.save(setting);
  }
}
