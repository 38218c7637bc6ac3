import { CreateKvSetting1796256000000 } from './1796256000000-CreateKvSetting';

/**
 * Every migration, oldest first. Listed explicitly rather than globbed so that tsx (src/*.ts)
 * and the build (dist/*.js) run the same set.
 */
export const MIGRATIONS = [CreateKvSetting1796256000000];
