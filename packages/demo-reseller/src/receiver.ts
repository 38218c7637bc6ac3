import type { IncomingMessage, ServerResponse } from 'node:http';

import { NotificationVerificationError, verifyNotification } from '@tessera/reseller-client';

import { BodyTooLargeError, readBody, sendJson, sendProblem } from './http';
import type { DeliveryAttempt, NotificationLog } from './notification-log';

/** What the receiver needs to judge a delivery. */
export interface ReceiverState {
  log: NotificationLog;
  /** The current signing secret(s); none yet means every delivery is rejected. */
  secrets(): readonly string[];
  /** Whether the receiver plays "down" right now. */
  isDown(): boolean;
  now(): Date;
}

/** How long a sender is asked to wait while the receiver is down (`Retry-After`). */
const RETRY_AFTER_SECONDS = '1';

/**
 * Handles one notification delivery: 503 while "down", 401 when the signature does not verify,
 * else 204, whether it is new or a duplicate (delivery is at least once, so a duplicate is
 * acknowledged and not processed again).
 */
export async function receiveNotification(
  request: IncomingMessage,
  response: ServerResponse,
  state: ReceiverState,
): Promise<void> {
  const at = state.now();
  const body = await readBodyOrAnswer(request, response);
  if (body === undefined) {
    return;
  }

  if (state.isDown()) {
    sendProblem(response, 503, 'Service Unavailable', 'The demo reseller is down on purpose.', {
      'Retry-After': RETRY_AFTER_SECONDS,
    });
    state.log.addAttempt({ at, outcome: 'down', status: 503, signatureOk: false, ...peek(body) });
    return;
  }

  try {
    const notification = verifyNotification(body, request.headers, state.secrets());
    const [received, isNew] = state.log.accept(notification, at);
    sendJson(response, 204);
    const outcome = isNew ? 'accepted' : 'duplicate';
    state.log.addAttempt({ at, outcome, status: 204, signatureOk: true, ...peek(body) }, received);
  } catch (error) {
    if (!(error instanceof NotificationVerificationError)) {
      throw error;
    }
    sendProblem(response, 401, 'Unauthorized', error.message);
    const attempt: DeliveryAttempt = { at, outcome: 'rejected', status: 401, signatureOk: false };
    state.log.addAttempt({ ...attempt, ...peek(body), error: error.message });
  }
}

async function readBodyOrAnswer(
  request: IncomingMessage,
  response: ServerResponse,
): Promise<Buffer | undefined> {
  try {
    return await readBody(request);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      sendProblem(response, 413, 'Payload Too Large', error.message, { Connection: 'close' });
      return undefined;
    }
    throw error;
  }
}

/**
 * The identifying fields of a body, whether or not it verified: for the record only, never
 * acted upon. A body that is not a JSON object yields nothing.
 */
function peek(body: Buffer): Partial<DeliveryAttempt> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null) {
    return {};
  }
  const fields = parsed as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const number = (value: unknown) => (typeof value === 'number' ? value : undefined);
  return withoutUndefined({
    eventId: text(fields.eventId),
    reason: text(fields.reason),
    sequence: number(fields.sequence),
    version: number(fields.version),
    entitlementId: text(fields.entitlementId),
  });
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, field]) => field !== undefined),
  ) as Partial<T>;
}
