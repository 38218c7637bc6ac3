import { randomUUID } from 'node:crypto';

import type { EntityManager } from 'typeorm';

import type { EntitlementStatus } from '../../../src/domain/state-machine';
import {
  EntitlementEventRecord,
  EntitlementRecord,
  Merchant,
  Reseller,
  Route,
} from '../../../src/entities';
import type { Services } from '../../../src/services';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** Rows each of the scheduler's three sweeps finds due. */
const DUE_PER_SWEEP = 3;

/** A position in the (date created, id) order, as a cursor encodes it. */
export interface StoredPosition {
  dateCreated: Date;
  id: string;
}

/** What {@link storeEntitlements} put in the table. */
export interface StoredEntitlements {
  /** The creation instant of the first row added (the others follow, one a minute). */
  from: Date;
  /** A visible entitlement of TELCO_A in the middle of its rows. */
  middleOfResellerA: StoredPosition;
  /** A visible entitlement of MUSIC_A in the middle of its rows. */
  middleOfMerchantA: StoredPosition;
  /** A visible entitlement in the middle of the whole table. */
  middle: StoredPosition;
  /** A TELCO_A customer with several entitlements. */
  customerOfResellerA: string;
  /** Rows the scheduler's sweeps find due, per sweep. */
  due: { periodEnds: number; expiries: number; staleCreates: number };
}

/** Where the rows go: the routes of the API world (see `buildWorld`), with the product. */
const PLACES = [
  { resellerKey: 'TELCO_A', merchantAccountKey: 'MUSIC_A', productKey: 'MUSIC' },
  { resellerKey: 'TELCO_A', merchantAccountKey: 'MUSIC_A', productKey: 'MUSIC_PREMIUM' },
  { resellerKey: 'TELCO_A', merchantAccountKey: 'MUSIC_A', productKey: 'MUSIC' },
  { resellerKey: 'TELCO_B', merchantAccountKey: 'MUSIC_A', productKey: 'MUSIC' },
  { resellerKey: 'TELCO_B', merchantAccountKey: 'MUSIC_B', productKey: 'VIDEO' },
] as const;

/** The state of the `i`th row: mostly live, some ended, a few due for each of the sweeps. */
function shapeOf(i: number, created: Date, now: Date) {
  const ago = (ms: number) => new Date(now.getTime() - ms);
  const inFuture = new Date(now.getTime() + 30 * DAY);
  const ended = new Date(created.getTime() + MINUTE / 2);
  const shape = {
    status: 'ACTIVE' as EntitlementStatus,
    dateEnded: null as Date | null,
    dateExpiry: null as Date | null,
    provisioning: false,
  };
  if (i < DUE_PER_SWEEP) {
    return { ...shape, status: 'ACTIVE-ENDING' as const, dateEnded: ago(MINUTE) };
  }
  if (i < 2 * DUE_PER_SWEEP) {
    return { ...shape, dateExpiry: ago(MINUTE) };
  }
  if (i < 3 * DUE_PER_SWEEP) {
    // A create whose merchant call never finished (a crash): still provisioning, long ago.
    return { ...shape, status: 'PENDING' as const, provisioning: true };
  }
  switch (i % 20) {
    case 0:
    case 1:
      return { ...shape, status: 'CANCELLED' as const, dateEnded: ended };
    case 2:
      return { ...shape, status: 'REVOKED' as const, dateEnded: ended };
    case 3:
      return { ...shape, status: 'PENDING' as const };
    case 4:
      return { ...shape, status: 'ACTIVE-ENDING' as const, dateEnded: inFuture };
    case 5:
      return { ...shape, status: 'SUSPENDED' as const };
    case 6:
      return { ...shape, dateExpiry: inFuture };
    case 7:
      return { ...shape, status: 'FAILED' as const };
    default:
      return shape;
  }
}

/**
 * Adds `count` entitlements (one a minute, ending an hour ago), each with its creation event,
 * straight into the tables in a few multi-row inserts: copies of `templateId` (an entitlement
 * created through the API, so that every column holds what the server writes) spread over the
 * API world's routes, with mixed states and about three entitlements per customer.
 */
export async function storeEntitlements(
  services: Services,
  templateId: string,
  count: number,
): Promise<StoredEntitlements> {
  const now = services.clock.now();
  const from = new Date(now.getTime() - 60 * MINUTE - count * MINUTE);
  return services.transactions.run(async (tx) => {
    const template = await tx.findOneByOrFail(EntitlementRecord, { id: templateId });
    const templateEvent = await tx.findOneByOrFail(EntitlementEventRecord, {
      entitlementId: templateId,
    });
    const places: Place[] = [];
    for (const place of PLACES) {
      places.push(await placeOf(tx, place)); // one at a time: a transaction has one connection
    }
    const sequences = new Map<string, number>();
    for (const reseller of await tx.find(Reseller)) {
      sequences.set(reseller.id, reseller.lastEventSequence);
    }

    const records: EntitlementRecord[] = [];
    const events: EntitlementEventRecord[] = [];
    for (let i = 0; i < count; i += 1) {
      const place = places[i % places.length]!;
      const created = new Date(from.getTime() + i * MINUTE);
      const shape = shapeOf(i, created, now);
      const id = randomUUID();
      const customerIdentifier = `bulk-${Math.floor(i / 3)}`;
      const record = Object.assign(new EntitlementRecord(), template, {
        ...place.ids,
        ...shape,
        id,
        productKey: place.productKey,
        customerIdentifier,
        sharedCustomerId: `bulk_${i}`,
        merchantEntitlementId: `bulk-merchant-${i}`,
        notificationUrl: null,
        dateCreated: created,
        dateActivated: shape.status === 'PENDING' ? null : created,
        dateLastUpdated: created,
        version: shape.provisioning ? 0 : 1,
        createRequestId: `bulk-request-${i}`,
        createFingerprint: `bulk-fingerprint-${i}`,
        pendingAction: null,
        awaitingMerchant: null,
      });
      records.push(record);
      if (shape.provisioning) {
        continue; // no event until the merchant answers
      }
      const sequence = sequences.get(place.ids.resellerId)! + 1;
      sequences.set(place.ids.resellerId, sequence);
      events.push(
        Object.assign(new EntitlementEventRecord(), templateEvent, {
          id: randomUUID(),
          resellerId: place.ids.resellerId,
          sequence,
          entitlementId: id,
          version: 1,
          statusBefore: null,
          statusAfter: shape.status,
          requestId: record.createRequestId,
          occurredAt: created,
          snapshot: {
            ...templateEvent.snapshot,
            entitlementId: id,
            status: shape.status,
            customerIdentifier,
            merchantAccountKey: place.merchantAccountKey,
            productKey: place.productKey,
            merchantEntitlementId: record.merchantEntitlementId,
            notificationUrl: null,
            dateCreated: created.toISOString(),
            dateActivated: record.dateActivated?.toISOString() ?? null,
            dateEnded: shape.dateEnded?.toISOString() ?? null,
            dateExpiry: shape.dateExpiry?.toISOString() ?? null,
            dateLastUpdated: created.toISOString(),
            version: 1,
          },
        }),
      );
    }
    for (const chunk of chunks(records)) {
      await tx.insert(EntitlementRecord, chunk);
    }
    for (const chunk of chunks(events)) {
      await tx.insert(EntitlementEventRecord, chunk);
    }
    for (const [id, lastEventSequence] of sequences) {
      await tx.update(Reseller, { id }, { lastEventSequence });
    }

    const visible = records.filter((record) => !record.provisioning);
    const middleOf = (rows: EntitlementRecord[]) => rows[Math.floor(rows.length / 2)]!;
    const position = ({ dateCreated, id }: EntitlementRecord) => ({ dateCreated, id });
    const ofResellerA = visible.filter((row) => row.resellerId === places[0]!.ids.resellerId);
    const ofMerchantA = visible.filter((row) => row.merchantId === places[0]!.ids.merchantId);
    return {
      from,
      middleOfResellerA: position(middleOf(ofResellerA)),
      middleOfMerchantA: position(middleOf(ofMerchantA)),
      middle: position(middleOf(visible)),
      customerOfResellerA: middleOf(ofResellerA).customerIdentifier,
      due: { periodEnds: DUE_PER_SWEEP, expiries: DUE_PER_SWEEP, staleCreates: DUE_PER_SWEEP },
    };
  });
}

/** One of {@link PLACES}, with the ids of its reseller, merchant and route. */
type Place = Awaited<ReturnType<typeof placeOf>>;

async function placeOf(tx: EntityManager, place: (typeof PLACES)[number]) {
  const reseller = await tx.findOneByOrFail(Reseller, { resellerKey: place.resellerKey });
  const merchant = await tx.findOneByOrFail(Merchant, {
    merchantAccountKey: place.merchantAccountKey,
  });
  const route = await tx.findOneByOrFail(Route, {
    resellerId: reseller.id,
    merchantId: merchant.id,
  });
  return {
    ...place,
    ids: { resellerId: reseller.id, merchantId: merchant.id, routeId: route.id },
  };
}

// Rows per INSERT: well below the bound parameters every SQLite build and PostgreSQL accept.
const ROWS_PER_INSERT = 100;

function chunks<T>(items: readonly T[]): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += ROWS_PER_INSERT) {
    result.push(items.slice(start, start + ROWS_PER_INSERT));
  }
  return result;
}
