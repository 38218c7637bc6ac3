import { In } from 'typeorm';

import type { Tx } from '../../database/transaction';
import { Reseller } from '../../entities/reseller.entity';
import type { ReceiverAuth } from '../../merchants/merchant-gateway';
import type { SigningSecrets } from '../signing';

/** What notifications need to know about a reseller. */
export interface NotificationReseller extends SigningSecrets {
  id: string;
  resellerKey: string;
  sandbox: boolean;
  defaultNotificationUrl: string | null;
  notificationAuth: ReceiverAuth;
}

/**
 * Reads the reseller rows (owned by the catalogue) for notifications; never writes them, so the
 * catalogue stays the only writer of secrets and settings.
 */
export class ResellerSettingsRepository {
  async findById(tx: Tx, id: string): Promise<NotificationReseller | null> {
    return toSettings(await tx.findOneBy(Reseller, { id }));
  }

  async findByKey(tx: Tx, resellerKey: string): Promise<NotificationReseller | null> {
    return toSettings(await tx.findOneBy(Reseller, { resellerKey }));
  }

  /** Reseller keys by reseller id, for the given ids. */
  async keysByIds(tx: Tx, ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) {
      return new Map();
    }
    const rows = await tx.find(Reseller, {
      select: { id: true, resellerKey: true },
      where: { id: In([...new Set(ids)]) },
    });
    return new Map(rows.map((row) => [row.id, row.resellerKey]));
  }
}

function toSettings(row: Reseller | null): NotificationReseller | null {
  if (row === null) {
    return null;
  }
  return {
    id: row.id,
    resellerKey: row.resellerKey,
    sandbox: row.sandbox,
    defaultNotificationUrl: row.defaultNotificationUrl,
    notificationAuth: row.notificationAuth,
    signingSecret: row.signingSecret,
    previousSigningSecret: row.previousSigningSecret,
    previousSecretValidUntil: row.previousSecretValidUntil,
  };
}
