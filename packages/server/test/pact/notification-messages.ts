import type { MessageFromProviderWithMetadata, MessageProviders } from '@pact-foundation/pact';
import { verifyNotification } from '@tessera/reseller-client';

import type { EntitlementEvent } from '../../src/domain/principals';
import { buildNotification } from '../../src/notifications';
// prettier-ignore
import {
  ResellerSettingsRepository,
} from '../../src/notifications/repositories/reseller-settings.repository';
import { activeSigningSecrets } from '../../src/notifications/signing';
import { SANDBOX } from '../../src/services/seed.service';
import { NOTIFIED_REASONS, type NotificationReason } from './entitlement-changes';
import type { FreshTessera } from './fresh-tessera';

/** The events the state `an entitlement changed` recorded, for the message providers. */
export class ChangedEvents {
  private last: EntitlementEvent | undefined;

  readonly record = (event: EntitlementEvent): void => {
    this.last = event;
  };

  /** The event of this interaction's state, which must have `reason`. */
  take(reason: NotificationReason): EntitlementEvent {
    const event = this.last;
    this.last = undefined;
    if (event === undefined) {
      throw new Error(`No entitlement changed before the ${reason} message was asked for`);
    }
    if (event.reason !== reason) {
      throw new Error(`The state made a ${event.reason} change, not a ${reason} one`);
    }
    return event;
  }
}

/**
 * One message provider per notified reason, under the description the reseller client's pact
 * uses (`a notification with reason <REASON>`). Each builds the notification of the event its
 * state recorded with the server's own builder (`buildNotification`: the body the outbox stores
 * and the headers the sender signs), with the sandbox reseller's secrets as stored, and returns
 * the body bytes as content and the Standard Webhooks headers as metadata.
 */
export function notificationMessages(tessera: FreshTessera, events: ChangedEvents) {
  const providers: MessageProviders = {};
  for (const reason of NOTIFIED_REASONS) {
    providers[`a notification with reason ${reason}`] = () =>
      buildMessage(tessera, events.take(reason));
  }
  return providers;
}

async function buildMessage(
  tessera: FreshTessera,
  event: EntitlementEvent,
): Promise<MessageFromProviderWithMetadata> {
  const { transactions } = tessera.current.server.services;
  const reseller = await transactions.read((tx) =>
    new ResellerSettingsRepository().findByKey(tx, SANDBOX.resellerKey),
  );
  if (reseller === null) {
    throw new Error(`No reseller ${SANDBOX.resellerKey}`);
  }

  const signedAt = new Date();
  const { body, headers } = buildNotification(event, reseller, signedAt);
  // Pact matches the signature's shape only; prove here that it verifies, as a reseller would.
  verifyNotification(body, headers, activeSigningSecrets(reseller, signedAt));

  return {
    __pactMessageMetadata: {
      contentType: headers['content-type'],
      'webhook-id': headers['webhook-id'],
      'webhook-timestamp': headers['webhook-timestamp'],
      'webhook-signature': headers['webhook-signature'],
    },
    // The exact bytes that were signed, not a re-serialisation.
    message: body,
  };
}
