import { Column, Entity, PrimaryColumn } from 'typeorm';

import { INSTANT } from '../database/portable-types';

/**
 * A free-form server setting (key → text value). Nothing depends on it yet; it proves the
 * entity, migration and repository plumbing on every supported database.
 */
@Entity({ name: 'kv_setting' })
export class KvSetting {
  @PrimaryColumn({ name: 'key', type: 'varchar', length: 200 })
  key!: string;

  @Column({ name: 'value', type: 'text' })
  value!: string;

  @Column({ name: 'updated_at', type: INSTANT })
  updatedAt!: Date;
}
