import { KvSetting } from './kv-setting.entity';

/** Every entity the data source maps; listed explicitly so that tsx and compiled code agree. */
export const ENTITIES = [KvSetting];

export { KvSetting };
