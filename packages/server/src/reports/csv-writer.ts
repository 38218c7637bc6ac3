import { Readable, pipeline, type Transform } from 'node:stream';

import { stringify } from 'csv-stringify';

import type { EntitlementStatus } from '../domain/state-machine';
import type { ReportEvent } from './report.repository';
import { bangoStatus, REPORT_STATUSES } from './report-definitions';

/** The report types of the export, named as in Bango's Entitlement reports v2. */
export type ReportType = 'AR' | 'CR' | 'ER' | 'SR';

/** One CSV record: column name → field text. */
export type CsvRecord = Record<string, string>;

/**
 * The entitlement columns of AR, CR and ER: Bango's v2 listing, with `EntitlementId` for
 * `BangoEntitlementId` and JSON extension data, then `ResellerKey`, since an operator's export
 * can span resellers (Bango's files are per partner).
 */
export const ENTITLEMENT_COLUMNS = [
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
] as const;

/** ER adds the event to each row. */
export const EVENT_COLUMNS = [
  ...ENTITLEMENT_COLUMNS,
  'EventReason',
  'Sequence',
  'Version',
  'OccurredAt',
] as const;

/** SR: one row per reseller, merchant and product. */
export const SUMMARY_COLUMNS = [
  'ResellerKey',
  'MerchantAccountKey',
  'ProductKey',
  ...REPORT_STATUSES.map(bangoStatus),
  'Total',
  'Activations',
  'Cancellations',
  'Changes',
] as const;

/** The header of each report type. */
export const COLUMNS_OF: Record<ReportType, readonly string[]> = {
  AR: ENTITLEMENT_COLUMNS,
  CR: ENTITLEMENT_COLUMNS,
  ER: EVENT_COLUMNS,
  SR: SUMMARY_COLUMNS,
};

/** An SR row before formatting. */
export interface SummaryRecord {
  resellerKey: string;
  merchantAccountKey: string;
  productKey: string;
  countsByStatus: Record<EntitlementStatus, number>;
  activations: number;
  cancellations: number;
  changes: number;
}

/**
 * The entitlement as the event's snapshot shows it (the entitlement right after the event).
 * Instants are the snapshot's ISO 8601 UTC strings; absent values are empty fields.
 * `SuspendedDate` is filled only while the entitlement is suspended, as in Bango's reports.
 */
export function entitlementRecord(event: ReportEvent): CsvRecord {
  const snapshot = event.snapshot;
  return {
    ResellerCustomerId: snapshot.customerIdentifier,
    EntitlementId: snapshot.entitlementId,
    Status: bangoStatus(snapshot.status),
    MerchantAccountKey: snapshot.merchantAccountKey,
    MerchantEntitlementId: snapshot.merchantEntitlementId ?? '',
    ProductKey: snapshot.productKey,
    DisplayName: snapshot.entitlementDisplayName ?? '',
    CreatedDate: snapshot.dateCreated,
    ActivatedDate: snapshot.dateActivated ?? '',
    SuspendedDate: snapshot.status === 'SUSPENDED' ? (snapshot.dateSuspended ?? '') : '',
    ExpiryDate: snapshot.dateExpiry ?? '',
    LastUpdated: snapshot.dateLastUpdated,
    EndDate: snapshot.dateEnded ?? '',
    ExtensionData: JSON.stringify(snapshot.extensionData ?? {}),
    ResellerKey: event.reseller.resellerKey,
  };
}

/** An ER row: the entitlement after the event, and the event. */
export function eventRecord(event: ReportEvent): CsvRecord {
  return {
    ...entitlementRecord(event),
    EventReason: event.reason,
    Sequence: String(event.sequence),
    Version: String(event.version),
    OccurredAt: event.occurredAt.toISOString(),
  };
}

/** An SR row. */
export function summaryRecord(row: SummaryRecord): CsvRecord {
  const counts = REPORT_STATUSES.map((status) => [bangoStatus(status), row.countsByStatus[status]]);
  const total = REPORT_STATUSES.reduce((sum, status) => sum + row.countsByStatus[status], 0);
  return {
    ResellerKey: row.resellerKey,
    MerchantAccountKey: row.merchantAccountKey,
    ProductKey: row.productKey,
    ...Object.fromEntries(counts.map(([name, count]) => [name, String(count)])),
    Total: String(total),
    Activations: String(row.activations),
    Cancellations: String(row.cancellations),
    Changes: String(row.changes),
  };
}

/**
 * Streams `records` as RFC 4180 CSV: a header row, CRLF line ends, fields quoted when they hold
 * a comma, a quote, CR or LF (csv-stringify does the quoting), UTF-8 without a byte order mark.
 * Values are written as they are: no `'` is prefixed to fields starting with `+`, `-`, `=` or
 * `@` (csv-stringify's `escape_formulas`), since customer ids are often `+44…` phone numbers;
 * spreadsheet users should import the file as text.
 *
 * Records are pulled one at a time as the client reads, so a slow client slows the paging
 * down rather than filling memory. An error from `records` destroys the stream (and, once the
 * answer has started, the connection): a CSV has no way to say "incomplete".
 */
export function csvStream(
  columns: readonly string[],
  records: AsyncIterable<CsvRecord> | Iterable<CsvRecord>,
): Transform {
  const stringifier = stringify({
    header: true,
    columns: [...columns],
    record_delimiter: 'windows',
    // Explicitly: with a record delimiter set, csv-stringify would not quote a lone LF or CR.
    quote_record_delimiter: true,
  });
  pipeline(Readable.from(records), stringifier, () => {
    // The error (if any) has already destroyed `stringifier`, whose reader sees it.
  });
  return stringifier;
}
