import type { Transactions } from '../database/transaction';
import type { Clock } from '../domain/clock';
import type { Logger } from '../logging/logger';
import type { MerchantGateway } from '../merchants/merchant-gateway';
import type { EntitlementEventRepository } from '../repositories/entitlement-event.repository';
import type { EntitlementRepository } from '../repositories/entitlement.repository';
import type { MerchantRepository } from '../repositories/merchant.repository';
import type { ProductRepository } from '../repositories/product.repository';
import type { ResellerRepository } from '../repositories/reseller.repository';
import type { RouteRepository } from '../repositories/route.repository';
import type { SharedCustomerRepository } from '../repositories/shared-customer.repository';
import type { EntitlementChangeWriter } from './entitlement-changes';

/** Checks a notification URL being set (issue #5's `NotificationUrlGuard` fits). */
export interface NotificationUrlCheck {
  /** @throws a 400 problem naming `field` when notifications cannot be delivered there. */
  assertDeliverableUrl(url: string, options: { sandbox: boolean; field?: string }): Promise<void>;
}

/** What the entitlement services share. */
export interface EntitlementDeps {
  transactions: Transactions;
  entitlements: EntitlementRepository;
  events: EntitlementEventRepository;
  resellers: ResellerRepository;
  merchants: MerchantRepository;
  products: ProductRepository;
  routes: RouteRepository;
  sharedCustomers: SharedCustomerRepository;
  writer: EntitlementChangeWriter;
  gateway: MerchantGateway;
  clock: Clock;
  urlGuard: NotificationUrlCheck;
  logger: Logger;
}
