import { randomUUID } from 'node:crypto';

import type { Clock } from '../domain/clock';
import type { ResellerPrincipal } from '../domain/principals';
import type { Transactions } from '../database/transaction';
import { BadRequestProblem, ForbiddenProblem, NotFoundProblem } from '../errors/http-problems';
import type { components } from '../generated/contract';
import { findNulCharacters, hasNulCharacter } from '../util/nul-character';
import { z } from 'zod';
import { InboxNotification, NotificationFaultProfile } from './entities';
import type { ResellerSettingsRepository } from './repositories/reseller-settings.repository';
import type { SandboxNotificationRepository } from './repositories/sandbox-notification.repository';
import { activeSigningSecrets, verifiesWithAny } from './signing';

type Schemas = components['schemas'];

/** How many notifications a sandbox inbox keeps; older ones are dropped. */
export const INBOX_CAPACITY = 500;

/** Longest `delayMs` a fault profile may ask for. */
export const MAX_FAULT_DELAY_MS = 10 * 60 * 1000;

/** A sandbox reseller's notification faults: the contract's, with every field filled in. */
export type NotificationFaults = Required<Schemas['NotificationFaults']>;

const NO_FAULTS: NotificationFaults = { duplicateRate: 0, reorderRate: 0, delayMs: 0 };

/** Headers whose values are secrets: the inbox shows the scheme only. */
const REDACTED_HEADERS = new Set(['authorization', 'x-api-key', 'cookie']);

/** What the sandbox services work with. */
export interface SandboxNotificationDeps {
  transactions: Transactions;
  resellers: ResellerSettingsRepository;
  sandbox: SandboxNotificationRepository;
  clock: Clock;
}

/**
 * The sandbox's notification extras: the built-in inbox (receives a sandbox reseller's
 * notifications, checks their signatures, lets the reseller read them back) and fault
 * injection (duplicates, reordering, delays) so integrators can test their handlers.
 */
export class SandboxNotificationService {
  constructor(private readonly deps: SandboxNotificationDeps) {}

  /**
   * Records a notification POSTed to `/sandbox/inbox/{resellerKey}`: headers, raw body and
   * whether any of the reseller's active secrets verifies it. 404 for unknown or live resellers.
   */
  async receive(resellerKey: string, headers: Record<string, unknown>, rawBody: string) {
    const notification = parseNotification(rawBody);
    await this.deps.transactions.run(async (tx) => {
      // No key holds a NUL, and PostgreSQL cannot even be asked about one (see nul-character).
      const reseller = hasNulCharacter(resellerKey)
        ? null
        : await this.deps.resellers.findByKey(tx, resellerKey);
      if (reseller === null || !reseller.sandbox) {
        throw new NotFoundProblem(`There is no sandbox inbox for ${resellerKey}.`);
      }
      const flat = flattenHeaders(headers);
      const secrets = activeSigningSecrets(reseller, new Date());
      await this.deps.sandbox.insertInbox(
        tx,
        Object.assign(new InboxNotification(), {
          id: randomUUID(),
          resellerId: reseller.id,
          entitlementId: stringOrNull(notification.entitlementId),
          receivedAt: this.deps.clock.now(),
          headers: redact(flat),
          body: rawBody,
          signatureValid: verifiesWithAny(rawBody, flat, secrets),
        }),
      );
      await this.deps.sandbox.pruneInbox(tx, reseller.id, INBOX_CAPACITY);
    });
  }

  /** The caller's inbox, oldest first; 403 for live resellers. */
  async listInbox(caller: ResellerPrincipal, entitlementId?: string) {
    assertSandbox(caller);
    const rows = await this.deps.transactions.read((tx) =>
      this.deps.sandbox.listInbox(tx, caller.resellerId, entitlementId),
    );
    const notifications: Schemas['InboxNotification'][] = rows.map((row) => ({
      receivedAt: row.receivedAt.toISOString(),
      headers: row.headers,
      signatureValid: row.signatureValid,
      notification: JSON.parse(row.body) as Schemas['EntitlementNotification'],
    }));
    return notifications;
  }

  /** The caller's fault profile (all zero when none is set); 403 for live resellers. */
  async getFaults(caller: ResellerPrincipal): Promise<NotificationFaults> {
    assertSandbox(caller);
    const profile = await this.deps.transactions.read((tx) =>
      this.deps.sandbox.findFaults(tx, caller.resellerId),
    );
    return profile === null ? NO_FAULTS : faultsOf(profile);
  }

  /**
   * Replaces the caller's fault profile (fields left out are 0); 400 for values out of range,
   * 403 for live resellers. Checked here too, not only by the HTTP layer's contract validation:
   * the profile steers the dispatcher, whoever calls.
   */
  async setFaults(caller: ResellerPrincipal, input: unknown): Promise<NotificationFaults> {
    assertSandbox(caller);
    const faults = validateFaults(input);
    await this.deps.transactions.run((tx) =>
      this.deps.sandbox.saveFaults(
        tx,
        Object.assign(new NotificationFaultProfile(), {
          resellerId: caller.resellerId,
          ...faults,
          updatedAt: this.deps.clock.now(),
        }),
      ),
    );
    return faults;
  }
}

function assertSandbox(caller: ResellerPrincipal): void {
  if (!caller.sandbox) {
    throw new ForbiddenProblem('Only sandbox resellers have a notification inbox and faults.');
  }
}

// The fields every notification has (the contract's EntitlementNotification), so that what
// the inbox lists back is a notification even when someone else posted it.
const notificationShape = z.looseObject({
  eventId: z.string(),
  reason: z.string(),
  version: z.number().int(),
  sequence: z.number().int(),
  timestamp: z.string(),
  entitlementId: z.string(),
  entitlement: z.looseObject({ entitlementId: z.string(), status: z.string() }),
});

function parseNotification(rawBody: string): Record<string, unknown> {
  try {
    const parsed = notificationShape.safeParse(JSON.parse(rawBody));
    // Tessera sends no NUL characters (it accepts none), and the database could not store one.
    if (parsed.success && findNulCharacters(parsed.data).length === 0) {
      return parsed.data;
    }
  } catch {
    // Reported below.
  }
  throw new BadRequestProblem('The inbox accepts Tessera entitlement notifications only.');
}

function flattenHeaders(headers: Record<string, unknown>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) {
      flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    }
  }
  return flat;
}

function redact(headers: Record<string, string>): Record<string, string> {
  const shown = { ...headers };
  for (const name of Object.keys(shown)) {
    if (REDACTED_HEADERS.has(name)) {
      const scheme = shown[name]!.split(' ')[0];
      shown[name] = name === 'authorization' ? `${scheme} [redacted]` : '[redacted]';
    }
  }
  return shown;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value.length <= 36 ? value : null;
}

function faultsOf(profile: NotificationFaultProfile): NotificationFaults {
  return {
    duplicateRate: profile.duplicateRate,
    reorderRate: profile.reorderRate,
    delayMs: profile.delayMs,
  };
}

const rate = z.number({ error: 'must be a number from 0 to 1' }).min(0).max(1).default(0);

const faultsSchema = z.strictObject({
  duplicateRate: rate,
  reorderRate: rate,
  delayMs: z
    .number({ error: 'must be a whole number of ms' })
    .int()
    .min(0)
    .max(MAX_FAULT_DELAY_MS)
    .default(0),
});

function validateFaults(input: unknown): NotificationFaults {
  const result = faultsSchema.safeParse(input ?? {});
  if (result.success) {
    return result.data;
  }
  const errors = result.error.issues.map((issue) => ({
    field: `/${[...issue.path, ...((issue as { keys?: string[] }).keys ?? [])].join('/')}`,
    message: issue.message,
  }));
  throw new BadRequestProblem('The notification faults are invalid.', { errors });
}
