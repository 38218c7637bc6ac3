import {
  type DataSource,
  type EntityMetadata,
  type ObjectLiteral,
  PessimisticLockTransactionRequiredError,
  type SelectQueryBuilder,
} from 'typeorm';
import { DriverUtils } from 'typeorm/driver/DriverUtils';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import type { RelationMetadata } from 'typeorm/metadata/RelationMetadata';

import type { Tx } from './transaction';

/** Named parameters of a prepared select; never arrays (they change the statement's text). */
export type SelectParameters = Record<string, string | number | boolean | Date | null>;

/** The columns of one alias, each with the result column TypeORM names it by. */
interface AliasPlan {
  metadata: EntityMetadata;
  columns: [resultColumn: string, column: ColumnMetadata][];
}

/** A select built for one data source: its SQL, and how its rows become entities. */
interface Compiled {
  sql: string;
  main: AliasPlan;
  joins: { relation: RelationMetadata; plan: AliasPlan }[];
  /** Whether it locks rows, which TypeORM does only inside a transaction. */
  locksRows: boolean;
}

/**
 * A SELECT that TypeORM's query builder writes once per data source, and that then runs as
 * plain SQL, its rows turned into entities straight from the entity metadata.
 *
 * Why: for a point read, writing the statement (aliases, property names, escaping) and turning
 * its rows into entities cost TypeORM about ten times what SQLite spends running it
 * (`pnpm bench`, see bench/FIXES.md); these reads run on every request (the credential) and
 * several times in each create. Only what such reads need is supported: whole entities, the
 * main one and many-to-one joins of it. Anything else is refused when the select is first
 * built, so a shortcut cannot quietly hydrate differently from TypeORM; the tests compare
 * every prepared select of the repositories with TypeORM's own result on each database.
 */
export class PreparedSelect<Entity extends ObjectLiteral> {
  private readonly compiled = new WeakMap<DataSource, Compiled>();

  /**
   * @param build - the query, with `:name` parameters whose values are given to each call;
   *   called once per data source (so it may depend on the dialect, e.g. to lock rows)
   */
  constructor(private readonly build: (tx: Tx) => SelectQueryBuilder<Entity>) {}

  /** The first entity the select returns, or null. */
  async getOne(tx: Tx, parameters: SelectParameters): Promise<Entity | null> {
    return (await this.getMany(tx, parameters))[0] ?? null;
  }

  /** Every entity the select returns, in its order. */
  async getMany(tx: Tx, parameters: SelectParameters): Promise<Entity[]> {
    const compiled = this.compile(tx);
    if (compiled.locksRows && tx.queryRunner?.isTransactionActive !== true) {
      throw new PessimisticLockTransactionRequiredError();
    }
    const driver = tx.connection.driver;
    const [sql, values] = driver.escapeQueryWithParameters(compiled.sql, parameters, {});
    const rows = (await tx.query(sql, values)) as Record<string, unknown>[];
    return rows.map((row) => this.hydrate(tx, compiled, row));
  }

  private compile(tx: Tx): Compiled {
    let compiled = this.compiled.get(tx.connection);
    if (compiled === undefined) {
      compiled = compileSelect(tx, this.build(tx));
      this.compiled.set(tx.connection, compiled);
    }
    return compiled;
  }

  private hydrate(tx: Tx, compiled: Compiled, row: Record<string, unknown>): Entity {
    const entity = hydrateAlias(tx, compiled.main, row) as Entity;
    for (const { relation, plan } of compiled.joins) {
      // As TypeORM does: a many-to-one join that found nothing is null.
      relation.setEntityValue(entity, hydrateAlias(tx, plan, row) ?? null);
    }
    return entity;
  }
}

/**
 * A bounded family of {@link PreparedSelect}s of one query whose text varies with its
 * arguments (which filters are present, the page size), one per variant.
 */
export class PreparedSelects<Entity extends ObjectLiteral> {
  private readonly selects = new Map<string, PreparedSelect<Entity>>();

  /** @param maxVariants - kept at most; the oldest is dropped first, as in a statement cache */
  constructor(private readonly maxVariants: number) {}

  /** The select of variant `key`; `build` must write the same text for the same key. */
  variant(key: string, build: (tx: Tx) => SelectQueryBuilder<Entity>): PreparedSelect<Entity> {
    let select = this.selects.get(key);
    if (select === undefined) {
      select = new PreparedSelect(build);
      this.selects.set(key, select);
      if (this.selects.size > this.maxVariants) {
        this.selects.delete(this.selects.keys().next().value as string);
      }
    }
    return select;
  }
}

function compileSelect<Entity extends ObjectLiteral>(
  tx: Tx,
  query: SelectQueryBuilder<Entity>,
): Compiled {
  const map = query.expressionMap;
  const main = map.mainAlias;
  if (main === undefined || !main.hasMetadata) {
    throw new Error('A prepared select needs an entity to select from.');
  }
  const unsupported =
    map.relationIdAttributes.length > 0 ||
    map.relationCountAttributes.length > 0 ||
    map.skip !== undefined ||
    map.take !== undefined ||
    map.selects.some((select) => select.aliasName !== undefined || select.selection.includes('.'));
  if (unsupported) {
    throw new Error('A prepared select takes whole entities only: no partial selects, take/skip.');
  }
  if (map.lockMode === 'optimistic') {
    throw new Error('Prepared select: optimistic locks are not supported.');
  }

  const selected = new Set(map.selects.map((select) => select.selection));
  const joins = map.joinAttributes.map((join) => {
    const relation = join.relation;
    const manyToOne = relation !== undefined && (relation.isManyToOne || relation.isOneToOneOwner);
    // A mapped join (leftJoinAndMapOne) belongs on its own property, not the relation's.
    const mapped = join.mapToProperty !== undefined;
    if (!join.isSelected || !manyToOne || mapped || join.parentAlias !== main.name) {
      throw new Error(`Prepared select: join ${join.alias.name} is not a selected many-to-one.`);
    }
    return { relation, plan: aliasPlan(tx, join.alias.name, join.metadata!) };
  });
  if (!selected.has(main.name) || joins.length !== selected.size - 1) {
    throw new Error('Prepared select: select the main entity and every joined one whole.');
  }
  const mainPlan = aliasPlan(tx, main.name, main.metadata);
  const sql = query.getQuery();
  if (
    Object.keys(query.getParameters()).length > 0 ||
    Object.keys(map.nativeParameters).length > 0
  ) {
    // Each call binds only the values it is given: values set here would be lost.
    throw new Error('Prepared select: give parameter values to each call, not to the build.');
  }
  const locksRows = map.lockMode !== undefined && map.lockMode !== 'dirty_read';
  return { sql, main: mainPlan, joins, locksRows };
}

function aliasPlan(tx: Tx, alias: string, metadata: EntityMetadata): AliasPlan {
  if (metadata.embeddeds.length > 0 || metadata.discriminatorColumn !== undefined) {
    throw new Error(`Prepared select: ${metadata.name} has embedded or inherited columns.`);
  }
  // TypeORM fires load events after hydrating; this hydration does not.
  if (metadata.afterLoadListeners.length > 0 || tx.connection.subscribers.length > 0) {
    throw new Error(`Prepared select: ${metadata.name} has load listeners or subscribers.`);
  }
  const driver = tx.connection.driver;
  const columns = metadata.columns
    .filter((column) => !column.isVirtual)
    .map((column): [string, ColumnMetadata] => [
      DriverUtils.buildAlias(driver, undefined, alias, column.databaseName),
      column,
    ]);
  return { metadata, columns };
}

/** One alias's entity from a row, or undefined when every column is null (nothing joined). */
function hydrateAlias(tx: Tx, plan: AliasPlan, row: Record<string, unknown>): object | undefined {
  const driver = tx.connection.driver;
  const entity = plan.metadata.create(undefined, { fromDeserializer: true }) as object;
  let hasData = false;
  for (const [resultColumn, column] of plan.columns) {
    const value = row[resultColumn];
    if (value === undefined) {
      continue;
    }
    hasData ||= value !== null;
    column.setEntityValue(entity, driver.prepareHydratedValue(value, column));
  }
  return hasData ? entity : undefined;
}
