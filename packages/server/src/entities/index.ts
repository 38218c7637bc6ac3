import { Credential } from './credential.entity';
import { EntitlementEventRecord } from './entitlement-event.entity';
import { EntitlementRecord } from './entitlement.entity';
import { NOTIFICATION_ENTITIES } from '../notifications/entities';
import { IdempotencyRecord } from './idempotency-record.entity';
import { Merchant } from './merchant.entity';
import { Product } from './product.entity';
import { Reseller } from './reseller.entity';
import { Route } from './route.entity';
import { SharedCustomer } from './shared-customer.entity';

/** Every entity the data source maps; listed explicitly so that tsx and compiled code agree. */
export const ENTITIES = [
  Reseller,
  Merchant,
  Product,
  Route,
  Credential,
  SharedCustomer,
  EntitlementRecord,
  EntitlementEventRecord,
  IdempotencyRecord,
  ...NOTIFICATION_ENTITIES,
];

export {
  Credential,
  EntitlementEventRecord,
  EntitlementRecord,
  IdempotencyRecord,
  Merchant,
  Product,
  Reseller,
  Route,
  SharedCustomer,
};
