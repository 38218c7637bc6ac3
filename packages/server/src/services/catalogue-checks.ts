import { DuplicateKeyError } from '../database/duplicate-key';
import type { Tx } from '../database/transaction';
import type { Merchant, Product, Reseller, Route } from '../entities';
import { ConflictProblem, NotFoundProblem } from '../errors/http-problems';
import type { MerchantRepository } from '../repositories/merchant.repository';
import type { ProductRepository } from '../repositories/product.repository';
import type { ResellerRepository } from '../repositories/reseller.repository';
import type { NotificationUrlCheck } from './entitlement-deps';

/**
 * The product `productKey` if it belongs to the route's merchant and the route sells it;
 * 404 with a detail that says which, otherwise.
 */
export async function findProductOnRoute(
  tx: Tx,
  products: ProductRepository,
  route: Route,
  productKey: string,
): Promise<Product> {
  const merchantKey = route.merchant?.merchantAccountKey ?? 'this merchant';
  const product = await products.findByKey(tx, productKey);
  if (product === null || product.merchantId !== route.merchantId) {
    throw new NotFoundProblem(`Merchant ${merchantKey} has no product ${productKey}.`);
  }
  if (!route.productKeys.includes(productKey)) {
    throw new NotFoundProblem(`Product ${productKey} is not sold on your route to ${merchantKey}.`);
  }
  return product;
}

/** The reseller `resellerKey`; 404 otherwise. */
export async function findReseller(
  tx: Tx,
  resellers: ResellerRepository,
  resellerKey: string,
): Promise<Reseller> {
  const reseller = await resellers.findByKey(tx, resellerKey);
  if (reseller === null) {
    throw new NotFoundProblem(`No reseller ${resellerKey}.`);
  }
  return reseller;
}

/** The merchant `merchantAccountKey`; 404 otherwise. */
export async function findMerchant(
  tx: Tx,
  merchants: MerchantRepository,
  merchantAccountKey: string,
): Promise<Merchant> {
  const merchant = await merchants.findByKey(tx, merchantAccountKey);
  if (merchant === null) {
    throw new NotFoundProblem(`No merchant ${merchantAccountKey}.`);
  }
  return merchant;
}

/** A reseller's default notification URL, checked by the address guard when one is set. */
export async function assertDefaultNotificationUrl(
  urlGuard: NotificationUrlCheck,
  url: string | null | undefined,
  sandbox: boolean,
): Promise<void> {
  if (url != null) {
    await urlGuard.assertDeliverableUrl(url, { sandbox, field: 'defaultNotificationUrl' });
  }
}

/** `insert`, with its key already taken (also by a concurrent create) as 409 `conflict`. */
export async function insertOrConflict(insert: Promise<void>, conflict: string): Promise<void> {
  try {
    await insert;
  } catch (error) {
    if (error instanceof DuplicateKeyError) {
      throw new ConflictProblem(conflict);
    }
    throw error;
  }
}
