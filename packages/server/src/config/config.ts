import bytes from 'bytes';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';

import { ConfigError } from '../errors/config-error';
import type { RateLimitOptions } from '../http/rate-limit.middleware';
import {
  type DatabaseConfig,
  parseDatabaseUrl,
  SQLITE_DRIVERS,
  SQLITE_SYNCHRONOUS_MODES,
  type SqliteSynchronous,
} from './database-url';

/** Log levels accepted by `LOG_LEVEL` (pino's, plus `silent`). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Validated server settings, read once at start. */
export interface Config {
  /** TCP port to listen on; 0 picks a free one. */
  port: number;
  /** Interface to bind. */
  host: string;
  /** Where state is stored. */
  database: DatabaseConfig;
  /** Bearer token of the operator's admin API; unset disables that API. */
  adminToken: string | undefined;
  logLevel: LogLevel;
  /** Whether sandbox credentials, the simulated merchant and the test clock are served. */
  sandbox: boolean;
  /** Base URL the outside world reaches this server at; derived from the socket when unset. */
  publicBaseUrl: string | undefined;
  /** How long shutdown waits for in-flight requests before closing their connections. */
  shutdownTimeoutMs: number;
  /** Largest request body accepted, in bytes. */
  bodyLimitBytes: number;
  /** Whether `X-Forwarded-For` names the caller (only behind a proxy that sets it). */
  trustProxy: boolean;
  /** Per-credential request limits of the reseller and merchant APIs. */
  rateLimit: RateLimitOptions;
  /** How notifications to resellers are delivered (issue #5). */
  notifications: NotificationConfig;
  /** How often the scheduler looks for due entitlement changes (ends of period, expiries). */
  schedulerIntervalMs: number;
  /** Secrets of the sandbox catalogue seeded at first start (when `sandbox` is on). */
  sandboxSeed: SandboxSeedConfig;
}

/** Passwords of the seeded sandbox credentials; the defaults are published in the README. */
export interface SandboxSeedConfig {
  /** HTTP Basic password of `sandbox-reseller`. */
  resellerPassword: string;
  /** HTTP Basic password of `sandbox-merchant`. */
  merchantPassword: string;
  /** Password Tessera sends (as `tessera`) to the simulated merchant's callbacks. */
  callbackPassword: string;
}

/** Settings of the notification dispatcher and of its address guard. */
export interface NotificationConfig {
  /** How long one delivery attempt may take before it counts as failed. */
  timeoutMs: number;
  /** An endpoint failing without a success for this long is disabled. */
  disableAfterMs: number;
  /** Host names that may resolve to otherwise refused (private, loopback…) addresses. */
  allowedHosts: string[];
  /** CIDR ranges that are deliverable although private, loopback or link-local. */
  allowedCidrs: string[];
  /** How often the dispatcher looks for due deliveries. */
  pollIntervalMs: number;
  /** How many endpoints one process sends to at once. */
  concurrency: number;
}

/** The environment variables {@link loadConfig} reads. */
export type Env = Record<string, string | undefined>;

const TRUE_WORDS = ['1', 'true', 'yes', 'on'];
const FALSE_WORDS = ['0', 'false', 'no', 'off'];

// An empty variable (`PORT=`) means "not set", as it does in most shells' habits.
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

const integer = (min: number, max: number) => {
  const error = `must be a whole number from ${min} to ${max}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};

const boolean = z
  .string()
  .trim()
  .toLowerCase()
  .refine((value) => TRUE_WORDS.includes(value) || FALSE_WORDS.includes(value), {
    message: `must be one of ${[...TRUE_WORDS, ...FALSE_WORDS].join(', ')}`,
  })
  .transform((value) => TRUE_WORDS.includes(value));

const byteSize = z.string().transform((value, ctx) => {
  const parsed = bytes.parse(value);
  if (parsed === null || !Number.isInteger(parsed) || parsed <= 0) {
    ctx.addIssue({ code: 'custom', message: 'must be a size such as 1mb, 512kb or 1048576' });
    return z.NEVER;
  }
  return parsed;
});

// The driver does not change whether a URL parses, so any will do for this check.
const databaseUrl = z
  .string()
  .trim()
  .superRefine((value, ctx) => {
    try {
      parseDatabaseUrl(value, 'better-sqlite3');
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
    }
  });

const publicUrlError = 'must be an http(s) URL without query or fragment';
const publicUrl = z.url({ protocol: /^https?$/, error: publicUrlError }).refine((value) => {
  const url = new URL(value);
  return url.search === '' && url.hash === '';
}, publicUrlError);

const DAY_MS = 86_400_000;

// Comma-separated lists, e.g. `hooks.internal.example,10.1.0.0/16`; blanks are ignored.
const commaList = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);

const hostList = commaList.pipe(
  z.array(z.string().regex(/^[a-z0-9.-]+$/i, 'must list host names separated by commas')),
);

const cidrList = commaList.pipe(
  z.array(
    z.string().refine((value) => ipaddr.isValidCIDR(value), {
      message: 'must list CIDR ranges (e.g. 10.1.0.0/16) separated by commas',
    }),
  ),
);

const envSchema = z.object({
  PORT: optional(integer(0, 65_535)).default(8080),
  HOST: optional(z.string().trim().min(1)).default('127.0.0.1'),
  DATABASE_URL: optional(databaseUrl),
  SQLITE_DRIVER: optional(
    z.enum(SQLITE_DRIVERS, { error: `must be one of ${SQLITE_DRIVERS.join(', ')}` }),
  ).default('better-sqlite3'),
  SQLITE_SYNCHRONOUS: optional(
    z.enum(SQLITE_SYNCHRONOUS_MODES, {
      error: `must be one of ${SQLITE_SYNCHRONOUS_MODES.join(', ')}`,
    }),
  ).default('full'),
  ADMIN_TOKEN: optional(z.string().min(16, 'must be at least 16 characters')),
  LOG_LEVEL: optional(
    z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }),
  ).default('info'),
  SANDBOX: optional(boolean).default(true),
  PUBLIC_BASE_URL: optional(publicUrl),
  SHUTDOWN_TIMEOUT_MS: optional(integer(0, 600_000)).default(10_000),
  BODY_LIMIT: optional(byteSize).default(1024 * 1024),
  TRUST_PROXY: optional(boolean).default(false),
  RATE_LIMIT_PER_SECOND: optional(integer(0, 100_000)).default(50),
  RATE_LIMIT_BURST: optional(integer(0, 1_000_000)).default(100),
  NOTIFICATION_TIMEOUT_MS: optional(integer(100, 120_000)).default(10_000),
  NOTIFICATION_DISABLE_AFTER_MS: optional(integer(1000, 30 * DAY_MS)).default(DAY_MS),
  NOTIFICATION_ALLOWED_HOSTS: optional(hostList).default([]),
  NOTIFICATION_ALLOWED_CIDRS: optional(cidrList).default([]),
  NOTIFICATION_POLL_INTERVAL_MS: optional(integer(10, 60_000)).default(1000),
  NOTIFICATION_CONCURRENCY: optional(integer(1, 256)).default(16),
  SCHEDULER_INTERVAL_MS: optional(integer(100, 3_600_000)).default(5000),
  SANDBOX_RESELLER_PASSWORD: optional(z.string().min(8)).default('sandbox-reseller-secret'),
  SANDBOX_MERCHANT_PASSWORD: optional(z.string().min(8)).default('sandbox-merchant-secret'),
  SANDBOX_CALLBACK_PASSWORD: optional(z.string().min(8)).default('sandbox-callback-secret'),
});

/**
 * Reads and validates the server settings from environment variables.
 *
 * @throws ConfigError listing every invalid variable at once.
 */
export function loadConfig(env: Env = process.env): Config {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map(describeIssue));
  }

  const vars = result.data;
  return {
    port: vars.PORT,
    host: vars.HOST,
    database: withSynchronous(
      parseDatabaseUrl(vars.DATABASE_URL, vars.SQLITE_DRIVER),
      vars.SQLITE_SYNCHRONOUS,
    ),
    adminToken: vars.ADMIN_TOKEN,
    logLevel: vars.LOG_LEVEL,
    sandbox: vars.SANDBOX,
    publicBaseUrl: vars.PUBLIC_BASE_URL?.replace(/\/+$/, ''),
    shutdownTimeoutMs: vars.SHUTDOWN_TIMEOUT_MS,
    bodyLimitBytes: vars.BODY_LIMIT,
    trustProxy: vars.TRUST_PROXY,
    rateLimit: { perSecond: vars.RATE_LIMIT_PER_SECOND, burst: vars.RATE_LIMIT_BURST },
    notifications: {
      timeoutMs: vars.NOTIFICATION_TIMEOUT_MS,
      disableAfterMs: vars.NOTIFICATION_DISABLE_AFTER_MS,
      allowedHosts: vars.NOTIFICATION_ALLOWED_HOSTS,
      allowedCidrs: vars.NOTIFICATION_ALLOWED_CIDRS,
      pollIntervalMs: vars.NOTIFICATION_POLL_INTERVAL_MS,
      concurrency: vars.NOTIFICATION_CONCURRENCY,
    },
    schedulerIntervalMs: vars.SCHEDULER_INTERVAL_MS,
    sandboxSeed: {
      resellerPassword: vars.SANDBOX_RESELLER_PASSWORD,
      merchantPassword: vars.SANDBOX_MERCHANT_PASSWORD,
      callbackPassword: vars.SANDBOX_CALLBACK_PASSWORD,
    },
  };
}

// The setting only means something to SQLite; a PostgreSQL config stays as it was parsed.
function withSynchronous(database: DatabaseConfig, synchronous: SqliteSynchronous): DatabaseConfig {
  return database.kind === 'sqlite' ? { ...database, synchronous } : database;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const name = issue.path.join('.') || '(environment)';
  return `${name}: ${issue.message}`;
}
