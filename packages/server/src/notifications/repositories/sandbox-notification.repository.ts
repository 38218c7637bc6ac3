import type { Tx } from '../../database/transaction';
import { InboxNotification, NotificationFaultProfile } from '../entities';

/** The sandbox inbox and the sandbox fault profiles. */
export class SandboxNotificationRepository {
  async insertInbox(tx: Tx, notification: InboxNotification): Promise<void> {
    await tx.insert(InboxNotification, notification);
  }

  /** A reseller's inbox, oldest first, optionally for one entitlement. */
  listInbox(tx: Tx, resellerId: string, entitlementId?: string): Promise<InboxNotification[]> {
    return tx.find(InboxNotification, {
      where: { resellerId, ...(entitlementId === undefined ? {} : { entitlementId }) },
      order: { receivedAt: 'ASC', id: 'ASC' },
    });
  }

  /** Deletes all but the newest `keep` notifications of a reseller's inbox. */
  async pruneInbox(tx: Tx, resellerId: string, keep: number): Promise<void> {
    const oldestKept = await tx.find(InboxNotification, {
      select: { id: true, receivedAt: true },
      where: { resellerId },
      order: { receivedAt: 'DESC', id: 'DESC' },
      skip: keep - 1,
      take: 1,
    });
    const boundary = oldestKept[0];
    if (boundary === undefined) {
      return;
    }
    await tx
      .createQueryBuilder()
      .delete()
      .from(InboxNotification)
      .where('reseller_id = :resellerId AND received_at < :at', {
        resellerId,
        at: boundary.receivedAt,
      })
      .execute();
  }

  findFaults(tx: Tx, resellerId: string): Promise<NotificationFaultProfile | null> {
    return tx.findOneBy(NotificationFaultProfile, { resellerId });
  }

  async saveFaults(tx: Tx, profile: NotificationFaultProfile): Promise<void> {
    await tx.save(NotificationFaultProfile, profile);
  }
}
