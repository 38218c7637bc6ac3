import assert from 'node:assert/strict';

import {
  Brackets,
  type DataSource,
  type ObjectLiteral,
  PessimisticLockTransactionRequiredError,
  type QueryRunner,
  type SelectQueryBuilder,
} from 'typeorm';

import { dialectOf } from '../../src/database/dialect';
import {
  PreparedSelect,
  PreparedSelects,
  type SelectParameters,
} from '../../src/database/prepared-select';
import type { Tx } from '../../src/database/transaction';
import {
  Credential,
  EntitlementEventRecord,
  EntitlementRecord,
  IdempotencyRecord,
  Merchant,
  Product,
  Reseller,
  Route,
  SharedCustomer,
} from '../../src/entities';
import { CredentialRepository } from '../../src/repositories/credential.repository';
import {
  type EntitlementFilter,
  EntitlementRepository,
  type EntitlementView,
  type Keyset,
} from '../../src/repositories/entitlement.repository';
import { IdempotencyRecordRepository } from '../../src/repositories/idempotency-record.repository';
import { ProductRepository } from '../../src/repositories/product.repository';
import { RouteRepository } from '../../src/repositories/route.repository';
import { SharedCustomerRepository } from '../../src/repositories/shared-customer.repository';
import { DomainWorld, type Tenant } from '../domain/helpers/domain-world';
import { newCustomer } from '../domain/helpers/entitlements';
import { DATABASE_TARGETS, describeEachDatabase, TestDatabase } from '../helpers/databases';
import {
  openShapeDataSource,
  ShapeAnimal,
  ShapeDog,
  ShapeParent,
  ShapeWithAddress,
} from './helpers/shape-entities';
import { buildVariedData, type VariedData } from './helpers/varied-data';

type Build<E extends ObjectLiteral> = (tx: Tx) => SelectQueryBuilder<E>;

// ---------------------------------------------------------------------------------------------
// The shapes of the repositories' prepared selects, written out again (they are not exported):
// each test runs one as a PreparedSelect and through TypeORM and compares the two.
// ---------------------------------------------------------------------------------------------

function credentialWithOwner(tx: Tx): SelectQueryBuilder<Credential> {
  return tx
    .createQueryBuilder(Credential, 'credential')
    .leftJoinAndSelect('credential.reseller', 'reseller')
    .leftJoinAndSelect('credential.merchant', 'merchant');
}

function routeWithParties(tx: Tx): SelectQueryBuilder<Route> {
  return tx
    .createQueryBuilder(Route, 'route')
    .leftJoinAndSelect('route.reseller', 'reseller')
    .leftJoinAndSelect('route.merchant', 'merchant');
}

function sharedCustomerLocked(tx: Tx): SelectQueryBuilder<SharedCustomer> {
  const query = tx
    .createQueryBuilder(SharedCustomer, 'shared')
    .where('shared.route_id = :routeId AND shared.customer_identifier = :customerIdentifier');
  return dialectOf(tx.connection) === 'postgres' ? query.setLock('pessimistic_write') : query;
}

function entitlementViews(
  tx: Tx,
  options: { includeProvisioning?: boolean } = {},
): SelectQueryBuilder<EntitlementRecord> {
  const query = tx
    .createQueryBuilder(EntitlementRecord, 'entitlement')
    .innerJoinAndSelect('entitlement.reseller', 'reseller')
    .innerJoinAndSelect('entitlement.merchant', 'merchant')
    .innerJoinAndSelect('entitlement.route', 'route');
  if (!options.includeProvisioning) {
    query.andWhere('entitlement.provisioning = FALSE');
  }
  return query;
}

type FilterField = keyof EntitlementFilter;

/** The repository's filter conditions, in its order. */
const FILTER_CONDITIONS: [FilterField, string][] = [
  ['resellerId', 'entitlement.reseller_id = :resellerId'],
  ['merchantId', 'entitlement.merchant_id = :merchantId'],
  ['entitlementId', 'entitlement.id = :entitlementId'],
  ['resellerKey', 'reseller.reseller_key = :resellerKey'],
  ['merchantAccountKey', 'merchant.merchant_account_key = :merchantAccountKey'],
  ['customerIdentifier', 'entitlement.customer_identifier = :customerIdentifier'],
  ['sharedCustomerId', 'entitlement.shared_customer_id = :sharedCustomerId'],
  ['merchantEntitlementId', 'entitlement.merchant_entitlement_id = :merchantEntitlementId'],
  ['productKey', 'entitlement.product_key = :productKey'],
  ['status', 'entitlement.status = :status'],
  ['createdFrom', 'entitlement.date_created >= :createdFrom'],
  ['createdTo', 'entitlement.date_created < :createdTo'],
];

/** The filter combinations the services page and look up by, and each filter alone. */
const FILTER_COMBINATIONS: FilterField[][] = [
  [],
  ...FILTER_CONDITIONS.map(([field]): FilterField[] => [field]),
  // A reseller's list and customer search.
  ['resellerId', 'customerIdentifier'],
  ['resellerId', 'merchantAccountKey'],
  ['resellerId', 'productKey'],
  ['resellerId', 'status'],
  ['resellerId', 'createdFrom'],
  ['resellerId', 'createdTo'],
  ['resellerId', 'createdFrom', 'createdTo'],
  ['resellerId', 'customerIdentifier', 'productKey', 'status'],
  [
    'resellerId',
    'customerIdentifier',
    'merchantAccountKey',
    'productKey',
    'status',
    'createdFrom',
    'createdTo',
  ],
  // A merchant's list.
  ['merchantId', 'merchantEntitlementId'],
  ['merchantId', 'sharedCustomerId'],
  ['merchantId', 'productKey'],
  ['merchantId', 'status'],
  ['merchantId', 'merchantEntitlementId', 'sharedCustomerId', 'productKey', 'status'],
  // The operator's search.
  ['entitlementId', 'customerIdentifier', 'merchantEntitlementId', 'resellerKey'],
  ['customerIdentifier', 'resellerKey'],
  // findVisible in each scope.
  ['resellerId', 'entitlementId'],
  ['merchantId', 'entitlementId'],
  // Everything: one row.
  FILTER_CONDITIONS.map(([field]) => field),
];

function filteredViews(
  tx: Tx,
  fields: readonly FilterField[],
): SelectQueryBuilder<EntitlementRecord> {
  const query = entitlementViews(tx);
  for (const [field, condition] of FILTER_CONDITIONS) {
    if (fields.includes(field)) {
      query.andWhere(condition);
    }
  }
  return query;
}

/** The repository's page: filtered, after a position or not, oldest first, `limit` rows. */
function pageShape(fields: readonly FilterField[], after: boolean, limit: number) {
  return (tx: Tx) => {
    const query = filteredViews(tx, fields);
    if (after) {
      query.andWhere('(entitlement.date_created, entitlement.id) > (:afterDate, :afterId)');
    }
    return query
      .orderBy('entitlement.date_created', 'ASC')
      .addOrderBy('entitlement.id', 'ASC')
      .limit(limit);
  };
}

// ---------------------------------------------------------------------------------------------
// TypeORM's own spelling of what each repository method returns: property paths, find options
// and an OR-form keyset, none of it shared with the repositories.
// ---------------------------------------------------------------------------------------------

const REFERENCE_CONDITIONS: Record<FilterField, string> = {
  resellerId: 'entitlement.resellerId = :resellerId',
  merchantId: 'entitlement.merchantId = :merchantId',
  entitlementId: 'entitlement.id = :entitlementId',
  resellerKey: 'reseller.resellerKey = :resellerKey',
  merchantAccountKey: 'merchant.merchantAccountKey = :merchantAccountKey',
  customerIdentifier: 'entitlement.customerIdentifier = :customerIdentifier',
  sharedCustomerId: 'entitlement.sharedCustomerId = :sharedCustomerId',
  merchantEntitlementId: 'entitlement.merchantEntitlementId = :merchantEntitlementId',
  productKey: 'entitlement.productKey = :productKey',
  status: 'entitlement.status = :status',
  createdFrom: 'entitlement.dateCreated >= :createdFrom',
  createdTo: 'entitlement.dateCreated < :createdTo',
};

function referenceViews(
  tx: Tx,
  filter: EntitlementFilter & { createFingerprint?: string },
  options: { includeProvisioning?: boolean; after?: Keyset; newestFirst?: boolean } = {},
): SelectQueryBuilder<EntitlementRecord> {
  const query = tx
    .createQueryBuilder(EntitlementRecord, 'entitlement')
    .leftJoinAndSelect('entitlement.reseller', 'reseller')
    .leftJoinAndSelect('entitlement.merchant', 'merchant')
    .leftJoinAndSelect('entitlement.route', 'route');
  if (!options.includeProvisioning) {
    query.andWhere('entitlement.provisioning = :provisioning', { provisioning: false });
  }
  for (const [field, condition] of Object.entries(REFERENCE_CONDITIONS)) {
    const value = filter[field as FilterField];
    if (value !== undefined) {
      query.andWhere(condition, { [field]: value });
    }
  }
  if (filter.createFingerprint !== undefined) {
    query.andWhere('entitlement.createFingerprint = :fingerprint', {
      fingerprint: filter.createFingerprint,
    });
  }
  const after = options.after;
  if (after !== undefined) {
    query.andWhere(
      new Brackets((where) =>
        where
          .where('entitlement.dateCreated > :afterDate')
          .orWhere('entitlement.dateCreated = :afterDate AND entitlement.id > :afterId'),
      ),
      { afterDate: after.dateCreated, afterId: after.id },
    );
  }
  const direction = options.newestFirst ? 'DESC' : 'ASC';
  return query
    .orderBy('entitlement.dateCreated', direction)
    .addOrderBy('entitlement.id', direction);
}

// ---------------------------------------------------------------------------------------------

/**
 * Runs `build` as one PreparedSelect for every parameter set (compiled on the first call, only
 * bound after) and through TypeORM, and asserts both answer the same entities, through
 * getMany and getOne. `deepStrictEqual` compares prototypes too: a joined entity must be an
 * instance of its class, an empty join null. Returns TypeORM's answers.
 */
async function assertSameAsTypeOrm<E extends ObjectLiteral>(
  tx: Tx,
  build: Build<E>,
  parameterSets: readonly SelectParameters[],
): Promise<E[][]> {
  const prepared = new PreparedSelect(build);
  const answers: E[][] = [];
  for (const parameters of parameterSets) {
    const expected = await build(tx).setParameters(parameters).getMany();
    assert.deepStrictEqual(await prepared.getMany(tx, parameters), expected);
    const expectedOne = await build(tx).setParameters(parameters).getOne();
    assert.deepStrictEqual(await prepared.getOne(tx, parameters), expectedOne);
    answers.push(expected);
  }
  return answers;
}

function ids(rows: readonly { id: string }[]): string[] {
  return rows.map((row) => row.id);
}

function keysetOf(row: { dateCreated: Date; id: string }): Keyset {
  return { dateCreated: row.dateCreated, id: row.id };
}

/** The SQL of every statement `work` sends on `tx` (a transaction's own query runner). */
async function recordingStatements<T>(tx: Tx, work: () => Promise<T>): Promise<[T, string[]]> {
  const runner = tx.queryRunner;
  assert.ok(runner !== undefined, 'statements are recorded inside a transaction');
  const statements: string[] = [];
  const query = runner.query;
  runner.query = function (this: QueryRunner, sql: string, ...rest: unknown[]) {
    statements.push(sql);
    return (query as (...args: unknown[]) => Promise<unknown>).call(this, sql, ...rest);
  } as QueryRunner['query'];
  try {
    return [await work(), statements];
  } finally {
    runner.query = query;
  }
}

describeEachDatabase('prepared selects against TypeORM', (db) => {
  let world: DomainWorld;
  let data: VariedData;
  /** Every stored entitlement, provisioning included, by id. */
  let stored: Map<string, EntitlementRecord>;
  let read: <T>(work: (tx: Tx) => Promise<T>) => Promise<T>;
  let inTransaction: <T>(work: (tx: Tx) => Promise<T>) => Promise<T>;

  before(async function () {
    this.timeout(120_000);
    world = await DomainWorld.open(db);
    data = await buildVariedData(world);
    read = (work) => world.services.transactions.read(work);
    inTransaction = (work) => world.services.transactions.run(work);
    stored = new Map((await read((tx) => tx.find(EntitlementRecord))).map((row) => [row.id, row]));
  });

  after(async () => {
    await world?.close();
  });

  function record(id: string): EntitlementRecord {
    const row = stored.get(id);
    assert.ok(row !== undefined, `entitlement ${id} is stored`);
    return row;
  }

  /** A value for every filter, taken from the richest entitlement: all together match it. */
  function filterValues(): Required<EntitlementFilter> {
    const rich = record(data.entitlements.rich);
    return {
      resellerId: data.a.reseller.resellerId,
      merchantId: data.a.merchant.merchantId,
      entitlementId: rich.id,
      resellerKey: data.a.resellerKey,
      merchantAccountKey: data.a.merchantAccountKey,
      customerIdentifier: data.severalCustomer,
      sharedCustomerId: rich.sharedCustomerId,
      merchantEntitlementId: rich.merchantEntitlementId,
      productKey: data.a.productKey,
      status: 'ACTIVE',
      createdFrom: rich.dateCreated,
      createdTo: record(data.entitlements.ofC).dateCreated,
    };
  }

  function parametersOf(fields: readonly FilterField[]): SelectParameters {
    const values = filterValues();
    return Object.fromEntries(fields.map((field) => [field, values[field]]));
  }

  function filterOf(fields: readonly FilterField[]): EntitlementFilter {
    return parametersOf(fields) as EntitlementFilter;
  }

  describe('the data', () => {
    it('holds the cases the comparisons rely on', async () => {
      const rich = record(data.entitlements.rich);
      assert.equal(rich.offerKey, 'OFFER_SPRING');
      assert.deepEqual(rich.extensionData, { campaign: 'spring', channel: 'web' });
      assert.deepEqual(rich.merchantExtensionData, { tier: 'gold' });
      assert.ok(rich.dateExpiry instanceof Date && rich.dateActivated instanceof Date);
      assert.equal(record(data.entitlements.pendingUrl).pendingAction?.action, 'NAVIGATE_TO_URL');
      assert.equal(record(data.entitlements.pendingCode).activationCode, 'CODE-1234');
      assert.equal(
        record(data.entitlements.pendingCode).notificationUrl,
        'http://127.0.0.1:9/b-own',
      );
      const resumed = record(data.entitlements.resumed);
      assert.ok(resumed.dateSuspended !== null && resumed.dateResumed !== null);
      assert.equal(
        record(data.entitlements.tie).dateCreated.getTime(),
        resumed.dateCreated.getTime(),
      );
      assert.equal(record(data.entitlements.awaiting).awaitingMerchant, 'suspend');
      assert.equal(
        record(data.entitlements.cancelled).reasonDescription,
        'Moved to another bundle',
      );
      assert.equal(record(data.entitlements.provisioning).provisioning, true);
      assert.equal(
        record(data.entitlements.pendingCodeTwin).createFingerprint,
        record(data.entitlements.pendingCode).createFingerprint,
      );
      const statuses = new Set([...stored.values()].map((row) => row.status));
      for (const status of ['ACTIVE', 'PENDING', 'SUSPENDED', 'ACTIVE-ENDING', 'CANCELLED']) {
        assert.ok(statuses.has(status as EntitlementRecord['status']), status);
      }
      assert.ok(statuses.has('REVOKED') && statuses.has('FAILED'));

      const [b, aReseller] = await read((tx) =>
        Promise.all([
          tx.findOneByOrFail(Reseller, { id: data.b.reseller.resellerId }),
          tx.findOneByOrFail(Reseller, { id: data.a.reseller.resellerId }),
        ]),
      );
      assert.ok(b.clockOffsetMs > 2 ** 32, 'a BIGINT beyond 32 bits');
      assert.equal(typeof b.clockOffsetMs, 'number');
      assert.ok(aReseller.lastEventSequence > 0);
      assert.ok(b.previousSigningSecret !== null && b.previousSecretValidUntil !== null);
      assert.equal(aReseller.previousSigningSecret, null);
      assert.equal(b.sandbox, true);
      assert.equal(aReseller.sandbox, false);
    });
  });

  describe('each shape the repositories use', () => {
    it('a credential with its owner, by id and by username', async () => {
      const { ofReseller, ofMerchant, revoked } = data.credentials;
      const [byId, byUsername] = await read(async (tx) => [
        await assertSameAsTypeOrm(
          tx,
          (t) => credentialWithOwner(t).where('credential.id = :id'),
          [ofReseller, ofMerchant, revoked, { id: 'no-such-credential' }].map(({ id }) => ({ id })),
        ),
        await assertSameAsTypeOrm(
          tx,
          (t) => credentialWithOwner(t).where('credential.username = :username'),
          [ofReseller, ofMerchant, revoked].map(({ username }) => ({ username })),
        ),
      ]);
      assert.deepEqual(
        byId.map((rows) => rows.length),
        [1, 1, 1, 0],
      );
      assert.deepEqual(byUsername, byId.slice(0, 3));
      const [resellers, merchants, revokedOne] = byId.map((rows) => rows[0]!);
      assert.ok(resellers!.reseller instanceof Reseller);
      assert.equal(resellers!.merchant, null);
      assert.equal(merchants!.reseller, null);
      assert.ok(merchants!.merchant instanceof Merchant);
      assert.ok(revokedOne!.revokedAt instanceof Date);
      assert.deepEqual(revokedOne!.allowedIps, ['192.0.2.10', '10.0.0.0/8', '2001:db8::/32']);
      assert.deepEqual(resellers!.allowedIps, []);
    });

    it('a route with its parties, by id, by parties and by merchant key', async () => {
      const tenants = [data.a, data.b, data.c];
      await read(async (tx) => {
        const byId = await assertSameAsTypeOrm(
          tx,
          (t) => routeWithParties(t).where('route.id = :id'),
          [...tenants.map((tenant) => ({ id: tenant.routeId })), { id: 'no-such-route' }],
        );
        assert.deepEqual(
          byId.map((rows) => rows.length),
          [1, 1, 1, 0],
        );
        const byParties = await assertSameAsTypeOrm(
          tx,
          (t) =>
            routeWithParties(t)
              .where('route.reseller_id = :resellerId')
              .andWhere('route.merchant_id = :merchantId'),
          [
            ...tenants.map((tenant) => ({
              resellerId: tenant.reseller.resellerId,
              merchantId: tenant.merchant.merchantId,
            })),
            { resellerId: data.b.reseller.resellerId, merchantId: data.a.merchant.merchantId },
          ],
        );
        assert.deepEqual(byParties, byId);
        const byKey = await assertSameAsTypeOrm(
          tx,
          (t) =>
            routeWithParties(t)
              .where('route.reseller_id = :resellerId')
              .andWhere('merchant.merchant_account_key = :merchantAccountKey'),
          [
            ...tenants.map((tenant) => ({
              resellerId: tenant.reseller.resellerId,
              merchantAccountKey: tenant.merchantAccountKey,
            })),
            {
              resellerId: data.a.reseller.resellerId,
              merchantAccountKey: data.b.merchantAccountKey,
            },
          ],
        );
        assert.deepEqual(byKey, byId);
        const b = byId[1]![0]!;
        assert.equal(b.shareCustomerIdentifier, true);
        assert.equal(b.maxLivePerCustomer, 3);
        assert.deepEqual(b.routeExtensionData, { channel: 'test' });
        assert.ok(b.reseller instanceof Reseller && b.merchant instanceof Merchant);
      });
    });

    it('a product with its merchant', async () => {
      const keys = [data.a.productKey, data.b.otherProductKey, data.c.productKey, 'NO_SUCH'];
      const answers = await read((tx) =>
        assertSameAsTypeOrm(
          tx,
          (t) =>
            t
              .createQueryBuilder(Product, 'product')
              .leftJoinAndSelect('product.merchant', 'merchant')
              .where('product.product_key = :productKey'),
          keys.map((productKey) => ({ productKey })),
        ),
      );
      assert.deepEqual(
        answers.map((rows) => rows.length),
        [1, 1, 1, 0],
      );
      assert.ok(answers[2]![0]!.merchant instanceof Merchant);
    });

    it('a shared customer, locked on PostgreSQL, in a transaction', async () => {
      assert.ok(data.sharedCustomers.length >= 5);
      const [answers, statements] = await inTransaction((tx) =>
        recordingStatements(tx, () =>
          assertSameAsTypeOrm(tx, sharedCustomerLocked, [
            ...data.sharedCustomers,
            { routeId: data.a.routeId, customerIdentifier: 'nobody' },
          ]),
        ),
      );
      assert.deepEqual(
        answers.map((rows) => rows.length),
        [...data.sharedCustomers.map(() => 1), 0],
      );
      assert.ok(answers[0]![0] instanceof SharedCustomer);
      const selects = statements.filter((sql) => /shared_customer/.test(sql));
      assert.ok(selects.length > 0);
      for (const sql of selects) {
        assert.equal(/FOR UPDATE/.test(sql), db.kind === 'postgres', sql);
      }
    });

    it('a locking select outside a transaction: refused on PostgreSQL, as by TypeORM', async () => {
      const select = new PreparedSelect(sharedCustomerLocked);
      const key = data.sharedCustomers[0]!;
      await read(async (tx) => {
        if (db.kind === 'postgres') {
          await assert.rejects(
            sharedCustomerLocked(tx).setParameters(key).getMany(),
            PessimisticLockTransactionRequiredError,
          );
          await assert.rejects(select.getMany(tx, key), PessimisticLockTransactionRequiredError);
        } else {
          const expected = await sharedCustomerLocked(tx).setParameters(key).getMany();
          assert.equal(expected.length, 1);
          assert.deepStrictEqual(await select.getMany(tx, key), expected);
        }
      });
    });

    it('an idempotency record by key', async () => {
      const { completed, noBody, inProgress } = data.idempotency;
      const answers = await read((tx) =>
        assertSameAsTypeOrm(
          tx,
          (t) =>
            t
              .createQueryBuilder(IdempotencyRecord, 'record')
              .where(
                'record.credential_id = :credentialId AND record.idempotency_key = :idempotencyKey',
              ),
          [
            completed,
            noBody,
            inProgress,
            { credentialId: completed.credentialId, idempotencyKey: 'never-used' },
          ].map((ref) => ({ ...ref })),
        ),
      );
      assert.deepEqual(
        answers.map((rows) => rows.length),
        [1, 1, 1, 0],
      );
      assert.equal(answers[0]![0]!.responseStatus, 201);
      assert.equal(answers[1]![0]!.responseBody, null);
      assert.equal(answers[2]![0]!.responseStatus, null);
      assert.equal(answers[2]![0]!.state, 'IN_PROGRESS');
    });

    it('an entitlement view by id: provisioning rows hidden, or included (findAny)', async () => {
      const everyId = [...stored.keys(), 'no-such-entitlement'];
      await read(async (tx) => {
        const any = await assertSameAsTypeOrm(
          tx,
          (t) =>
            entitlementViews(t, { includeProvisioning: true }).andWhere('entitlement.id = :id'),
          everyId.map((id) => ({ id })),
        );
        assert.deepEqual(
          any.map((rows) => rows.length),
          everyId.map((id) => (stored.has(id) ? 1 : 0)),
        );
        const visible = await assertSameAsTypeOrm(
          tx,
          (t) => filteredViews(t, ['entitlementId']),
          everyId.map((entitlementId) => ({ entitlementId })),
        );
        assert.deepEqual(
          visible.map((rows) => rows.length),
          everyId.map((id) => (stored.has(id) && !record(id).provisioning ? 1 : 0)),
        );
        const view = any[everyId.indexOf(data.entitlements.rich)]![0]!;
        assert.ok(view.reseller instanceof Reseller);
        assert.ok(view.merchant instanceof Merchant);
        assert.ok(view.route instanceof Route);
      });
    });

    it('an entitlement view under each filter combination the repository writes', async () => {
      let nonEmpty = 0;
      await read(async (tx) => {
        for (const fields of FILTER_COMBINATIONS) {
          const parameters = parametersOf(fields);
          const [unordered] = await assertSameAsTypeOrm(tx, (t) => filteredViews(t, fields), [
            parameters,
          ]);
          const [first] = await assertSameAsTypeOrm(tx, pageShape(fields, false, 50), [parameters]);
          assert.deepEqual(new Set(ids(first!)), new Set(ids(unordered!)), fields.join(','));
          if (first!.length > 0) {
            nonEmpty += 1;
            const [next] = await assertSameAsTypeOrm(tx, pageShape(fields, true, 2), [
              { ...parameters, afterDate: first![0]!.dateCreated, afterId: first![0]!.id },
            ]);
            assert.deepEqual(ids(next!), ids(first!.slice(1, 3)));
          }
        }
        // Nothing matches: a filter value no row has.
        const [none] = await assertSameAsTypeOrm(tx, pageShape(['resellerKey'], false, 10), [
          { resellerKey: 'NO_SUCH_RESELLER' },
        ]);
        assert.deepEqual(none, []);
      });
      assert.ok(nonEmpty >= FILTER_COMBINATIONS.length - 2, `${nonEmpty} combinations found rows`);
    });

    it('the keyset page, page by page with its limit and after cursor', async () => {
      await read(async (tx) => {
        for (const fields of [['resellerId'], ['customerIdentifier'], []] as FilterField[][]) {
          const filter = parametersOf(fields);
          const [all] = await assertSameAsTypeOrm(tx, pageShape(fields, false, 1000), [filter]);
          const firstPage = new PreparedSelect(pageShape(fields, false, 2));
          const nextPage = new PreparedSelect(pageShape(fields, true, 2));
          let page = await firstPage.getMany(tx, filter);
          const seen = [...page];
          while (page.length === 2) {
            const parameters = {
              ...filter,
              afterDate: page[1]!.dateCreated,
              afterId: page[1]!.id,
            };
            const expected = await pageShape(
              fields,
              true,
              2,
            )(tx)
              .setParameters(parameters)
              .getMany();
            page = await nextPage.getMany(tx, parameters);
            assert.deepStrictEqual(page, expected);
            seen.push(...page);
          }
          assert.deepStrictEqual(seen, all);
          assert.ok(all!.length >= 4, `${fields.join(',')}: ${all!.length} rows`);
        }
      });
    });

    it('the PENDING entitlement by fingerprint, newest first', async () => {
      const build: Build<EntitlementRecord> = (t) =>
        filteredViews(t, ['resellerId', 'customerIdentifier', 'productKey', 'status'])
          .andWhere('entitlement.create_fingerprint = :fingerprint')
          .orderBy('entitlement.date_created', 'DESC')
          .addOrderBy('entitlement.id', 'DESC');
      const lookup = (id: string) => {
        const row = record(id);
        return {
          resellerId: row.resellerId,
          customerIdentifier: row.customerIdentifier,
          productKey: row.productKey,
          status: 'PENDING',
          fingerprint: row.createFingerprint,
        };
      };
      const { pendingCode, pendingCodeTwin, pendingOther, pendingUrl, provisioning } =
        data.entitlements;
      const answers = await read((tx) =>
        assertSameAsTypeOrm(tx, build, [
          lookup(pendingCode),
          lookup(pendingOther),
          lookup(pendingUrl),
          lookup(provisioning),
          { ...lookup(pendingCode), fingerprint: 'f'.repeat(64) },
        ]),
      );
      assert.deepEqual(answers.map(ids), [
        [pendingCodeTwin, pendingCode],
        [pendingOther],
        [pendingUrl],
        [],
        [],
      ]);
    });
  });

  describe('the repositories, against TypeORM spelling the same read its own way', () => {
    it('CredentialRepository: by id and by username, with the owner', async () => {
      const credentials = new CredentialRepository();
      await read(async (tx) => {
        for (const { id, username } of Object.values(data.credentials)) {
          const expected = await tx.findOne(Credential, {
            where: { id },
            relations: { reseller: true, merchant: true },
          });
          assert.ok(expected !== null);
          assert.deepStrictEqual(await credentials.findById(tx, id), expected);
          assert.deepStrictEqual(await credentials.findByUsername(tx, username), expected);
        }
        assert.equal(await credentials.findById(tx, 'no-such-credential'), null);
        assert.equal(await credentials.findByUsername(tx, 'no-such-user'), null);
      });
    });

    it('RouteRepository: by id, by parties and by merchant key, with both parties', async () => {
      const routes = new RouteRepository();
      await read(async (tx) => {
        for (const tenant of [data.a, data.b, data.c]) {
          const expected = await tx.findOne(Route, {
            where: { id: tenant.routeId },
            relations: { reseller: true, merchant: true },
          });
          assert.ok(expected !== null);
          const { resellerId } = tenant.reseller;
          assert.deepStrictEqual(await routes.findById(tx, tenant.routeId), expected);
          assert.deepStrictEqual(
            await routes.findByParties(tx, resellerId, tenant.merchant.merchantId),
            expected,
          );
          assert.deepStrictEqual(
            await routes.findByMerchantKey(tx, resellerId, tenant.merchantAccountKey),
            expected,
          );
          const byKey = await tx.findOne(Route, {
            where: { resellerId, merchant: { merchantAccountKey: tenant.merchantAccountKey } },
            relations: { reseller: true, merchant: true },
          });
          assert.deepStrictEqual(byKey, expected);
        }
        assert.equal(await routes.findById(tx, 'no-such-route'), null);
        assert.equal(
          await routes.findByMerchantKey(tx, data.b.reseller.resellerId, data.a.merchantAccountKey),
          null,
        );
      });
    });

    it('ProductRepository: by key, with the merchant', async () => {
      const products = new ProductRepository();
      await read(async (tx) => {
        for (const productKey of [data.a.productKey, data.b.productKey, data.c.otherProductKey]) {
          const expected = await tx.findOne(Product, {
            where: { productKey },
            relations: { merchant: true },
          });
          assert.ok(expected !== null);
          assert.deepStrictEqual(await products.findByKey(tx, productKey), expected);
        }
        assert.equal(await products.findByKey(tx, 'NO_SUCH'), null);
      });
    });

    it('IdempotencyRecordRepository: by key', async () => {
      const records = new IdempotencyRecordRepository();
      await read(async (tx) => {
        for (const ref of Object.values(data.idempotency)) {
          const expected = await tx.findOneBy(IdempotencyRecord, { ...ref });
          assert.ok(expected !== null);
          assert.deepStrictEqual(await records.find(tx, ref), expected);
        }
        const missing = { credentialId: data.a.reseller.credentialId, idempotencyKey: 'never' };
        assert.equal(await records.find(tx, missing), null);
      });
    });

    it('SharedCustomerRepository: an existing id, and a new one created', async () => {
      const sharedCustomers = new SharedCustomerRepository();
      const now = world.clock.now();
      for (const key of data.sharedCustomers) {
        const obtained = await inTransaction((tx) =>
          sharedCustomers.obtain(tx, key, 'sc_not_used', now),
        );
        const expected = await read((tx) => tx.findOneByOrFail(SharedCustomer, key));
        assert.equal(obtained, expected.sharedCustomerId);
      }
      const fresh = { routeId: data.b.routeId, customerIdentifier: newCustomer() };
      const candidate = `sc_${fresh.customerIdentifier}`.slice(0, 40);
      assert.equal(
        await inTransaction((tx) => sharedCustomers.obtain(tx, fresh, candidate, now)),
        candidate,
      );
    });

    describe('EntitlementRepository', () => {
      const entitlements = new EntitlementRepository();

      it('findVisible in the reseller and the merchant scope', async () => {
        await read(async (tx) => {
          for (const row of stored.values()) {
            for (const scope of [
              { resellerId: row.resellerId },
              { merchantId: row.merchantId },
              { resellerId: data.b.reseller.resellerId },
              { merchantId: data.c.merchant.merchantId },
            ]) {
              const expected = await referenceViews(tx, {
                entitlementId: row.id,
                ...scope,
              }).getOne();
              assert.deepStrictEqual(await entitlements.findVisible(tx, row.id, scope), expected);
              const visible =
                !row.provisioning &&
                Object.entries(scope).every(
                  ([field, value]) => row[field as 'resellerId' | 'merchantId'] === value,
                );
              assert.equal(expected !== null, visible);
            }
          }
          assert.equal(
            await entitlements.findVisible(tx, 'no-such-entitlement', {
              resellerId: data.a.reseller.resellerId,
            }),
            null,
          );
        });
      });

      it('findAny, provisioning rows included', async () => {
        await read(async (tx) => {
          for (const id of stored.keys()) {
            const expected = await referenceViews(
              tx,
              { entitlementId: id },
              { includeProvisioning: true },
            ).getOne();
            assert.ok(expected !== null);
            assert.deepStrictEqual(await entitlements.findAny(tx, id), expected);
          }
          assert.equal(await entitlements.findAny(tx, 'no-such-entitlement'), null);
        });
      });

      it('findPendingByFingerprint: the newest PENDING one, never a provisioning one', async () => {
        const { pendingCode, pendingCodeTwin, pendingOther, pendingUrl, provisioning, rich } =
          data.entitlements;
        await read(async (tx) => {
          const cases: [string, string | null][] = [
            [pendingCode, pendingCodeTwin],
            [pendingOther, pendingOther],
            [pendingUrl, pendingUrl],
            [provisioning, null],
            [rich, null],
          ];
          for (const [id, expectedId] of cases) {
            const row = record(id);
            const key = {
              resellerId: row.resellerId,
              customerIdentifier: row.customerIdentifier,
              productKey: row.productKey,
            };
            const expected = await referenceViews(
              tx,
              { ...key, status: 'PENDING', createFingerprint: row.createFingerprint },
              { newestFirst: true },
            ).getOne();
            assert.equal(expected?.id ?? null, expectedId);
            assert.deepStrictEqual(
              await entitlements.findPendingByFingerprint(tx, key, row.createFingerprint),
              expected,
            );
          }
        });
      });

      it('page: every filter combination, first pages and pages after a position', async () => {
        await read(async (tx) => {
          for (const fields of FILTER_COMBINATIONS) {
            const filter = filterOf(fields);
            const all = await referenceViews(tx, filter).getMany();
            assert.deepStrictEqual(await entitlements.page(tx, filter, null, 1000), all);
            assert.deepStrictEqual(await entitlements.page(tx, filter, null, 2), all.slice(0, 2));
            for (const row of all.slice(0, 3)) {
              const after = keysetOf(row);
              const expected = await referenceViews(tx, filter, { after }).limit(3).getMany();
              assert.deepStrictEqual(await entitlements.page(tx, filter, after, 3), expected);
            }
          }
        });
      });

      it('page: walking every page of a reseller, ties on the creation time included', async () => {
        const filter = { resellerId: data.a.reseller.resellerId };
        await read(async (tx) => {
          const all = await referenceViews(tx, filter).getMany();
          const seen: EntitlementView[] = [];
          let after: Keyset | null = null;
          for (;;) {
            const page: EntitlementView[] = await entitlements.page(tx, filter, after, 1);
            if (page.length === 0) {
              break;
            }
            seen.push(...page);
            after = keysetOf(page[0]!);
          }
          assert.deepStrictEqual(seen, all);
          assert.ok(ids(all).includes(data.entitlements.tie));
        });
      });
    });
  });

  describe('refusals', () => {
    let shapes: DataSource;

    before(async () => {
      shapes = await openShapeDataSource(db.config);
    });

    after(async () => {
      await shapes?.destroy();
    });

    /** Asserts that `build` is refused at its first use, and at every use after. */
    async function assertRefused<E extends ObjectLiteral>(
      tx: Tx,
      build: Build<E>,
      message: RegExp,
    ): Promise<void> {
      let builds = 0;
      const select = new PreparedSelect((t) => {
        builds += 1;
        return build(t);
      });
      assert.equal(builds, 0, 'nothing is built before the first use');
      await assert.rejects(select.getMany(tx, {}), message);
      await assert.rejects(select.getOne(tx, {}), message);
    }

    const PARTIAL = /whole entities only/;
    const JOIN = /is not a selected many-to-one/;

    it('a partial select, take and skip', async () => {
      await read(async (tx) => {
        const credentials = (t: Tx) => t.createQueryBuilder(Credential, 'credential');
        await assertRefused(
          tx,
          (t) => credentials(t).select(['credential.id', 'credential.username']),
          PARTIAL,
        );
        await assertRefused(tx, (t) => credentials(t).select('credential.id', 'id'), PARTIAL);
        await assertRefused(tx, (t) => credentials(t).addSelect('1', 'one'), PARTIAL);
        await assertRefused(tx, (t) => credentials(t).take(1), PARTIAL);
        await assertRefused(tx, (t) => credentials(t).skip(1), PARTIAL);
        await assertRefused(tx, (t) => credentialWithOwner(t).take(10).skip(10), PARTIAL);
      });
    });

    it('relation ids and counts', async () => {
      await read(async (tx) => {
        await assertRefused(
          tx,
          (t) =>
            t
              .createQueryBuilder(Credential, 'credential')
              .loadRelationIdAndMap('credential.ownerId', 'credential.reseller'),
          PARTIAL,
        );
      });
      await assertRefused(
        shapes.manager,
        (t) =>
          t
            .createQueryBuilder(ShapeParent, 'parent')
            .loadRelationCountAndMap('parent.childCount', 'parent.children'),
        PARTIAL,
      );
    });

    it('a one-to-many join, and joins not a selected many-to-one of the main one', async () => {
      await assertRefused(
        shapes.manager,
        (t) =>
          t.createQueryBuilder(ShapeParent, 'parent').leftJoinAndSelect('parent.children', 'child'),
        JOIN,
      );
      await read(async (tx) => {
        // One entitlement, many events: joined by a condition, not a relation.
        await assertRefused(
          tx,
          (t) =>
            t
              .createQueryBuilder(EntitlementRecord, 'entitlement')
              .leftJoinAndSelect(
                EntitlementEventRecord,
                'event',
                'event.entitlement_id = entitlement.id',
              ),
          JOIN,
        );
        // A join of a joined entity.
        await assertRefused(
          tx,
          (t) =>
            t
              .createQueryBuilder(EntitlementEventRecord, 'event')
              .innerJoinAndSelect('event.entitlement', 'entitlement')
              .innerJoinAndSelect('entitlement.route', 'route'),
          JOIN,
        );
        // A join mapped onto a property of its own.
        await assertRefused(
          tx,
          (t) =>
            t
              .createQueryBuilder(Credential, 'credential')
              .leftJoinAndMapOne('credential.owner', 'credential.reseller', 'owner'),
          JOIN,
        );
        // A join only filtered on, not selected.
        await assertRefused(
          tx,
          (t) =>
            t
              .createQueryBuilder(Credential, 'credential')
              .leftJoin('credential.reseller', 'reseller')
              .where('reseller.reseller_key = :key'),
          JOIN,
        );
      });
    });

    it('parameter values given to the build, and optimistic locks', async () => {
      const { id } = data.credentials.ofReseller;
      const credentials = (t: Tx) => t.createQueryBuilder(Credential, 'credential');
      const perCall = /give parameter values to each call/;
      await read(async (tx) => {
        await assertRefused(
          tx,
          (t) => credentials(t).where('credential.id = :id', { id }),
          perCall,
        );
        await assertRefused(tx, (t) => credentials(t).where({ id }), perCall);
        await assertRefused(
          tx,
          (t) => credentialWithOwner(t).where('credential.id = :id').setParameter('id', id),
          perCall,
        );
        await assertRefused(tx, (t) => credentials(t).setLock('optimistic', 1), /optimistic/);
      });
    });

    it('embedded and inherited entities', async () => {
      const tx = shapes.manager;
      const embedded = /embedded or inherited/;
      await assertRefused(tx, (t) => t.createQueryBuilder(ShapeWithAddress, 'shape'), embedded);
      await assertRefused(tx, (t) => t.createQueryBuilder(ShapeAnimal, 'animal'), embedded);
      await assertRefused(tx, (t) => t.createQueryBuilder(ShapeDog, 'dog'), embedded);
    });
  });

  describe('PreparedSelects', () => {
    const byKey = (tx: Tx) => credentialWithOwner(tx).where('credential.id = :id');

    it('keeps at most its bound of variants, oldest dropped first', async () => {
      const selects = new PreparedSelects<Credential>(3);
      const builds: string[] = [];
      const variant = (key: string) =>
        selects.variant(key, (tx) => {
          builds.push(key);
          return byKey(tx);
        });
      const keys = ['v0', 'v1', 'v2', 'v3', 'v4', 'v5'];
      const first = new Map(keys.map((key) => [key, variant(key)]));
      const { id } = data.credentials.ofMerchant;
      await read(async (tx) => {
        const expected = await byKey(tx).setParameters({ id }).getOne();
        assert.ok(expected !== null);
        for (const key of ['v5', 'v4', 'v3']) {
          assert.equal(variant(key), first.get(key), `${key} is kept`);
        }
        // Newest first: a kept one would come back; each one asked for again is new.
        for (const key of ['v2', 'v1', 'v0']) {
          const again = variant(key);
          assert.notEqual(again, first.get(key), `${key} was dropped`);
          assert.deepStrictEqual(await again.getOne(tx, { id }), expected);
        }
        for (const key of ['v2', 'v1', 'v0']) {
          assert.deepStrictEqual(await variant(key).getOne(tx, { id }), expected);
        }
        // The newest three are now v2, v1 and v0; v3 was dropped for them.
        assert.notEqual(variant('v3'), first.get('v3'));
      });
      // Each select is built when first used, once per data source.
      assert.deepEqual(builds, ['v2', 'v1', 'v0']);
    });

    it('the entitlement repository past its variants answers as TypeORM', async function () {
      this.timeout(60_000);
      const entitlements = new EntitlementRepository();
      const filter = { resellerId: data.a.reseller.resellerId };
      await read(async (tx) => {
        const all = await referenceViews(tx, filter).getMany();
        // Every page size is a variant of its own; 201 of them overflow the 200 kept.
        for (let limit = 1; limit <= 201; limit += 1) {
          assert.deepStrictEqual(
            await entitlements.page(tx, filter, null, limit),
            all.slice(0, limit),
          );
        }
        for (const limit of [1, 2, 3, 201]) {
          assert.deepStrictEqual(
            await entitlements.page(tx, filter, null, limit),
            all.slice(0, limit),
          );
        }
      });
    });
  });
});

describe('prepared selects on SQLite and PostgreSQL in one process', () => {
  const sqliteDb = new TestDatabase(DATABASE_TARGETS[0]!);
  const postgresDb = new TestDatabase(
    DATABASE_TARGETS.find((target) => target.like.kind === 'postgres')!,
  );
  const worlds: { sqlite?: DomainWorld; postgres?: DomainWorld } = {};
  const tenants: { sqlite?: Tenant; postgres?: Tenant } = {};
  const customers = { sqlite: newCustomer(), postgres: newCustomer() };
  type Side = 'sqlite' | 'postgres';

  before(async function () {
    this.timeout(60_000);
    await postgresDb.create(this); // skips this suite when PostgreSQL is not there
    await sqliteDb.create(this);
    for (const [side, db] of [
      ['sqlite', sqliteDb],
      ['postgres', postgresDb],
    ] as const) {
      const world = await DomainWorld.open(db);
      worlds[side] = world;
      const tenant = await world.addTenant();
      tenants[side] = tenant;
      await world.services.entitlements.create(
        tenant.reseller,
        {
          customerIdentifier: customers[side],
          merchantAccountKey: tenant.merchantAccountKey,
          productKey: tenant.productKey,
        },
        world.meta(),
      );
    }
  });

  after(async () => {
    await worlds.sqlite?.close();
    await worlds.postgres?.close();
    await sqliteDb.drop();
    await postgresDb.drop();
  });

  function sideOf(side: Side): { world: DomainWorld; tenant: Tenant } {
    const world = worlds[side];
    const tenant = tenants[side];
    assert.ok(world !== undefined && tenant !== undefined);
    return { world, tenant };
  }

  /** In a transaction on `side`: the select's entities, TypeORM's, and the SQL sent. */
  async function runOn(side: Side, select: PreparedSelect<SharedCustomer>) {
    const { world, tenant } = sideOf(side);
    const key = { routeId: tenant.routeId, customerIdentifier: customers[side] };
    return world.services.transactions.run(async (tx) => {
      const [rows, statements] = await recordingStatements(tx, () => select.getMany(tx, key));
      const expected = await sharedCustomerLocked(tx).setParameters(key).getMany();
      return { rows, expected, statements };
    });
  }

  for (const order of [
    ['postgres', 'sqlite', 'postgres', 'sqlite'],
    ['sqlite', 'postgres', 'sqlite', 'postgres'],
  ] as Side[][]) {
    it(`writes a select's SQL for each data source, ${order[0]} first`, async () => {
      const built: Side[] = [];
      const select = new PreparedSelect((tx) => {
        built.push(dialectOf(tx.connection));
        return sharedCustomerLocked(tx);
      });
      for (const side of order) {
        const { rows, expected, statements } = await runOn(side, select);
        assert.equal(rows.length, 1);
        assert.deepStrictEqual(rows, expected);
        assert.equal(statements.length, 1);
        const sql = statements[0]!;
        if (side === 'postgres') {
          assert.match(sql, /FOR UPDATE$/);
          assert.match(sql, /\$1/);
        } else {
          assert.doesNotMatch(sql, /FOR UPDATE/);
          assert.match(sql, /\?/);
        }
      }
      assert.deepEqual(built, order.slice(0, 2));
    });
  }

  it("the repositories' selects, shared by both data sources, answer each its own", async () => {
    const sharedCustomers = new SharedCustomerRepository();
    const credentials = new CredentialRepository();
    const entitlements = new EntitlementRepository();
    for (const side of ['postgres', 'sqlite', 'postgres', 'sqlite'] as Side[]) {
      const { world, tenant } = sideOf(side);
      const key = { routeId: tenant.routeId, customerIdentifier: customers[side] };
      const [obtained, statements] = await world.services.transactions.run((tx) =>
        recordingStatements(tx, () => sharedCustomers.obtain(tx, key, 'sc_unused', new Date())),
      );
      const selects = statements.filter((sql) => /^\s*SELECT/i.test(sql));
      assert.equal(selects.length, 1);
      assert.equal(/FOR UPDATE/.test(selects[0]!), side === 'postgres');
      await world.services.transactions.read(async (tx) => {
        assert.equal(obtained, (await tx.findOneByOrFail(SharedCustomer, key)).sharedCustomerId);
        const credential = await tx.findOne(Credential, {
          where: { id: tenant.reseller.credentialId },
          relations: { reseller: true, merchant: true },
        });
        assert.ok(credential !== null);
        assert.deepStrictEqual(
          await credentials.findById(tx, tenant.reseller.credentialId),
          credential,
        );
        const filter = { resellerId: tenant.reseller.resellerId };
        const rows = await entitlements.page(tx, filter, null, 10);
        assert.equal(rows.length, 1);
        assert.deepStrictEqual(rows, await referenceViews(tx, filter).limit(10).getMany());
      });
    }
  });
});
