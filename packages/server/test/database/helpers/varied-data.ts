import { randomUUID } from 'node:crypto';

import { EntitlementRecord, SharedCustomer } from '../../../src/entities';
import type { IdempotencyKeyRef } from '../../../src/repositories/idempotency-record.repository';
// prettier-ignore
import {
  IdempotencyRecordRepository,
} from '../../../src/repositories/idempotency-record.repository';
import type { CreateEntitlementRequest } from '../../../src/services/entitlement-creation';
import { IdempotencyService } from '../../../src/services/idempotency.service';
import { type StubAnswer, signUpParameters } from '../../helpers/merchant-stub';
import type { DomainWorld, Tenant } from '../../domain/helpers/domain-world';
import { entitlementIn, newCustomer } from '../../domain/helpers/entitlements';

const SECOND = 1000;
const DAY = 86_400_000;

/** A sandbox test clock far ahead: its offset in ms is above 2^32, a real BIGINT. */
const SANDBOX_CLOCK_AHEAD_S = 10 * 365 * 86_400;

/** A credential as the tests look it up. */
export interface CredentialRef {
  id: string;
  username: string;
}

/** What {@link buildVariedData} stored, by what it exercises. */
export interface VariedData {
  /** A plain reseller (no default URL, no auth, one signing secret) and its first merchant. */
  a: Tenant;
  /**
   * A sandbox reseller with a default notification URL, OAuth2 receiver auth with a scope, a
   * rotated signing secret and its test clock ten years ahead; its route shares the customer
   * identifier and allows three live entitlements per customer.
   */
  b: Tenant;
  /** Reseller `a`'s second merchant (API-key callbacks, fewer callback URLs). */
  c: Tenant;
  credentials: {
    /** Owned by reseller `a`: its merchant join finds nothing. */
    ofReseller: CredentialRef;
    /** Owned by merchant `a`: its reseller join finds nothing. */
    ofMerchant: CredentialRef;
    /** Owned by merchant `c`, with allowed IPs, revoked. */
    revoked: CredentialRef;
  };
  /** Reseller `a`'s customer with several entitlements, on both its merchants. */
  severalCustomer: string;
  /** Reseller `b`'s customer with two PENDING entitlements of one fingerprint and a third. */
  pendingCustomer: string;
  entitlements: {
    /** ACTIVE, every optional field set (offer, name, expiry, extension data of both sides). */
    rich: string;
    /** PENDING with a URL to visit (`pendingAction`). */
    pendingUrl: string;
    /** Suspended and resumed by the merchant: both dates set. */
    resumed: string;
    /** Created at the same instant as {@link resumed}: only the id orders them. */
    tie: string;
    /** ACTIVE, a suspend queued at the merchant (`awaitingMerchant`). */
    awaiting: string;
    /** Cancelled by the reseller with a reason description. */
    cancelled: string;
    /** One each, through {@link entitlementIn}. */
    suspended: string;
    activeEnding: string;
    revoked: string;
    failed: string;
    pending: string;
    /** Still provisioning (a create in flight): hidden from every read but `findAny`. */
    provisioning: string;
    /** Reseller `b`, PENDING with an activation code. */
    pendingCode: string;
    /** Its copy with the same fingerprint, created a minute later. */
    pendingCodeTwin: string;
    /** Reseller `b`, same customer and product, another fingerprint (a display name). */
    pendingOther: string;
    /** Reseller `c`'s route (merchant `c`), ACTIVE. */
    ofC: string;
  };
  /** Every (route, customer) pair with a shared customer id. */
  sharedCustomers: { routeId: string; customerIdentifier: string }[];
  idempotency: {
    /** Completed with headers and a body. */
    completed: IdempotencyKeyRef;
    /** Completed without a body. */
    noBody: IdempotencyKeyRef;
    /** Still in progress: every response column null. */
    inProgress: IdempotencyKeyRef;
  };
}

/**
 * Rows of every table the prepared selects read, through the services wherever they can make
 * them, with every column type the entities have (instants, booleans, simple-json, BIGINT
 * counters read as numbers) and each nullable column both null and set. Only a row still
 * provisioning and a PENDING twin are written directly: the services leave neither behind.
 */
export async function buildVariedData(world: DomainWorld): Promise<VariedData> {
  const { catalogue, entitlements, merchantEntitlements, sandbox } = world.services;
  const a = await world.addTenant();
  const b = await world.addTenant({ sandbox: true, shareCustomerIdentifier: true, maxLive: 3 });
  const c = await world.addTenant({ resellerKey: a.resellerKey, withoutCallbacks: ['update'] });

  await catalogue.updateReseller(b.resellerKey, {
    defaultNotificationUrl: 'http://127.0.0.1:9/b-default',
    notificationAuth: {
      type: 'OAUTH2_CLIENT_CREDENTIALS',
      tokenUrl: 'http://127.0.0.1:9/token',
      clientId: 'tessera',
      clientSecret: 'b-client-secret',
      scope: 'notifications',
    },
  });
  await catalogue.rotateSigningSecret(b.resellerKey);
  await sandbox.advanceClock(b.reseller, { advanceBySeconds: SANDBOX_CLOCK_AHEAD_S });

  const revokedIssue = await catalogue.issueCredential({
    ownerType: 'MERCHANT',
    ownerKey: c.merchantAccountKey,
    allowedIps: ['192.0.2.10', '10.0.0.0/8', '2001:db8::/32'],
  });
  await catalogue.revokeCredential(revokedIssue.credentialId);
  const usernameOf = async (id: string) => {
    const all = await catalogue.listCredentials();
    const found = all.find((credential) => credential.credentialId === id);
    if (found === undefined) {
      throw new Error(`no credential ${id}`);
    }
    return { id, username: found.username };
  };

  /** Creates an entitlement a second after the previous one (or at its instant). */
  const create = async (
    tenant: Tenant,
    body: Partial<CreateEntitlementRequest> & { customerIdentifier: string },
    answer?: StubAnswer,
    options: { sameInstant?: boolean } = {},
  ): Promise<string> => {
    if (!options.sameInstant) {
      world.clock.advance(SECOND);
    }
    if (answer !== undefined) {
      world.stub.answerNext('create', answer);
    }
    const { entitlement } = await entitlements.create(
      tenant.reseller,
      { merchantAccountKey: tenant.merchantAccountKey, productKey: tenant.productKey, ...body },
      world.meta(),
    );
    return entitlement.entitlementId;
  };
  const later = async <T>(work: () => Promise<T>): Promise<T> => {
    world.clock.advance(SECOND);
    return work();
  };

  const severalCustomer = newCustomer();
  const rich = await create(
    a,
    {
      customerIdentifier: severalCustomer,
      offerKey: 'OFFER_SPRING',
      entitlementDisplayName: 'Music for the family',
      dateExpiry: new Date(world.clock.now().getTime() + 30 * DAY).toISOString(),
      extensionData: { campaign: 'spring', channel: 'web' },
    },
    {
      status: 200,
      body: { merchantEntitlementId: 'merchant-rich-1', merchantExtensionData: { tier: 'gold' } },
    },
  );
  const pendingUrl = await create(
    a,
    { customerIdentifier: severalCustomer, productKey: a.otherProductKey },
    { status: 202, body: { parameters: signUpParameters('varied') } },
  );
  const resumed = await create(c, { customerIdentifier: severalCustomer });
  const tie = await create(
    c,
    { customerIdentifier: severalCustomer, productKey: c.otherProductKey },
    undefined,
    { sameInstant: true },
  );
  await later(() => merchantEntitlements.suspend(c.merchant, resumed, {}, world.meta()));
  await later(() => merchantEntitlements.resume(c.merchant, resumed, {}, world.meta()));

  const awaiting = await create(a, { customerIdentifier: newCustomer() });
  world.stub.answerNext('suspend', { status: 202, body: {} });
  await later(() =>
    entitlements.update(a.reseller, awaiting, { entitlementBenefits: 'SUSPENDED' }, world.meta()),
  );

  const cancelled = await create(a, { customerIdentifier: newCustomer() });
  await later(() =>
    entitlements.cancel(
      a.reseller,
      cancelled,
      {
        reasonCategory: 'CUSTOMER_CANCELLED',
        reasonCode: 'NOT_RENEWED',
        reasonDescription: 'Moved to another bundle',
      },
      world.meta(),
    ),
  );

  const inState = async (status: Parameters<typeof entitlementIn>[2]) => {
    world.clock.advance(SECOND);
    return (await entitlementIn(world, a, status)).entitlementId;
  };
  const suspended = await inState('SUSPENDED');
  const activeEnding = await inState('ACTIVE-ENDING');
  const revoked = await inState('REVOKED');
  const failed = await inState('FAILED');
  const pending = await inState('PENDING');
  const ofC = await create(c, { customerIdentifier: newCustomer() });

  const pendingCustomer = newCustomer();
  const pendingCode = await create(
    b,
    { customerIdentifier: pendingCustomer, notificationUrl: 'http://127.0.0.1:9/b-own' },
    {
      status: 202,
      body: {
        merchantEntitlementId: 'merchant-code-1',
        parameters: { action: 'ENTER_ACTIVATION_CODE', activationCode: 'CODE-1234' },
      },
    },
  );
  const pendingOther = await create(
    b,
    { customerIdentifier: pendingCustomer, entitlementDisplayName: 'Another try' },
    { status: 202, body: { parameters: signUpParameters('other') } },
  );

  // Rows the services never leave behind: a create still at the merchant, and a second
  // PENDING entitlement of one fingerprint (the create's re-ask check answers the newest).
  const provisioning = randomUUID();
  const pendingCodeTwin = randomUUID();
  await world.services.transactions.run(async (tx) => {
    const template = await tx.findOneByOrFail(EntitlementRecord, { id: rich });
    await tx.insert(
      EntitlementRecord,
      Object.assign(new EntitlementRecord(), template, {
        id: provisioning,
        status: 'PENDING',
        merchantEntitlementId: provisioning,
        merchantExtensionData: {},
        dateCreated: new Date(world.clock.now().getTime() + SECOND),
        dateActivated: null,
        dateLastUpdated: new Date(world.clock.now().getTime() + SECOND),
        version: 0,
        provisioning: true,
        createRequestId: null,
        awaitingMerchant: null,
      }),
    );
    const code = await tx.findOneByOrFail(EntitlementRecord, { id: pendingCode });
    const twinCreated = new Date(code.dateCreated.getTime() + 60 * SECOND);
    await tx.insert(
      EntitlementRecord,
      Object.assign(new EntitlementRecord(), code, {
        id: pendingCodeTwin,
        merchantEntitlementId: pendingCodeTwin,
        dateCreated: twinCreated,
        dateLastUpdated: twinCreated,
      }),
    );
  });

  await catalogue.updateMerchant(c.merchantAccountKey, {
    callbackAuth: { type: 'API_KEY', apiKey: 'c-api-key' },
    callbackTimeoutMs: 1500,
  });

  const idempotency = new IdempotencyService(
    world.services.transactions,
    new IdempotencyRecordRepository(),
    world.clock,
  );
  const claimed = async (ref: IdempotencyKeyRef) => {
    const claim = await idempotency.claim(ref, `fingerprint-${ref.idempotencyKey}`);
    if (claim.kind !== 'claimed') {
      throw new Error(`${ref.idempotencyKey} was not claimed`);
    }
    return claim.claimToken;
  };
  const completed = { credentialId: a.reseller.credentialId, idempotencyKey: 'order-1' };
  const noBody = { credentialId: a.reseller.credentialId, idempotencyKey: 'order-2' };
  const inProgress = { credentialId: a.merchant.credentialId, idempotencyKey: 'order-1' };
  await idempotency.complete(completed, await claimed(completed), {
    status: 201,
    headers: { 'Content-Type': 'application/json', ETag: '"1"' },
    body: '{"entitlementId":"e-1"}',
  });
  await idempotency.complete(noBody, await claimed(noBody), {
    status: 204,
    headers: {},
    body: null,
  });
  await claimed(inProgress);

  const sharedCustomers = await world.services.transactions.read(async (tx) =>
    (await tx.find(SharedCustomer)).map(({ routeId, customerIdentifier }) => ({
      routeId,
      customerIdentifier,
    })),
  );

  return {
    a,
    b,
    c,
    credentials: {
      ofReseller: await usernameOf(a.reseller.credentialId),
      ofMerchant: await usernameOf(a.merchant.credentialId),
      revoked: await usernameOf(revokedIssue.credentialId),
    },
    severalCustomer,
    pendingCustomer,
    entitlements: {
      rich,
      pendingUrl,
      resumed,
      tie,
      awaiting,
      cancelled,
      suspended,
      activeEnding,
      revoked,
      failed,
      pending,
      provisioning,
      pendingCode,
      pendingCodeTwin,
      pendingOther,
      ofC,
    },
    sharedCustomers,
    idempotency: { completed, noBody, inProgress },
  };
}
