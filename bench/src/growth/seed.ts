import Database from 'better-sqlite3';

import type { ScratchDatabase } from '../postgres';

/** How the seeded entitlements spread over time, relative to the moment seeding began. */
export interface Timeline {
  /** Epoch ms of the first seeded entitlement's creation. */
  startMs: number;
  /** Ms between two consecutive seeded creations. */
  stepMs: number;
  /** Epoch ms taken as "now" (future end and expiry dates are after it). */
  nowMs: number;
}

const DAY_MS = 86_400_000;

/**
 * The seeded entitlements are created over the two years before now, oldest first, evenly
 * enough that `rows` of them fit (the last one two days ago, so that every end date the plan
 * puts after a creation is already past).
 */
export function timelineFor(rows: number, nowMs = Date.now()): Timeline {
  const startMs = nowMs - 730 * DAY_MS;
  const stepMs = Math.max(1, Math.floor((728 * DAY_MS) / Math.max(rows, 1)));
  return { startMs, stepMs, nowMs };
}

/** What the seed needs from the database and from the entitlements made over HTTP. */
export interface SeedTemplate {
  /** Id of an entitlement created through the API, whose other columns every row copies. */
  entitlementId: string;
  /** Every column of `entitlement`, in the database's order. */
  columns: string[];
  /** The products of the template's route; rows alternate between the first two. */
  productKeys: [string, string];
}

/** The SQL that differs between SQLite and PostgreSQL. */
interface Dialect {
  /** What goes before INSERT: the WITH clause that defines `series`, if the dialect needs one. */
  prelude: string;
  /** The FROM item of rows `n` from parameter 1 to parameter 2 inclusive. */
  series: string;
  /** An instant `ms` epoch milliseconds (an SQL expression), as the server stores it. */
  instant(ms: string): string;
  /** A random version 4 UUID, one per row. */
  uuid: string;
  /** `value` zero-padded to `width` digits. */
  pad(value: string, width: number): string;
  /** Positional parameter `index` (1-based). */
  param(index: number): string;
  /** Positional parameter `index` holding a whole number of milliseconds. */
  ms(index: number): string;
  /** The table the template row is read from. */
  templateTable: string;
}

const SQLITE: Dialect = {
  // better-sqlite3 has no generate_series; a recursive CTE streams the same rows. It binds
  // JavaScript numbers as REAL, which would make every division below a fractional one.
  prelude:
    'WITH RECURSIVE series(n) AS (SELECT CAST(@p1 AS INTEGER) ' +
    'UNION ALL SELECT n + 1 FROM series WHERE n < @p2)',
  series: 'series',
  // TypeORM's SQLite drivers store `datetime` as UTC text with milliseconds.
  instant: (ms) => `strftime('%Y-%m-%d %H:%M:%f', (${ms}) / 1000.0, 'unixepoch')`,
  uuid:
    "lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || " +
    "substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + abs(random()) % 4, 1) || " +
    "substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))",
  pad: (value, width) => `printf('%0${width}d', ${value})`,
  // better-sqlite3 binds a parameter used twice only by name.
  param: (index) => `@p${index}`,
  ms: (index) => `@p${index}`,
  // An INSERT that reads its own table materialises every selected row in a temporary B-tree
  // before inserting any; a copy of the template row in a temporary table avoids that.
  templateTable: 'temp."growth_template"',
};

const POSTGRES: Dialect = {
  prelude: '',
  series: 'generate_series($1::bigint, $2::bigint) AS series(n)',
  instant: (ms) => `to_timestamp((${ms}) / 1000.0)`,
  uuid: 'gen_random_uuid()::text',
  pad: (value, width) => `lpad((${value})::text, ${width}, '0')`,
  param: (index) => `$${index}`,
  // Epoch milliseconds overflow the integer PostgreSQL would otherwise infer.
  ms: (index) => `$${index}::bigint`,
  templateTable: '"entitlement"',
};

// Customers come in blocks of 3 × CUSTOMER_SPREAD: the first has one entitlement, the second
// two, the third three (two per customer on average). A customer's entitlements are
// CUSTOMER_SPREAD rows apart, i.e. created some time apart, as renewals and product changes are.
const CUSTOMER_SPREAD = 100;

/**
 * The column values of seeded row `n` (0-based over the whole seed) that differ from the
 * template: everything a read filters, sorts or joins on, spread like a live platform's.
 * Parameters: 1 first n, 2 last n, 3 start ms, 4 step ms, 5 now ms, 6 and 7 the two products,
 * 8 the template's id.
 *
 * Each customer has at most one live entitlement (the sandbox route's limit): all but its last
 * are ended (cancelled, revoked or failed); its last is ACTIVE (70 %), PENDING, SUSPENDED,
 * ACTIVE-ENDING (5 % each), CANCELLED (10 %) or REVOKED (5 %). No row is still provisioning,
 * so every one is visible to the reseller. End and expiry dates in the future are beyond the
 * measurement, so the scheduler has nothing to do while it runs.
 */
function seededValues(d: Dialect): { columns: Record<string, string>; from: string } {
  const p = d.param;
  const w = CUSTOMER_SPREAD;
  const day = DAY_MS;
  // The outer SELECT also reads the template row, whose columns share these names: the plan's
  // own values are named apart.
  const [n, customer, rank, status] = ['seed_n', 'seed_customer', 'seed_rank', 'seed_status'];
  const created = `(${d.ms(3)} + ${n} * ${d.ms(4)})`;
  const ended = `${status} IN ('CANCELLED', 'REVOKED')`;
  const endedMs = `${created} + (1 + ${n} % 48) * 3600000`;
  const everActive = `${status} NOT IN ('PENDING', 'FAILED')`;
  const lastUpdatedMs =
    `CASE WHEN ${ended} THEN ${endedMs} ` +
    `WHEN ${status} IN ('ACTIVE-ENDING', 'SUSPENDED') THEN ${created} + ${day} ` +
    `WHEN ${everActive} THEN ${created} + 2000 ELSE ${created} END`;
  const nullable = (condition: string, ms: string) =>
    `CASE WHEN ${condition} THEN ${d.instant(ms)} ELSE NULL END`;

  // Innermost first: the customer of row n and the row's rank among that customer's rows.
  const slots =
    `SELECT n, (n % ${6 * w}) / ${w} AS slot, n / ${6 * w} AS block, n % ${w} AS lane ` +
    `FROM ${d.series}`;
  const customers =
    'SELECT n, customer_rank, rank_in_customer, ' +
    `(block * ${w} + lane) * 3 + customer_rank AS customer FROM (` +
    'SELECT n, block, lane, CASE WHEN slot = 0 THEN 0 WHEN slot <= 2 THEN 1 ELSE 2 END ' +
    'AS customer_rank, slot - CASE WHEN slot = 0 THEN 0 WHEN slot <= 2 THEN 1 ELSE 3 END ' +
    `AS rank_in_customer FROM (${slots}) AS slots) AS ranks`;
  const statuses =
    `SELECT n AS ${n}, customer AS ${customer}, rank_in_customer AS ${rank}, ` +
    'CASE WHEN rank_in_customer < customer_rank THEN ' +
    "CASE (n / 7) % 3 WHEN 0 THEN 'CANCELLED' WHEN 1 THEN 'REVOKED' ELSE 'FAILED' END " +
    "ELSE CASE customer % 20 WHEN 14 THEN 'PENDING' WHEN 15 THEN 'SUSPENDED' " +
    "WHEN 16 THEN 'ACTIVE-ENDING' WHEN 17 THEN 'CANCELLED' WHEN 18 THEN 'CANCELLED' " +
    `WHEN 19 THEN 'REVOKED' ELSE 'ACTIVE' END END AS ${status} FROM (${customers}) AS customers`;

  const columns: Record<string, string> = {
    id: d.uuid,
    customer_identifier: `'growth-customer-' || ${d.pad(customer, 8)}`,
    shared_customer_id: `'sc_growth' || ${d.pad(customer, 11)}`,
    merchant_entitlement_id: `'dm_growth' || ${d.pad(n, 8)}`,
    product_key: `CASE WHEN ${rank} % 2 = 0 THEN ${p(6)} ELSE ${p(7)} END`,
    status,
    date_created: d.instant(created),
    date_activated: nullable(everActive, `${created} + 2000`),
    date_suspended: nullable(`${status} = 'SUSPENDED'`, `${created} + ${day}`),
    date_resumed: 'NULL',
    date_ended:
      `CASE WHEN ${ended} THEN ${d.instant(endedMs)} ` +
      `WHEN ${status} = 'ACTIVE-ENDING' THEN ${d.instant(`${d.ms(5)} + ${30 * day}`)} ` +
      'ELSE NULL END',
    date_expiry: nullable(
      `${status} = 'ACTIVE' AND ${customer} % 5 = 0`,
      `${d.ms(5)} + ${365 * day}`,
    ),
    date_last_updated: d.instant(lastUpdatedMs),
    version: `CASE WHEN ${status} IN ('ACTIVE', 'PENDING', 'FAILED') THEN 1 ELSE 2 END`,
    reason_category:
      `CASE ${status} WHEN 'CANCELLED' THEN 'CUSTOMER_CANCELLED' WHEN 'REVOKED' THEN 'REVOKED' ` +
      'ELSE NULL END',
    reason_code:
      `CASE ${status} WHEN 'CANCELLED' THEN 'NOT_RENEWED' ` +
      "WHEN 'REVOKED' THEN 'ACCOUNT_TERMINATED' ELSE NULL END",
    reason_description: 'NULL',
    create_request_id: `'growth-create-' || ${n}`,
  };
  return { columns, from: `(${statuses}) AS seeded` };
}

/**
 * The INSERT … SELECT that adds rows `$1`…`$2` of the plan (every column the plan does not set
 * is copied from the template row `$8`), and the one that gives each new customer its shared
 * customer id on the route, as the server does on a customer's first create.
 */
function insertSql(d: Dialect, template: SeedTemplate): { entitlements: string; shared: string } {
  const { columns, from } = seededValues(d);
  const select = template.columns.map((column) =>
    column in columns ? `${columns[column]} AS "${column}"` : `template."${column}"`,
  );
  const list = template.columns.map((column) => `"${column}"`).join(', ');
  const join =
    `FROM ${from} CROSS JOIN ${d.templateTable} AS template ` +
    `WHERE template."id" = ${d.param(8)}`;
  return {
    entitlements:
      `${d.prelude} INSERT INTO "entitlement" (${list}) SELECT ${select.join(', ')} ` + join,
    shared:
      `${d.prelude} INSERT INTO "shared_customer" ` +
      '("route_id", "customer_identifier", "shared_customer_id", "created_at") ' +
      `SELECT template."route_id", ${columns.customer_identifier}, ` +
      `${columns.shared_customer_id}, ${columns.date_created} ${join} AND seed_rank = 0`,
  };
}

/** The parameters of {@link insertSql} for rows `from`…`to - 1`. */
function parameters(template: SeedTemplate, timeline: Timeline, from: number, to: number) {
  const [first, second] = template.productKeys;
  const { startMs, stepMs, nowMs } = timeline;
  return [from, to - 1, startMs, stepMs, nowMs, first, second, template.entitlementId];
}

/** Reads the template's columns and route products from an SQLite database file. */
export function sqliteTemplate(file: string, entitlementId: string): SeedTemplate {
  const db = new Database(file, { readonly: true });
  try {
    const columns = db
      .prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('entitlement')`)
      .all()
      .map((row) => row.name);
    const route = db
      .prepare<[string], { product_keys: string }>(
        'SELECT route.product_keys FROM entitlement ' +
          'JOIN route ON route.id = entitlement.route_id WHERE entitlement.id = ?',
      )
      .get(entitlementId);
    return { entitlementId, columns, productKeys: productPair(route?.product_keys) };
  } finally {
    db.close();
  }
}

/** Reads the template's columns and route products from a PostgreSQL database. */
export async function postgresTemplate(
  db: ScratchDatabase,
  entitlementId: string,
): Promise<SeedTemplate> {
  const columns = await db.query<{ column_name: string }>(
    'SELECT column_name FROM information_schema.columns ' +
      "WHERE table_schema = current_schema() AND table_name = 'entitlement' " +
      'ORDER BY ordinal_position',
  );
  const routes = await db.query<{ product_keys: string }>(
    'SELECT route.product_keys FROM entitlement JOIN route ON route.id = entitlement.route_id ' +
      'WHERE entitlement.id = $1',
    [entitlementId],
  );
  return {
    entitlementId,
    columns: columns.map((row) => row.column_name),
    productKeys: productPair(routes[0]?.product_keys),
  };
}

function productPair(json: string | undefined): [string, string] {
  const keys = JSON.parse(json ?? '[]') as string[];
  const first = keys[0];
  if (first === undefined) {
    throw new Error("the template entitlement's route lists no product");
  }
  return [first, keys[1] ?? first];
}

/**
 * Adds plan rows `from`…`to - 1` to the SQLite file, in one transaction, while no server has it
 * open.
 */
export function seedSqlite(
  file: string,
  template: SeedTemplate,
  timeline: Timeline,
  from: number,
  to: number,
): void {
  const db = new Database(file);
  try {
    // A scratch file nobody else has open: a rollback journal without fsync writes each page
    // once, where WAL would write it to the log and again at the checkpoint. The server puts
    // the file back in WAL mode when it opens it.
    db.pragma('journal_mode = DELETE');
    db.pragma('synchronous = OFF');
    // The random UUID keys land all over the primary key's B-tree: keep it in memory.
    db.pragma('cache_size = -262144');
    // Every reference is copied from a row the server wrote (see seedPostgres).
    db.pragma('foreign_keys = OFF');
    db.prepare(
      'CREATE TEMP TABLE "growth_template" AS SELECT * FROM "entitlement" WHERE "id" = ?',
    ).run(template.entitlementId);
    const sql = insertSql(SQLITE, template);
    const values = parameters(template, timeline, from, to);
    db.transaction(() => {
      const named = Object.fromEntries(values.map((value, index) => [`p${index + 1}`, value]));
      db.prepare(sql.entitlements).run(named);
      db.prepare(sql.shared).run(named);
    })();
    db.pragma('journal_mode = WAL');
  } finally {
    db.close();
  }
}

/**
 * Adds plan rows `from`…`to - 1` to the PostgreSQL database, then vacuums and analyzes the
 * tables as autovacuum would soon do on its own (it could otherwise start in the middle of a
 * measurement).
 */
export async function seedPostgres(
  db: ScratchDatabase,
  template: SeedTemplate,
  timeline: Timeline,
  from: number,
  to: number,
): Promise<void> {
  const sql = insertSql(POSTGRES, template);
  const values = parameters(template, timeline, from, to);
  // Every reference is copied from a row the server wrote, so checking each of the 10⁶ rows'
  // three foreign keys would only slow the seed down (by about a third). Disabling the
  // constraint triggers needs a superuser: without one, the rows are checked.
  const tables = ['entitlement', 'shared_customer'];
  const skipChecks = await setTriggers(db, tables, 'DISABLE');
  try {
    await db.query(...onlyUsed(sql.entitlements, values));
    await db.query(...onlyUsed(sql.shared, values));
  } finally {
    if (skipChecks) {
      await setTriggers(db, tables, 'ENABLE');
    }
  }
  await db.query('VACUUM (ANALYZE) "entitlement", "shared_customer"');
}

async function setTriggers(
  db: ScratchDatabase,
  tables: string[],
  action: 'ENABLE' | 'DISABLE',
): Promise<boolean> {
  try {
    for (const table of tables) {
      await db.query(`ALTER TABLE "${table}" ${action} TRIGGER ALL`);
    }
    return true;
  } catch {
    return false;
  }
}

// PostgreSQL refuses a parameter a statement never uses (it cannot tell its type): keep the
// used ones, renumbered in order.
function onlyUsed(sql: string, values: unknown[]): [string, unknown[]] {
  const used: unknown[] = [];
  const renumbered = new Map<string, string>();
  const text = sql.replace(/\$(\d+)/g, (match, index: string) => {
    if (!renumbered.has(index)) {
      used.push(values[Number(index) - 1]);
      renumbered.set(index, `$${used.length}`);
    }
    return renumbered.get(index) ?? match;
  });
  return [text, used];
}
