import type { DataSource, EntityManager } from 'typeorm';

import { dialectOf } from '../../src/database/dialect';

/** One SQL statement as TypeORM sent it to the driver, with its bound parameters. */
export interface Statement {
  sql: string;
  parameters: unknown[];
}

/**
 * Records the statements a data source sends while {@link StatementRecorder.record} runs. It
 * wraps `logQuery` of the data source's TypeORM logger, which every query runner of both SQLite
 * drivers and of PostgreSQL calls with the exact SQL and parameters before executing them.
 * Statements of background work running meanwhile (the notification dispatcher) are recorded
 * too; they have to satisfy the same rules.
 */
export class StatementRecorder {
  private recording: Statement[] | undefined;
  private readonly detachFromLogger: () => void;

  constructor(dataSource: DataSource) {
    const logger = dataSource.logger;
    const logQuery = logger.logQuery;
    logger.logQuery = (query, parameters, queryRunner) => {
      this.recording?.push({ sql: query, parameters: [...(parameters ?? [])] });
      logQuery.call(logger, query, parameters, queryRunner);
    };
    this.detachFromLogger = () => {
      logger.logQuery = logQuery;
    };
  }

  /** The statements sent while `work` ran. */
  async record(work: () => Promise<unknown>): Promise<Statement[]> {
    if (this.recording !== undefined) {
      throw new Error('StatementRecorder.record does not nest');
    }
    const statements: Statement[] = [];
    this.recording = statements;
    try {
      await work();
    } finally {
      this.recording = undefined;
    }
    return statements;
  }

  detach(): void {
    this.detachFromLogger();
  }
}

/**
 * One step of a query plan.
 * - SQLite: a line of `EXPLAIN QUERY PLAN` (`SCAN`/`SEARCH`, or e.g. `USE TEMP B-TREE`);
 * - PostgreSQL: a node of `EXPLAIN (FORMAT JSON)` (`Seq Scan`, `Index Scan`, `Limit`...).
 */
export interface PlanStep {
  /** `SCAN`, `SEARCH` (SQLite), the node type (PostgreSQL), else the line's first word. */
  access: string;
  /** The table the step reads, when it reads one and the name is known. */
  table: string | null;
  /** The index the step uses. */
  index: string | null;
  /**
   * What the step seeks in its index: SQLite's constraint in parentheses
   * (`reseller_id=? AND (date_created,id)>(?,?)`), PostgreSQL's `Index Cond`; null for none.
   */
  seek: string | null;
  /** SQLite: the line as printed; PostgreSQL: the node type, relation, index and conditions. */
  detail: string;
}

/** A recorded statement with its plan. */
export interface ExplainedStatement extends Statement {
  plan: PlanStep[];
}

/** Statements that have a plan worth asking for: reads, updates and deletes. */
export function isPlannable(statement: Statement): boolean {
  return /^\s*(SELECT|UPDATE|DELETE|WITH)\b/i.test(statement.sql);
}

/** Whether the statement reads `table` (in a FROM, a JOIN or as the target of UPDATE/DELETE). */
export function reads(statement: Statement, table: string): boolean {
  return [...tableAliases(statement.sql).values()].includes(table);
}

/**
 * Asks the database how it runs `statement`, with the same parameters, through `tx` (on
 * SQLite that is the server's one connection, so `EXPLAIN QUERY PLAN` sees the same schema and
 * the same lack of statistics as the server's own queries).
 */
export async function explain(tx: EntityManager, statement: Statement): Promise<PlanStep[]> {
  if (dialectOf(tx.connection) === 'postgres') {
    const rows = (await tx.query(
      `EXPLAIN (FORMAT JSON) ${statement.sql}`,
      statement.parameters,
    )) as {
      'QUERY PLAN': unknown;
    }[];
    const json = rows[0]?.['QUERY PLAN'];
    const document = (typeof json === 'string' ? JSON.parse(json) : json) as [{ Plan: PgNode }];
    return postgresSteps(document[0].Plan, null);
  }
  const rows = (await tx.query(`EXPLAIN QUERY PLAN ${statement.sql}`, statement.parameters)) as {
    detail: string;
  }[];
  const aliases = tableAliases(statement.sql);
  return rows.map((row) => sqliteStep(row.detail, aliases));
}

/** A statement and its plan, printed for an assertion message. */
export function describePlan(statement: ExplainedStatement): string {
  const parameters = JSON.stringify(statement.parameters);
  const plan = statement.plan.map((step) => `    ${step.detail}`).join('\n');
  // The column lists of TypeORM's SELECTs say nothing about the plan.
  const sql = statement.sql.replace(/^SELECT .*? FROM /s, 'SELECT … FROM ');
  return `  ${sql}\n  -- parameters ${parameters}\n  -- plan:\n${plan}`;
}

// `SCAN x`, `SEARCH x USING INDEX i (a=? AND b>?)`, `SEARCH x USING COVERING INDEX i (...)`,
// `SCAN x USING INDEX i`, `SEARCH x USING INTEGER PRIMARY KEY (rowid=?)`, with `x` the alias.
const SQLITE_INDEX = String.raw`(?:AUTOMATIC )?(?:PARTIAL )?(?:COVERING )?INDEX (\S+)`;
const SQLITE_STEP = new RegExp(
  String.raw`^(SCAN|SEARCH) (\S+)(?: USING (?:${SQLITE_INDEX})?[^(]*)?(?:\((.*)\))?`,
);

function sqliteStep(detail: string, aliases: Map<string, string>): PlanStep {
  const match = SQLITE_STEP.exec(detail);
  if (match === null) {
    return { access: detail.split(' ')[0] ?? detail, table: null, index: null, seek: null, detail };
  }
  const [, access, name, index, seek] = match;
  const table = aliases.get(name!) ?? name!;
  return { access: access!, table, index: index ?? null, seek: seek ?? null, detail };
}

interface PgNode {
  'Node Type': string;
  'Relation Name'?: string;
  Alias?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  'Recheck Cond'?: string;
  Filter?: string;
  Plans?: PgNode[];
}

// A Bitmap Index Scan names no relation: it reads the index of its Bitmap Heap Scan's table.
function postgresSteps(node: PgNode, parentTable: string | null): PlanStep[] {
  const table = node['Relation Name'] ?? (node['Index Name'] === undefined ? null : parentTable);
  const parts = [node['Node Type']];
  if (node['Relation Name'] !== undefined) {
    parts.push(`on ${node['Relation Name']} ${node.Alias ?? ''}`.trimEnd());
  }
  if (node['Index Name'] !== undefined) {
    parts.push(`using ${node['Index Name']}`);
  }
  for (const key of ['Index Cond', 'Recheck Cond', 'Filter'] as const) {
    if (node[key] !== undefined) {
      parts.push(`${key}: ${node[key]}`);
    }
  }
  const step: PlanStep = {
    access: node['Node Type'],
    table,
    index: node['Index Name'] ?? null,
    seek: node['Index Cond'] ?? null,
    detail: parts.join(' '),
  };
  return [step, ...(node.Plans ?? []).flatMap((child) => postgresSteps(child, table))];
}

// Words that may follow a table name where no alias is given.
const NOT_AN_ALIAS = new Set([
  'WHERE',
  'SET',
  'INNER',
  'LEFT',
  'RIGHT',
  'FULL',
  'CROSS',
  'JOIN',
  'ON',
  'ORDER',
  'GROUP',
  'LIMIT',
  'OFFSET',
  'FOR',
  'UNION',
  'HAVING',
  'RETURNING',
  'VALUES',
]);

/**
 * The tables a statement names, by the alias SQLite's plan calls them (`FROM "entitlement"
 * "entitlement"`, `JOIN entitlement e`, `FROM entitlement_event AS x`, `UPDATE "entitlement"`).
 */
function tableAliases(sql: string): Map<string, string> {
  const aliases = new Map<string, string>();
  const pattern =
    /\b(?:FROM|JOIN|UPDATE)\s+"?([A-Za-z_]\w*)"?(?:\s+(?:AS\s+)?"?([A-Za-z_]\w*)"?)?/gi;
  for (const [, table, alias] of sql.matchAll(pattern)) {
    const named = alias !== undefined && !NOT_AN_ALIAS.has(alias.toUpperCase());
    aliases.set(named ? alias : table!, table!);
  }
  return aliases;
}
