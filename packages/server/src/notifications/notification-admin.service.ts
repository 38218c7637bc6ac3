import type { Clock } from '../domain/clock';
import type { Transactions, Tx } from '../database/transaction';
import { ConflictProblem, NotFoundProblem } from '../errors/http-problems';
import type { components } from '../generated/contract';
import { decodeCursor, encodeCursor } from '../services/paging';
import type { DeliveryAttempt, NotificationDelivery, NotificationEndpoint } from './entities';
import type {
  DeliveryFilter,
  NotificationDeliveryRepository,
} from './repositories/notification-delivery.repository';
// prettier-ignore
import type {
  NotificationEndpointRepository,
} from './repositories/notification-endpoint.repository';
import type { ResellerSettingsRepository } from './repositories/reseller-settings.repository';

type Schemas = components['schemas'];
type DeliveryView = Schemas['NotificationDelivery'];
type EndpointView = Schemas['NotificationEndpoint'];

/** Query of `listNotificationDeliveries`, validated by the HTTP layer. */
export interface DeliveryQuery {
  resellerKey?: string;
  state?: DeliveryView['state'];
  entitlementId?: string;
  cursor?: string;
  limit: number;
}

/** What the admin service works with. */
export interface NotificationAdminDeps {
  transactions: Transactions;
  deliveries: NotificationDeliveryRepository;
  endpoints: NotificationEndpointRepository;
  resellers: ResellerSettingsRepository;
  clock: Clock;
  /** Asks the dispatcher to look for due deliveries now (after replays and re-enables). */
  wake?: () => void;
}

/**
 * The operator's view of notifications: the delivery log with every attempt, replays, and the
 * endpoints with the disabled ones flagged.
 */
export class NotificationAdminService {
  constructor(private readonly deps: NotificationAdminDeps) {}

  /** Deliveries newest first, with their attempts. */
  listDeliveries(query: DeliveryQuery): Promise<Schemas['NotificationDeliveryPage']> {
    return this.deps.transactions.read(async (tx) => {
      const filter = await this.filterOf(tx, query);
      const cursor = decodeCursor(query.cursor);
      const position = cursor === null ? null : { createdAt: cursor.dateCreated, id: cursor.id };
      const rows = await this.deps.deliveries.listPage(tx, filter, position, query.limit + 1);

      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      const more = rows.length > query.limit && last !== undefined;
      return {
        deliveries: await this.views(tx, page),
        nextCursor: more ? encodeCursor({ dateCreated: last.createdAt, id: last.id }) : null,
      };
    });
  }

  /** One delivery with its attempts; 404 when unknown. */
  getDelivery(deliveryId: string): Promise<DeliveryView> {
    return this.deps.transactions.read(async (tx) => {
      return (await this.views(tx, [await this.deliveryOrThrow(tx, deliveryId)]))[0]!;
    });
  }

  /**
   * Sends a delivery again now, whatever its state, with the same event id and a fresh retry
   * schedule: it goes to the front of its endpoint's queue, ahead of anything waiting there,
   * and like any queue head holds the rest back until it is delivered or fails for good. 409
   * when its endpoint is disabled: re-enable it first (that sends it too).
   */
  async replayDelivery(deliveryId: string): Promise<DeliveryView> {
    const view = await this.deps.transactions.run(async (tx) => {
      const delivery = await this.deliveryOrThrow(tx, deliveryId);
      const endpoint = await this.deps.endpoints.findById(tx, delivery.endpointId);
      if (endpoint?.state === 'DISABLED') {
        throw new ConflictProblem(
          'The endpoint of this delivery is disabled; re-enable it, which sends its deliveries.',
        );
      }
      await this.deps.deliveries.requeue(tx, delivery.id, this.deps.clock.now());
      return (await this.views(tx, [await this.deliveryOrThrow(tx, deliveryId)]))[0]!;
    });
    this.deps.wake?.();
    return view;
  }

  /**
   * Queues again every delivery of the reseller created since `since`, like
   * {@link replayDelivery}: at the front of their endpoints' queues, in sequence order among
   * themselves. Deliveries to a disabled endpoint wait for it to be re-enabled.
   */
  async replaySince(resellerKey: string, since: string): Promise<Schemas['ReplayResult']> {
    const result = await this.deps.transactions.run(async (tx) => {
      const reseller = await this.resellerOrThrow(tx, resellerKey);
      const now = this.deps.clock.now();
      const queued = await this.deps.deliveries.requeueSince(tx, reseller.id, new Date(since), now);
      return { queued };
    });
    this.deps.wake?.();
    return result;
  }

  /** Every endpoint, disabled and failing ones first. */
  listEndpoints(): Promise<Schemas['NotificationEndpointList']> {
    return this.deps.transactions.read(async (tx) => {
      const endpoints = await this.deps.endpoints.list(tx);
      const keys = await this.deps.resellers.keysByIds(
        tx,
        endpoints.map((endpoint) => endpoint.resellerId),
      );
      return { endpoints: endpoints.map((e) => endpointView(e, keys.get(e.resellerId) ?? '')) };
    });
  }

  /**
   * Enables an endpoint again and queues its waiting deliveries, due now, in their order (each
   * resumes its retry schedule where it stopped); 404 when unknown.
   */
  async reenableEndpoint(input: Schemas['EndpointReenableRequest']): Promise<EndpointView> {
    const view = await this.deps.transactions.run(async (tx) => {
      const reseller = await this.resellerOrThrow(tx, input.resellerKey);
      const endpoint = await this.deps.endpoints.findByUrl(tx, reseller.id, input.url);
      if (endpoint === null) {
        throw new NotFoundProblem(`${input.resellerKey} has no notification endpoint at that URL.`);
      }
      await this.deps.endpoints.enable(tx, endpoint.id);
      await this.deps.deliveries.releaseForEndpoint(tx, endpoint.id, this.deps.clock.now());
      const enabled = await this.deps.endpoints.findById(tx, endpoint.id);
      return endpointView(enabled!, reseller.resellerKey);
    });
    this.deps.wake?.();
    return view;
  }

  private async filterOf(tx: Tx, query: DeliveryQuery): Promise<DeliveryFilter> {
    const filter: DeliveryFilter = { state: query.state, entitlementId: query.entitlementId };
    if (query.resellerKey !== undefined) {
      filter.resellerId = (await this.resellerOrThrow(tx, query.resellerKey)).id;
    }
    return filter;
  }

  private async resellerOrThrow(tx: Tx, resellerKey: string) {
    const reseller = await this.deps.resellers.findByKey(tx, resellerKey);
    if (reseller === null) {
      throw new NotFoundProblem(`There is no reseller ${resellerKey}.`);
    }
    return reseller;
  }

  private async deliveryOrThrow(tx: Tx, deliveryId: string): Promise<NotificationDelivery> {
    const delivery = await this.deps.deliveries.findById(tx, deliveryId);
    if (delivery === null) {
      throw new NotFoundProblem(`There is no notification delivery ${deliveryId}.`);
    }
    return delivery;
  }

  private async views(tx: Tx, deliveries: NotificationDelivery[]): Promise<DeliveryView[]> {
    const ids = deliveries.map((delivery) => delivery.id);
    const attempts = await this.deps.deliveries.attemptsOf(tx, ids);
    const keys = await this.deps.resellers.keysByIds(
      tx,
      deliveries.map((delivery) => delivery.resellerId),
    );
    return deliveries.map((delivery) =>
      deliveryView(
        delivery,
        keys.get(delivery.resellerId) ?? '',
        attempts.filter((attempt) => attempt.deliveryId === delivery.id),
      ),
    );
  }
}

function deliveryView(
  delivery: NotificationDelivery,
  resellerKey: string,
  attempts: DeliveryAttempt[],
): DeliveryView {
  return {
    deliveryId: delivery.id,
    eventId: delivery.eventId,
    resellerKey,
    entitlementId: delivery.entitlementId,
    sequence: delivery.sequence,
    reason: delivery.reason as DeliveryView['reason'],
    url: delivery.url,
    state: delivery.state,
    attemptCount: delivery.attemptCount,
    nextAttemptAt: delivery.nextAttemptAt?.toISOString() ?? null,
    dateCreated: delivery.createdAt.toISOString(),
    dateDelivered: delivery.deliveredAt?.toISOString() ?? null,
    attempts: attempts.map((attempt) => ({
      attemptedAt: attempt.attemptedAt.toISOString(),
      statusCode: attempt.statusCode,
      latencyMs: attempt.latencyMs,
      error: attempt.error,
    })),
  };
}

function endpointView(endpoint: NotificationEndpoint, resellerKey: string): EndpointView {
  return {
    url: endpoint.url,
    resellerKey,
    state: endpoint.state,
    failingSince: endpoint.failingSince?.toISOString() ?? null,
    disabledAt: endpoint.disabledAt?.toISOString() ?? null,
  };
}
