import { rejectingDuplicates } from '../database/duplicate-key';
import { PreparedSelect } from '../database/prepared-select';
import type { Tx } from '../database/transaction';
import { Product } from '../entities';

// Prepared, as a create reads its product. A query builder join: `findOne` with `relations`
// sends a DISTINCT subquery first.
const BY_KEY = new PreparedSelect((tx) =>
  tx
    .createQueryBuilder(Product, 'product')
    .leftJoinAndSelect('product.merchant', 'merchant')
    .where('product.product_key = :productKey'),
);

/** Reads and writes products. */
export class ProductRepository {
  /** Throws `DuplicateKeyError` when a unique key is taken (also by a concurrent insert). */
  async insert(tx: Tx, product: Product): Promise<void> {
    await rejectingDuplicates(() => tx.insert(Product, product));
  }

  findByKey(tx: Tx, productKey: string): Promise<Product | null> {
    return BY_KEY.getOne(tx, { productKey });
  }

  /** All products with their merchant, oldest first. */
  list(tx: Tx): Promise<Product[]> {
    return tx.find(Product, {
      relations: { merchant: true },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  /** The keys of `merchantId`'s products. */
  async keysOfMerchant(tx: Tx, merchantId: string): Promise<string[]> {
    const products = await tx.find(Product, {
      select: { id: true, productKey: true },
      where: { merchantId },
    });
    return products.map((product) => product.productKey);
  }
}
