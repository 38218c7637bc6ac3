import assert from 'node:assert/strict';
import { text } from 'node:stream/consumers';

import { parse } from 'csv-parse/sync';

import type { components } from '../../src/generated/contract';
import { ReportRepository } from '../../src/reports/report.repository';
import { ReportService } from '../../src/reports/report.service';
import { ApiClient } from '../helpers/api-client';
import { ADMIN_TOKEN, useApiWorld } from '../helpers/api-world';
import { describeEachDatabase } from '../helpers/databases';
import {
  AWKWARD,
  type Receivers,
  type Seeded,
  seedReportWorld,
  type SeedName,
  startReceivers,
} from './helpers/report-world';

type Schemas = components['schemas'];
type SummaryReport = Schemas['SummaryReport'];

const ENTITLEMENT_HEADER = [
  'ResellerCustomerId',
  'EntitlementId',
  'Status',
  'MerchantAccountKey',
  'MerchantEntitlementId',
  'ProductKey',
  'DisplayName',
  'CreatedDate',
  'ActivatedDate',
  'SuspendedDate',
  'ExpiryDate',
  'LastUpdated',
  'EndDate',
  'ExtensionData',
  'ResellerKey',
];
const EVENT_HEADER = [...ENTITLEMENT_HEADER, 'EventReason', 'Sequence', 'Version', 'OccurredAt'];
const SUMMARY_HEADER = [
  'ResellerKey',
  'MerchantAccountKey',
  'ProductKey',
  'Pending',
  'Active',
  'Active-Ending',
  'Suspended',
  'Cancelled',
  'Revoked',
  'Failed',
  'Total',
  'Activations',
  'Cancellations',
  'Changes',
];
const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Every status at 0, then `counts`. */
function statuses(counts: Record<string, number>): Record<string, number> {
  const zero = [
    'PENDING',
    'ACTIVE',
    'ACTIVE-ENDING',
    'SUSPENDED',
    'CANCELLED',
    'REVOKED',
    'FAILED',
  ];
  return { ...Object.fromEntries(zero.map((status) => [status, 0])), ...counts };
}

/** A parsed CSV answer. */
interface Csv {
  status: number;
  headers: Headers;
  raw: string;
  header: string[];
  records: Record<string, string>[];
}

function parseCsv(raw: string): Pick<Csv, 'header' | 'records'> {
  const [header = []] = parse(raw, { to_line: 1 }) as string[][];
  const records = parse(raw, { columns: true }) as Record<string, string>[];
  return { header, records };
}

describeEachDatabase('reports over HTTP', (db) => {
  const suite = useApiWorld(db, { NOTIFICATION_POLL_INTERVAL_MS: '20' });
  let receivers: Receivers | undefined;
  let seeded: Seeded;
  let period: string;

  before(async function () {
    this.timeout(60_000);
    receivers = await startReceivers();
    seeded = await seedReportWorld(suite, receivers);
    period = `from=${seeded.from.toISOString()}&to=${seeded.to.toISOString()}`;
  });

  after(async () => {
    await Promise.all(Object.values(receivers ?? {}).map((receiver) => receiver.stop()));
  });

  const summary = async (query = '') => {
    const response = await suite.world.admin.get<SummaryReport>(
      `/admin/v1/reports/summary?${period}${query}`,
    );
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body;
  };

  const exportCsv = async (type: string, query = ''): Promise<Csv> => {
    const response = await suite.server.request(
      `/admin/v1/reports/export?type=${type}&${period}${query}`,
      { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } },
    );
    const raw = await response.text();
    assert.equal(response.status, 200, raw);
    return { status: response.status, headers: response.headers, raw, ...parseCsv(raw) };
  };

  const idsOf = (records: Record<string, string>[]) => records.map((row) => row.EntitlementId);
  const named = (...names: SeedName[]) => names.map((name) => seeded.ids[name]);
  const byId = (records: Record<string, string>[]) =>
    new Map(records.map((row) => [row.EntitlementId, row]));

  describe('getSummaryReport', () => {
    it('counts current statuses and period activity per reseller, merchant, product', async () => {
      const report = await summary();

      assert.equal(report.from, seeded.from.toISOString());
      assert.equal(report.to, seeded.to.toISOString());
      assert.deepEqual(report.rows, [
        {
          resellerKey: 'TELCO_A',
          merchantAccountKey: 'MUSIC_A',
          productKey: 'MUSIC',
          // A0 suspended, A9 and A7 active, A2 ending, A1 (revoked after the period), A3, A6.
          countsByStatus: statuses({ ACTIVE: 2, 'ACTIVE-ENDING': 1, SUSPENDED: 1, REVOKED: 3 }),
          activations: 4, // A1, A2, A3, A6 created ACTIVE
          cancellations: 3, // A2 scheduled, A3 revoked, A6 scheduled (its revoke: no second)
          changes: 3, // A0 suspended, A1 and A9 data
        },
        {
          resellerKey: 'TELCO_A',
          merchantAccountKey: 'MUSIC_A',
          productKey: 'MUSIC_PREMIUM',
          countsByStatus: statuses({ ACTIVE: 3 }),
          activations: 2, // A4, A8; A5 activated after the period
          cancellations: 0,
          changes: 0,
        },
        {
          resellerKey: 'TELCO_B',
          merchantAccountKey: 'MUSIC_A',
          productKey: 'MUSIC',
          countsByStatus: statuses({ FAILED: 1 }),
          activations: 0,
          cancellations: 0,
          changes: 0,
        },
        {
          resellerKey: 'TELCO_B',
          merchantAccountKey: 'MUSIC_B',
          productKey: 'VIDEO',
          countsByStatus: statuses({ ACTIVE: 1 }),
          activations: 1,
          cancellations: 0,
          changes: 0,
        },
      ]);
    });

    it('measures the activation funnel from the events, with the median in seconds', async () => {
      const millisToActivate = async (name: SeedName) => {
        const { body } = await suite.world.resellerA.get<Schemas['EntitlementEventList']>(
          `/v1/entitlement/${seeded.ids[name]}/events`,
        );
        const at = (reason: string) =>
          Date.parse(body.events.find((event) => event.reason === reason)!.occurredAt);
        return at('ACTIVATION_SUCCESS') - at('ENTITLEMENT_CREATED');
      };
      const a4 = await millisToActivate('A4');
      const a8 = await millisToActivate('A8');

      const { funnel } = await summary();

      assert.deepEqual(funnel, {
        createdPending: 3, // A4, A5, A8
        activated: 2, // A5 only after the period
        activationRate: 2 / 3,
        medianSecondsToActivate: (a4 + a8) / 2 / 1000,
      });
      const only = await summary(`&resellerKey=TELCO_B`);
      assert.deepEqual(only.funnel, {
        createdPending: 0,
        activated: 0,
        activationRate: 0,
        medianSecondsToActivate: null,
      });
    });

    it('reports delivery health of the period and the disabled endpoints', async () => {
      const { deliveries } = await summary();

      // Delivered: A0, A9, A1, A2, A4, A8; failed: A3's revoke (410); waiting: A6's two (503).
      assert.deepEqual(deliveries, {
        delivered: 6,
        pending: 2,
        failed: 1,
        disabledEndpoints: [receivers!.gone.url()],
      });
      const elsewhere = await summary('&merchantAccountKey=MUSIC_B');
      assert.deepEqual(elsewhere.deliveries, {
        delivered: 0,
        pending: 0,
        failed: 0,
        disabledEndpoints: [],
      });
    });

    it('filters by reseller, by merchant, and by both', async () => {
      const keys = (report: SummaryReport) =>
        report.rows.map((row) => `${row.resellerKey}/${row.merchantAccountKey}/${row.productKey}`);

      assert.deepEqual(keys(await summary('&resellerKey=TELCO_B')), [
        'TELCO_B/MUSIC_A/MUSIC',
        'TELCO_B/MUSIC_B/VIDEO',
      ]);
      assert.deepEqual(keys(await summary('&merchantAccountKey=MUSIC_A')), [
        'TELCO_A/MUSIC_A/MUSIC',
        'TELCO_A/MUSIC_A/MUSIC_PREMIUM',
        'TELCO_B/MUSIC_A/MUSIC',
      ]);
      assert.deepEqual(keys(await summary('&resellerKey=TELCO_B&merchantAccountKey=MUSIC_A')), [
        'TELCO_B/MUSIC_A/MUSIC',
      ]);
    });

    it('answers 404 for an unknown reseller or merchant', async () => {
      const { admin } = suite.world;

      const reseller = await admin.get(`/admin/v1/reports/summary?${period}&resellerKey=NOBODY`);
      const merchant = await admin.get(
        `/admin/v1/reports/export?type=AR&${period}&merchantAccountKey=NOBODY`,
      );

      assert.equal(reseller.status, 404);
      assert.equal(reseller.body.detail, 'No reseller NOBODY.');
      assert.equal(merchant.status, 404);
    });
  });

  describe('exportEntitlementReport', () => {
    it('AR: the entitlements live at the end of the period, as they were then', async () => {
      const csv = await exportCsv('AR');

      assert.equal(csv.headers.get('content-type'), 'text/csv; charset=utf-8');
      const stamp = seeded.from.toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
      assert.equal(
        csv.headers.get('content-disposition'),
        `attachment; filename="AR_V1_${stamp}.csv"`,
      );
      assert.ok(csv.raw.startsWith(`${ENTITLEMENT_HEADER.join(',')}\r\n`));
      assert.deepEqual(csv.header, ENTITLEMENT_HEADER);
      // A3, A6 (revoked), B2 (failed) and A7 (created later) are not live at `to`.
      const live = named('A0', 'A9', 'A1', 'A2', 'A4', 'A5', 'A8', 'B1');
      assert.deepEqual([...idsOf(csv.records)].sort(), [...live].sort());
      const order = csv.records.map((row) => `${row.CreatedDate} ${row.EntitlementId}`);
      assert.deepEqual(order, [...order].sort()); // creation order

      const rows = byId(csv.records);
      const status = (name: SeedName) => rows.get(seeded.ids[name])?.Status;
      assert.equal(status('A0'), 'Suspended');
      assert.equal(status('A1'), 'Active'); // revoked only after the period
      assert.equal(status('A2'), 'Active-Ending');
      assert.equal(status('A5'), 'Pending');
      assert.match(rows.get(seeded.ids.A0)!.SuspendedDate!, ISO_UTC);
      assert.equal(rows.get(seeded.ids.A9)!.SuspendedDate, '');
      assert.match(rows.get(seeded.ids.A2)!.EndDate!, ISO_UTC);
      assert.equal(rows.get(seeded.ids.B1)!.ResellerKey, 'TELCO_B');
      assert.equal(rows.get(seeded.ids.B1)!.MerchantAccountKey, 'MUSIC_B');
    });

    it('quotes per RFC 4180 and round-trips text and JSON extension data', async () => {
      const csv = await exportCsv('AR');
      const a1 = byId(csv.records).get(seeded.ids.A1)!;

      assert.equal(a1.DisplayName, AWKWARD.entitlementDisplayName);
      assert.deepEqual(JSON.parse(a1.ExtensionData!), AWKWARD.extensionData);
      assert.ok(csv.raw.includes('"Rock, ""Roll""\nLive"'));
      assert.equal(a1.ProductKey, 'MUSIC');
      for (const column of ['CreatedDate', 'ActivatedDate', 'LastUpdated']) {
        assert.match(a1[column]!, ISO_UTC);
      }
      assert.equal(a1.ExpiryDate, '');
      assert.equal(csv.raw.split('\r\n').length, csv.records.length + 2); // header, final CRLF
    });

    it('CR: the entitlements whose status changed in the period, once each', async () => {
      const csv = await exportCsv('CR');

      assert.deepEqual(csv.header, ENTITLEMENT_HEADER);
      // Not A9 (only its data changed) nor A7 (after the period); creates count as changes.
      const expected = named('A0', 'A1', 'A2', 'A3', 'A4', 'A5', 'A6', 'A8', 'B1', 'B2');
      assert.deepEqual([...idsOf(csv.records)].sort(), [...expected].sort());
      const rows = byId(csv.records);
      assert.equal(rows.get(seeded.ids.A1)!.Status, 'Active'); // as at the end of the period
      assert.equal(rows.get(seeded.ids.A6)!.Status, 'Revoked');
      assert.equal(rows.get(seeded.ids.B2)!.Status, 'Failed');
      assert.equal(rows.get(seeded.ids.A5)!.Status, 'Pending');
    });

    it('ER: every event of the period, matching the reseller feed', async () => {
      const csv = await exportCsv('ER');
      const telcoA = await exportCsv('ER', '&resellerKey=TELCO_A');
      const { body: feed } = await suite.world.resellerA.get<Schemas['EventFeedPage']>(
        '/v1/events?after=0&limit=500',
      );

      assert.deepEqual(csv.header, EVENT_HEADER);
      assert.equal(csv.records.length, 18);
      const occurred = csv.records.map((row) => row.OccurredAt!);
      assert.deepEqual(occurred, [...occurred].sort());
      const inPeriod = feed.events.filter(
        (event) =>
          Date.parse(event.occurredAt) >= seeded.from.getTime() &&
          Date.parse(event.occurredAt) < seeded.to.getTime(),
      );
      const line = (id: string, sequence: string, version: string, reason: string) =>
        [sequence.padStart(6, '0'), id, version, reason].join(' ');
      assert.deepEqual(
        telcoA.records
          .map((row) => line(row.EntitlementId!, row.Sequence!, row.Version!, row.EventReason!))
          .sort(),
        inPeriod
          .map((event) =>
            line(event.entitlementId, `${event.sequence}`, `${event.version}`, event.reason),
          )
          .sort(),
      );
      const revoke = telcoA.records.find(
        (row) => row.EntitlementId === seeded.ids.A6 && row.EventReason === 'TERMINATION_SUCCESS',
      );
      assert.equal(revoke?.Status, 'Revoked');
    });

    it('SR: per product, statuses at the end of the period and the period activity', async () => {
      const csv = await exportCsv('SR');

      assert.deepEqual(csv.header, SUMMARY_HEADER);
      assert.equal(
        csv.raw,
        [
          SUMMARY_HEADER.join(','),
          'TELCO_A,MUSIC_A,MUSIC,0,2,1,1,0,2,0,6,4,3,3',
          'TELCO_A,MUSIC_A,MUSIC_PREMIUM,1,2,0,0,0,0,0,3,2,0,0',
          'TELCO_B,MUSIC_A,MUSIC,0,0,0,0,0,0,1,1,0,0,0',
          'TELCO_B,MUSIC_B,VIDEO,0,1,0,0,0,0,0,1,1,0,0',
          '',
        ].join('\r\n'),
      );
    });

    it('filters every type by reseller and merchant', async () => {
      const ar = await exportCsv('AR', '&merchantAccountKey=MUSIC_B');
      const cr = await exportCsv('CR', '&resellerKey=TELCO_B&merchantAccountKey=MUSIC_A');
      const er = await exportCsv('ER', '&resellerKey=TELCO_B');
      const sr = await exportCsv('SR', '&resellerKey=TELCO_A&merchantAccountKey=MUSIC_A');

      assert.deepEqual(idsOf(ar.records), named('B1'));
      assert.deepEqual(idsOf(cr.records), named('B2'));
      assert.deepEqual(
        er.records.map((row) => row.EventReason),
        ['ENTITLEMENT_CREATED', 'ENTITLEMENT_FAILED'],
      );
      assert.deepEqual(
        sr.records.map((row) => row.ProductKey),
        ['MUSIC', 'MUSIC_PREMIUM'],
      );
    });

    it('writes only the header for an empty period, named by its day', async () => {
      const response = await suite.server.request(
        '/admin/v1/reports/export?type=ER&from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z',
        { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } },
      );

      assert.equal(response.status, 200);
      assert.equal(
        response.headers.get('content-disposition'),
        'attachment; filename="ER_V1_20200101.csv"',
      );
      assert.equal(await response.text(), `${EVENT_HEADER.join(',')}\r\n`);
    });

    it('pages with keysets: small pages give the same rows', async () => {
      const reports = new ReportService({
        transactions: suite.server.services.transactions,
        repository: new ReportRepository(),
        pageSize: 2,
      });

      for (const type of ['AR', 'CR', 'ER'] as const) {
        const paged = await reports.exportReport({
          type,
          from: seeded.from.toISOString(),
          to: seeded.to.toISOString(),
        });
        assert.equal(await text(paged.body), (await exportCsv(type)).raw, type);
      }
    });
  });

  describe('access and validation', () => {
    it('answers 401 without the admin token or with another', async () => {
      const anonymous = ApiClient.anonymous(suite.server);
      const wrong = ApiClient.bearer(suite.server, 'not-the-admin-token-at-all');
      const reseller = suite.world.resellerA;

      for (const client of [anonymous, wrong, reseller]) {
        const summaryAnswer = await client.get(`/admin/v1/reports/summary?${period}`);
        const exportAnswer = await client.get(`/admin/v1/reports/export?type=AR&${period}`);
        assert.equal(summaryAnswer.status, 401);
        assert.equal(exportAnswer.status, 401);
      }
    });

    it('answers 400 naming the field for a bad query', async () => {
      const { admin } = suite.world;
      const fieldsOf = async (path: string) => {
        const response = await admin.get<{ errors: { field: string }[] }>(path);
        assert.equal(response.status, 400, path);
        return response.body.errors.map((error) => error.field);
      };
      const from = seeded.from.toISOString();

      assert.deepEqual(await fieldsOf(`/admin/v1/reports/summary?from=${from}`), ['query.to']);
      assert.deepEqual(await fieldsOf(`/admin/v1/reports/summary?from=yesterday&to=${from}`), [
        'query.from',
      ]);
      assert.deepEqual(await fieldsOf(`/admin/v1/reports/summary?from=${from}&to=${from}`), [
        'query.to',
      ]);
      assert.deepEqual(await fieldsOf(`/admin/v1/reports/export?type=XR&${period}`), [
        'query.type',
      ]);
      assert.deepEqual(await fieldsOf(`/admin/v1/reports/export?${period}`), ['query.type']);
      assert.deepEqual(await fieldsOf(`/admin/v1/reports/summary?${period}&colour=red`), [
        'query.colour',
      ]);
    });
  });
});
