import { z } from 'zod';

import { MAGIC_VALUES, type ProductCatalogue } from './behaviour';
import type { DemoMerchantOptions } from './demo-merchant';

/** Log levels accepted by `LOG_LEVEL` (pino's, plus `silent`). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Validated settings of the demo merchant process. */
export interface DemoMerchantConfig {
  /** TCP port to listen on; 0 picks a free one. */
  port: number;
  /** Interface to bind. */
  host: string;
  logLevel: (typeof LOG_LEVELS)[number];
  /** Everything {@link createDemoMerchant} needs, bar the logger. */
  merchant: Omit<DemoMerchantOptions, 'logger' | 'now'>;
}

/** The environment variables {@link loadConfig} reads. */
export type Env = Record<string, string | undefined>;

/** Thrown when environment variables fail validation; lists every problem, not just the first. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

// An empty variable (`PORT=`) means "not set", as it does in most shells' habits.
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

const integer = (min: number, max: number) => {
  const error = `must be a whole number from ${min} to ${max}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .transform((url) => url.replace(/\/+$/, ''));

const secret = z.string({ error: 'is required' }).min(1, 'is required');

const magicValue = z.enum(MAGIC_VALUES, { error: `must be one of ${MAGIC_VALUES.join(', ')}` });

const products = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be JSON' });
      return z.NEVER;
    }
  })
  .pipe(
    z.record(
      z.string().min(1),
      z.object({
        name: z.string().min(1).optional(),
        // One value or a list: `"magic": "REQUEST_RETURNS_ACCEPTED"` reads naturally too.
        magic: z.union([magicValue.transform((value) => [value]), z.array(magicValue)]).optional(),
      }),
    ),
  ) satisfies z.ZodType<ProductCatalogue, string>;

const envSchema = z.object({
  PORT: optional(integer(0, 65_535)).default(8090),
  HOST: optional(z.string().trim().min(1)).default('127.0.0.1'),
  PUBLIC_BASE_URL: optional(httpUrl),
  BASE_PATH: optional(
    z.string().regex(/^(\/[\w.~-]+)*\/?$/, 'must be a path such as /tessera, or /'),
  ).default('/tessera'),
  TESSERA_BASE_URL: optional(httpUrl).default('http://127.0.0.1:8080'),
  TESSERA_MERCHANT_USERNAME: secret,
  TESSERA_MERCHANT_PASSWORD: secret,
  CALLBACK_USERNAME: secret,
  CALLBACK_PASSWORD: secret,
  OAUTH2_CLIENT_ID: optional(z.string().min(1)),
  OAUTH2_CLIENT_SECRET: optional(z.string().min(1)),
  OAUTH2_TOKEN_TTL_SECONDS: optional(integer(1, 86_400)).default(3600),
  PRODUCTS: optional(products),
  ACTIVATION_DELAY_MS: optional(integer(0, 3_600_000)).default(5000),
  CONFIRMATION_DELAY_MS: optional(integer(0, 3_600_000)).default(5000),
  TIMEOUT_DELAY_MS: optional(integer(0, 600_000)).default(15_000),
  SIGNUP_URL_TTL_SECONDS: optional(integer(60, 30 * 86_400)).default(86_400),
  BILLING_PERIOD_DAYS: optional(integer(1, 366)).default(30),
  SHUTDOWN_TIMEOUT_MS: optional(integer(0, 600_000)).default(10_000),
  LOG_LEVEL: optional(
    z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }),
  ).default('info'),
});

type Vars = z.output<typeof envSchema>;

/**
 * Reads and validates the demo merchant's settings from environment variables.
 *
 * @throws ConfigError listing every invalid variable at once
 */
export function loadConfig(env: Env = process.env): DemoMerchantConfig {
  const result = envSchema.safeParse(env);
  const problems = [...(result.error?.issues.map(describeIssue) ?? []), ...pairProblems(env)];
  if (!result.success || problems.length > 0) {
    throw new ConfigError(problems);
  }

  const vars = result.data;
  return {
    port: vars.PORT,
    host: vars.HOST,
    logLevel: vars.LOG_LEVEL,
    merchant: merchantOptions(vars),
  };
}

function merchantOptions(vars: Vars): DemoMerchantConfig['merchant'] {
  return {
    tessera: {
      baseUrl: vars.TESSERA_BASE_URL,
      username: vars.TESSERA_MERCHANT_USERNAME,
      password: vars.TESSERA_MERCHANT_PASSWORD,
    },
    callbackCredentials: { username: vars.CALLBACK_USERNAME, password: vars.CALLBACK_PASSWORD },
    oauth2: oauth2Options(vars),
    basePath: vars.BASE_PATH.replace(/\/+$/, ''),
    publicBaseUrl: vars.PUBLIC_BASE_URL,
    products: vars.PRODUCTS,
    timing: {
      activationDelayMs: vars.ACTIVATION_DELAY_MS,
      confirmationDelayMs: vars.CONFIRMATION_DELAY_MS,
      timeoutDelayMs: vars.TIMEOUT_DELAY_MS,
      signupUrlTtlMs: vars.SIGNUP_URL_TTL_SECONDS * 1000,
      billingPeriodMs: vars.BILLING_PERIOD_DAYS * 24 * 60 * 60 * 1000,
    },
    shutdownTimeoutMs: vars.SHUTDOWN_TIMEOUT_MS,
  };
}

function oauth2Options(vars: Vars): DemoMerchantOptions['oauth2'] {
  if (vars.OAUTH2_CLIENT_ID === undefined || vars.OAUTH2_CLIENT_SECRET === undefined) {
    return undefined;
  }
  return {
    clientId: vars.OAUTH2_CLIENT_ID,
    clientSecret: vars.OAUTH2_CLIENT_SECRET,
    tokenTtlSeconds: vars.OAUTH2_TOKEN_TTL_SECONDS,
  };
}

// Checked apart from the schema, which skips object-level checks once any field fails.
function pairProblems(env: Env): string[] {
  const set = (name: string) => (env[name] ?? '') !== '';
  if (set('OAUTH2_CLIENT_ID') === set('OAUTH2_CLIENT_SECRET')) {
    return [];
  }
  return ['OAUTH2_CLIENT_ID, OAUTH2_CLIENT_SECRET: set both, or neither'];
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const name = issue.path.join('.') || '(environment)';
  return `${name}: ${issue.message}`;
}
