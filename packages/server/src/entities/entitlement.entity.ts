import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';

import { INSTANT } from '../database/portable-types';
import type { EntitlementStatus } from '../domain/state-machine';
import { Merchant } from './merchant.entity';
import { Reseller } from './reseller.entity';
import { Route } from './route.entity';

/**
 * The rows of the partial index `IDX_entitlement_provisioning`. A query uses that index only
 * when its condition contains this very text (a bound parameter does not count), as the
 * scheduler's stale-create sweep does; SQLite reads `TRUE` as 1, how it stores the boolean.
 */
export const PROVISIONING_ROWS = '"provisioning" = TRUE';

/** The last activation step the merchant asked the user for, kept while `PENDING`. */
export interface StoredActivationAction {
  action: 'NAVIGATE_TO_URL' | 'ENTER_ACTIVATION_CODE';
  url?: string;
  /** ISO 8601, or null when the merchant said the URL does not expire. */
  urlExpiry?: string | null;
  activationCode?: string;
}

/** A merchant change Tessera forwarded and the merchant queued (202), awaiting confirmation. */
export type AwaitedMerchantChange = 'suspend' | 'resume' | 'cancel' | 'revoke' | 'update';

/** A user's right to one merchant service. */
@Entity({ name: 'entitlement' })
@Index('IDX_entitlement_reseller_created', ['resellerId', 'dateCreated', 'id'])
@Index('IDX_entitlement_merchant_created', ['merchantId', 'dateCreated', 'id'])
@Index('IDX_entitlement_merchant_meid', ['merchantId', 'merchantEntitlementId'])
@Index('IDX_entitlement_status_ended', ['status', 'dateEnded'])
// Partial: only rows still provisioning, for the scheduler's stale-create sweep. Over every row
// SQLite took it for any visible read ordered by creation time and walked the whole table.
@Index('IDX_entitlement_provisioning', ['dateCreated'], { where: PROVISIONING_ROWS })
// Added by the reports' migration (src/reports/migrations): AR pages in creation order.
@Index('IDX_entitlement_created', ['dateCreated', 'id'])
// Added by 1796800000000-ReviseEntitlementIndexes: a customer's entitlements in creation order,
// and the create's live-entitlement check (its leading route_id serves route lookups too).
@Index('IDX_entitlement_customer_created', [
  'resellerId',
  'customerIdentifier',
  'dateCreated',
  'id',
])
@Index('IDX_entitlement_route_customer', ['routeId', 'customerIdentifier', 'productKey', 'status'])
export class EntitlementRecord {
  @PrimaryColumn({
    name: 'id',
    type: 'varchar',
    length: 36,
    primaryKeyConstraintName: 'PK_entitlement',
  })
  id!: string;

  @Column({ name: 'reseller_id', type: 'varchar', length: 36 })
  resellerId!: string;

  @ManyToOne(() => Reseller, { nullable: false })
  @JoinColumn({ name: 'reseller_id', foreignKeyConstraintName: 'FK_entitlement_reseller' })
  reseller?: Reseller;

  @Column({ name: 'merchant_id', type: 'varchar', length: 36 })
  merchantId!: string;

  @ManyToOne(() => Merchant, { nullable: false })
  @JoinColumn({ name: 'merchant_id', foreignKeyConstraintName: 'FK_entitlement_merchant' })
  merchant?: Merchant;

  @Column({ name: 'route_id', type: 'varchar', length: 36 })
  routeId!: string;

  @ManyToOne(() => Route, { nullable: false })
  @JoinColumn({ name: 'route_id', foreignKeyConstraintName: 'FK_entitlement_route' })
  route?: Route;

  @Column({ name: 'product_key', type: 'varchar', length: 50 })
  productKey!: string;

  @Column({ name: 'status', type: 'varchar', length: 20 })
  status!: EntitlementStatus;

  @Column({ name: 'customer_identifier', type: 'varchar', length: 255 })
  customerIdentifier!: string;

  @Column({ name: 'shared_customer_id', type: 'varchar', length: 40 })
  sharedCustomerId!: string;

  @Column({ name: 'offer_key', type: 'varchar', length: 100, nullable: true })
  offerKey!: string | null;

  @Column({ name: 'merchant_entitlement_id', type: 'varchar', length: 200 })
  merchantEntitlementId!: string;

  @Column({ name: 'display_name', type: 'varchar', length: 200, nullable: true })
  displayName!: string | null;

  @Column({ name: 'notification_url', type: 'varchar', length: 2000, nullable: true })
  notificationUrl!: string | null;

  @Column({ name: 'extension_data', type: 'simple-json' })
  extensionData!: Record<string, string>;

  @Column({ name: 'merchant_extension_data', type: 'simple-json' })
  merchantExtensionData!: Record<string, string>;

  @Column({ name: 'activation_code', type: 'varchar', length: 200, nullable: true })
  activationCode!: string | null;

  @Column({ name: 'date_created', type: INSTANT })
  dateCreated!: Date;

  @Column({ name: 'date_activated', type: INSTANT, nullable: true })
  dateActivated!: Date | null;

  @Column({ name: 'date_suspended', type: INSTANT, nullable: true })
  dateSuspended!: Date | null;

  @Column({ name: 'date_resumed', type: INSTANT, nullable: true })
  dateResumed!: Date | null;

  /** The actual end, or the future end while `ACTIVE-ENDING`. */
  @Column({ name: 'date_ended', type: INSTANT, nullable: true })
  dateEnded!: Date | null;

  /** The reseller's scheduled end. */
  @Index('IDX_entitlement_expiry')
  @Column({ name: 'date_expiry', type: INSTANT, nullable: true })
  dateExpiry!: Date | null;

  @Column({ name: 'date_last_updated', type: INSTANT })
  dateLastUpdated!: Date;

  /** Grows by one with every change; 0 while the create is still at the merchant. */
  @Column({ name: 'version', type: 'integer' })
  version!: number;

  @Column({ name: 'reason_category', type: 'varchar', length: 30, nullable: true })
  reasonCategory!: string | null;

  @Column({ name: 'reason_code', type: 'varchar', length: 30, nullable: true })
  reasonCode!: string | null;

  @Column({ name: 'reason_description', type: 'varchar', length: 500, nullable: true })
  reasonDescription!: string | null;

  /**
   * True while the create waits for the merchant's answer: the row holds its place against
   * the route limit but is hidden from every read and has no event yet.
   */
  @Column({ name: 'provisioning', type: 'boolean' })
  provisioning!: boolean;

  /** The request that created it; its outcome's event carries it even if finalised late. */
  @Column({ name: 'create_request_id', type: 'varchar', length: 200, nullable: true })
  createRequestId!: string | null;

  /** SHA-256 of the canonical create body: an identical create while PENDING is a re-ask. */
  @Column({ name: 'create_fingerprint', type: 'varchar', length: 64 })
  createFingerprint!: string;

  @Column({ name: 'pending_action', type: 'simple-json', nullable: true })
  pendingAction!: StoredActivationAction | null;

  @Column({ name: 'awaiting_merchant', type: 'varchar', length: 20, nullable: true })
  awaitingMerchant!: AwaitedMerchantChange | null;
}
