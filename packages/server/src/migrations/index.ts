// prettier-ignore
import {
  CreateCatalogueAndEntitlements1796260000000,
} from './1796260000000-CreateCatalogueAndEntitlements';
// prettier-ignore
import {
  CreateNotificationOutbox1796500000000,
} from '../notifications/migrations/1796500000000-CreateNotificationOutbox';
import { CreateIdempotencyRecord1796400000000 } from './1796400000000-CreateIdempotencyRecord';
// prettier-ignore
import {
  AddReportIndexes1796600000000,
} from '../reports/migrations/1796600000000-AddReportIndexes';
// prettier-ignore
import {
  AddDeliveryLane1796700000000,
} from '../notifications/migrations/1796700000000-AddDeliveryLane';
// prettier-ignore
import {
  ReviseEntitlementIndexes1796800000000,
} from './1796800000000-ReviseEntitlementIndexes';

/**
 * Every migration, oldest first. Listed explicitly rather than globbed so that tsx (src/*.ts)
 * and the build (dist/*.js) run the same set.
 */
export const MIGRATIONS = [
  CreateCatalogueAndEntitlements1796260000000,
  CreateIdempotencyRecord1796400000000,
  CreateNotificationOutbox1796500000000,
  AddReportIndexes1796600000000,
  AddDeliveryLane1796700000000,
  ReviseEntitlementIndexes1796800000000,
];
