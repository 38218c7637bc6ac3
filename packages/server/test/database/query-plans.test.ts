import assert from 'node:assert/strict';
import type { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';

import { ReportRepository } from '../../src/reports/report.repository';
import { ReportService } from '../../src/reports/report.service';
import { encodeCursor } from '../../src/services/paging';
import type { ApiResponse } from '../helpers/api-client';
import { createBody, useApiWorld } from '../helpers/api-world';
import { describeEachDatabase, type TestDatabase } from '../helpers/databases';
import {
  describePlan,
  type ExplainedStatement,
  explain,
  isPlannable,
  type PlanStep,
  reads,
  StatementRecorder,
} from '../helpers/query-plans';
import { Receiver } from '../notifications/helpers/receiver';
import { type StoredEntitlements, storeEntitlements } from './helpers/stored-entitlements';

type Body = Record<string, unknown>;

/**
 * Rows stored before the operations run. SQLite plans without statistics, so any size shows its
 * choices; PostgreSQL plans from ANALYZE's statistics and needs enough rows to prefer an index
 * to reading the whole table.
 */
const STORED = 3000;

/** The partial index of rows still provisioning: the stale-create sweep's, and only its. */
const PROVISIONING_INDEX = 'IDX_entitlement_provisioning';

/** The scheduler's sweeps, by the column their claim compares with the instant that is due. */
const SWEEP_COLUMNS = {
  date_ended: 'period ends',
  date_expiry: 'expiries',
  date_created: 'stale creates',
} as const;

/** The index each sweep's claim seeks its date in. */
const SWEEP_INDEXES = {
  date_ended: 'IDX_entitlement_status_ended',
  date_expiry: 'IDX_entitlement_expiry',
  date_created: PROVISIONING_INDEX,
} as const;

/**
 * Which sweep a statement claims rows for, if it is a claim (`EntitlementRepository.claimDue`):
 * `WHERE "entitlement"."date_ended" <= ?` and so on.
 */
function sweepOf(statement: ExplainedStatement): keyof typeof SWEEP_COLUMNS | undefined {
  const match = /\."?(date_ended|date_expiry|date_created)"?\s*<=/.exec(statement.sql);
  return match === null ? undefined : (match[1] as keyof typeof SWEEP_COLUMNS);
}

/**
 * Guards the plans of the hot paths against growing with the table: the real operations run
 * (over HTTP, or through the real services where no request reaches them) on a database
 * holding {@link STORED} entitlements; every statement they send is recorded from TypeORM's
 * logger and the database is asked how it runs it, with the same parameters
 * (`EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN (FORMAT JSON)` after ANALYZE on PostgreSQL).
 *
 * Every statement that reads `entitlement` must not scan the table (SQLite `SCAN`, with or
 * without an index: it walks the whole of it; PostgreSQL `Seq Scan`), and none may use
 * {@link PROVISIONING_INDEX} but the stale-create sweep (when that index covered every row,
 * SQLite, which keeps no statistics, took it for visible reads and walked the whole table).
 * Keyset pages with a cursor must seek straight to the position with the row value (SQLite
 * `(date_created,id)>(?,?)`, PostgreSQL `ROW(...) > ROW(...)` in the index condition), not walk
 * their index from its start. Nothing is timed: only plans are compared.
 */
describeEachDatabase('query plans with thousands of entitlements', (db) => {
  // No background passes: the test's own sweep is to find the due rows.
  const suite = useApiWorld(db, {
    SCHEDULER_INTERVAL_MS: '3600000',
    NOTIFICATION_POLL_INTERVAL_MS: '60000',
  });
  let receiver: Receiver;
  let recorder: StatementRecorder;
  let stored: StoredEntitlements;

  before(async function () {
    this.timeout(60_000);
    const { resellerA } = suite.world;
    receiver = await new Receiver().start();
    const template = ok(await resellerA.post('/v1/entitlement', createBody()));
    stored = await storeEntitlements(suite.server.services, String(template.entitlementId), STORED);
    // Two changes of an entitlement with a notification URL: two deliveries to page through.
    const notified = ok(
      await resellerA.post('/v1/entitlement', { ...createBody(), notificationUrl: receiver.url() }),
    );
    for (const name of ['first', 'second']) {
      const path = `/v1/entitlement/${String(notified.entitlementId)}`;
      ok(await resellerA.patch(path, { entitlementDisplayName: name }));
    }
    if (db.kind === 'postgres') {
      await suite.server.dataSource.query('ANALYZE');
    }
    recorder = new StatementRecorder(suite.server.dataSource);
  });

  after(async () => {
    recorder?.detach();
    await receiver?.stop();
  });

  /**
   * The statements `work` sent (reads, updates and deletes), each with its plan, after checking
   * the rules every statement keeps.
   */
  async function plansOf(work: () => Promise<unknown>): Promise<ExplainedStatement[]> {
    const statements = (await recorder.record(work)).filter(isPlannable);
    const explained: ExplainedStatement[] = [];
    for (const statement of statements) {
      const plan = await suite.server.services.transactions.read((tx) => explain(tx, statement));
      explained.push({ ...statement, plan });
    }
    for (const statement of explained) {
      assertNoFullScan(db, statement);
      if (sweepOf(statement) !== 'date_created') {
        const uses = statement.plan.some((step) => step.index === PROVISIONING_INDEX);
        assert.ok(
          !uses,
          `Only the stale-create sweep may use ${PROVISIONING_INDEX}:\n${describePlan(statement)}`,
        );
      }
    }
    return explained;
  }

  /** The statements of `statements` that read `table` a page at a time (ORDER BY ... LIMIT). */
  function pagesOf(statements: ExplainedStatement[], table: string): ExplainedStatement[] {
    const pages = statements.filter(
      (statement) => reads(statement, table) && /\bORDER BY\b.*\bLIMIT\b/s.test(statement.sql),
    );
    assert.ok(pages.length > 0, `No page of ${table} was read`);
    return pages;
  }

  it('creates: the lookup of an identical PENDING entitlement seeks the customer', async () => {
    const { resellerA } = suite.world;
    const premium = createBody('MUSIC_PREMIUM', stored.customerOfResellerA);
    const statements = await plansOf(async () => {
      ok(await resellerA.post('/v1/entitlement', createBody()));
      ok(await resellerA.post('/v1/entitlement', premium), 202);
      ok(await resellerA.post('/v1/entitlement', premium), 202); // the re-ask finds it
    });

    const lookups = statements.filter((statement) => /create_fingerprint"? = /.test(statement.sql));
    assert.equal(lookups.length, 3);
    for (const lookup of lookups) {
      assertSeeks(lookup, 'entitlement', /customer_identifier/);
    }
  });

  it("reads an entitlement by id, and a customer's entitlements", async () => {
    const { resellerA, merchantA } = suite.world;
    const id = stored.middleOfResellerA.id;
    const statements = await plansOf(async () => {
      ok(await resellerA.get(`/v1/entitlement/${id}`));
      ok(await merchantA.get(`/merchant/v1/entitlement/${id}`));
      const customer = encodeURIComponent(stored.customerOfResellerA);
      ok(await resellerA.get(`/v1/entitlement?customerIdentifier=${customer}`));
      ok(
        await resellerA.post('/v1/entitlement/report', {
          customerIdentifier: stored.customerOfResellerA,
        }),
      );
    });

    const byCustomer = statements.filter((statement) =>
      /"entitlement"\."customer_identifier" = /.test(statement.sql),
    );
    assert.equal(byCustomer.length, 2);
    for (const statement of byCustomer) {
      assertSeeks(statement, 'entitlement', /customer_identifier/);
    }
  });

  it('pages deep into the reseller, merchant and operator lists with a cursor', async () => {
    const { resellerA, merchantA, admin } = suite.world;
    const after = (position: StoredEntitlements['middle']) => encodeCursor(position);
    const statements = await plansOf(async () => {
      ok(await resellerA.get(`/v1/entitlement?limit=20&cursor=${after(stored.middleOfResellerA)}`));
      const merchantCursor = after(stored.middleOfMerchantA);
      ok(await merchantA.get(`/merchant/v1/entitlement?limit=20&cursor=${merchantCursor}`));
      ok(await admin.get(`/admin/v1/entitlements?limit=20&cursor=${after(stored.middle)}`));
    });

    const pages = pagesOf(statements, 'entitlement');
    assert.equal(pages.length, 3);
    for (const page of pages) {
      assertSeeksRowValue(page, 'entitlement');
    }
  });

  it("reads the first page of a merchant's list and of the operator's search", async () => {
    const { merchantA, admin } = suite.world;
    const statements = await plansOf(async () => {
      ok(await merchantA.get('/merchant/v1/entitlement?limit=20'));
      ok(await admin.get('/admin/v1/entitlements?limit=20&resellerKey=TELCO_A'));
    });

    assert.equal(pagesOf(statements, 'entitlement').length, 2);
  });

  it('sweeps due period ends, expiries and stale creates', async () => {
    let changed = 0;
    const statements = await plansOf(async () => {
      changed = await suite.server.services.scheduler.runOnce();
    });

    const { periodEnds, expiries, staleCreates } = stored.due;
    assert.equal(changed, periodEnds + expiries + staleCreates);
    for (const column of Object.keys(SWEEP_COLUMNS)) {
      const claims = statements.filter((statement) => sweepOf(statement) === column);
      assert.ok(
        claims.length > 0,
        `No claim of the ${SWEEP_COLUMNS[column as keyof typeof SWEEP_COLUMNS]} sweep`,
      );
    }
    // Each claim seeks its date in the index made for the sweep: due rows are few, whatever
    // the number of live ones.
    for (const [column, index] of Object.entries(SWEEP_INDEXES)) {
      for (const claim of statements.filter((statement) => sweepOf(statement) === column)) {
        assertSeeks(claim, 'entitlement', new RegExp(column), index);
      }
    }
  });

  it('reads the AR and ER reports in keyset pages', async function () {
    this.timeout(60_000);
    // The service the export routes use, with pages far smaller than the table as they are in
    // production (500 rows of 3000 would make PostgreSQL rightly read the whole table).
    const reports = new ReportService({
      transactions: suite.server.services.transactions,
      repository: new ReportRepository(),
      pageSize: 50,
    });
    const minute = 60_000;
    const from = new Date(stored.from.getTime() + (STORED / 2) * minute);
    const queries = [
      { type: 'AR', from: stored.from, to: new Date(), resellerKey: 'TELCO_A' },
      { type: 'ER', from, to: new Date(from.getTime() + 400 * minute) },
    ] as const;

    for (const query of queries) {
      // The first page is read when the export starts; the rest while the body is read.
      let body: Readable | undefined;
      const first = await plansOf(async () => {
        const started = await reports.exportReport({
          ...query,
          from: query.from.toISOString(),
          to: query.to.toISOString(),
        });
        body = started.body;
      });
      const deeper = await plansOf(() => text(body!));

      assert.equal(pagesOf(first, 'entitlement').length, 1, query.type);
      assert.ok(pagesOf(deeper, 'entitlement').length > 2, query.type);
      // AR pages entitlements; ER (like CR) pages events.
      const table = query.type === 'AR' ? 'entitlement' : 'entitlement_event';
      for (const page of pagesOf(deeper, table)) {
        assertSeeksRowValue(page, table);
      }
    }
  });

  it("pages through the operator's list of deliveries with a cursor", async () => {
    const { admin } = suite.world;
    let cursor = '';
    const firstPage = await plansOf(async () => {
      const page = ok(await admin.get('/admin/v1/notificationDeliveries?limit=1'));
      cursor = String(page.nextCursor);
    });
    const deepPage = await plansOf(async () => {
      ok(await admin.get(`/admin/v1/notificationDeliveries?limit=1&cursor=${cursor}`));
    });

    // The list's pages, newest first (the dispatcher's reads, should one poll meanwhile, are
    // in queue order).
    const listPages = (statements: ExplainedStatement[]) =>
      pagesOf(statements, 'notification_delivery').filter((statement) =>
        /ORDER BY "?\w+"?\."?created_at"? DESC/.test(statement.sql),
      );
    assert.equal(listPages(firstPage).length, 1);
    const deep = listPages(deepPage);
    assert.equal(deep.length, 1);
    // PostgreSQL reads a table of a few rows whole, as it should.
    if (db.kind === 'sqlite') {
      assertSeeksRowValue(deep[0]!, 'notification_delivery');
    }
  });
});

/** No step reads the whole of `entitlement`. */
function assertNoFullScan(db: TestDatabase, statement: ExplainedStatement): void {
  if (!reads(statement, 'entitlement')) {
    return;
  }
  const fullScan = db.kind === 'postgres' ? 'Seq Scan' : 'SCAN';
  const scans = statement.plan.filter(
    (step) => step.table === 'entitlement' && step.access === fullScan,
  );
  assert.deepEqual(scans, [], `A full scan of entitlement:\n${describePlan(statement)}`);
}

/** Some step reads `table` by seeking what `seek` matches (in `index`, when given). */
function assertSeeks(
  statement: ExplainedStatement,
  table: string,
  seek: RegExp,
  index?: string,
): void {
  const seeks = (step: PlanStep) =>
    step.table === table &&
    step.seek !== null &&
    seek.test(step.seek) &&
    (index === undefined || step.index === index);
  const where = index === undefined ? '' : ` in ${index}`;
  assert.ok(
    statement.plan.some(seeks),
    `No seek of ${table} for ${String(seek)}${where}:\n${describePlan(statement)}`,
  );
}

/** Some step reads `table` from the position of a row-value comparison on, in an index. */
function assertSeeksRowValue(statement: ExplainedStatement, table: string): void {
  // SQLite: `(date_created,id)>(?,?)`; PostgreSQL: `ROW(date_created, (id)::text) > ROW(...)`.
  assertSeeks(statement, table, /\(\w+,\w+\)[<>]\(|ROW\(.*\) [<>] ROW\(/);
}

function ok(response: ApiResponse<Body>, status = 200): Body {
  assert.equal(response.status, status, JSON.stringify(response.body));
  return response.body;
}
