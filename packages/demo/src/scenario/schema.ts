import { EntitlementStatus, NotificationReason } from '@tessera/reseller-client';
import { z } from 'zod';

import { parseDuration } from './duration';

/** `5s`, `300ms`, `31d` or a number of milliseconds, read as milliseconds. */
export const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: 'must be a duration such as 300ms, 5s, 2m, 1h, 31d' });
    return z.NEVER;
  }
  return ms;
});

const status = z.enum(Object.values(EntitlementStatus) as [EntitlementStatus]);
const reason = z.enum(Object.values(NotificationReason) as [NotificationReason]);
const jsonObject = z.record(z.string(), z.unknown());

/** Names an entitlement created earlier in the scenario (`as:` on create); the last by default. */
const target = { entitlement: z.string().optional() };
/** The `X-Magic-Number` value(s) Tessera passes on to the sandbox's simulated merchant. */
const magic = { magic: z.string().optional() };
/** Sends the entitlement's current version as `If-Match`. */
const ifMatch = { ifMatch: z.boolean().optional() };

const termination = z.strictObject({
  ...target,
  ...magic,
  ...ifMatch,
  reasonCategory: z.string(),
  reasonCode: z.string(),
  reasonDescription: z.string().optional(),
});

/** The arguments of each action, by action name. */
export const ACTION_SCHEMAS = {
  create: z.strictObject({
    as: z.string().optional(),
    ...magic,
    productKey: z.string(),
    merchantAccountKey: z.string().optional(),
    customerIdentifier: z.string().optional(),
    offerKey: z.string().optional(),
    notificationUrl: z.string().optional(),
    dateExpiry: z.string().optional(),
    entitlementDisplayName: z.string().optional(),
    extensionData: jsonObject.optional(),
  }),
  get: z.strictObject({ ...target }),
  update: z.strictObject({
    ...target,
    ...magic,
    ...ifMatch,
    productKey: z.string().optional(),
    entitlementBenefits: z.enum(['NORMAL', 'SUSPENDED']).optional(),
    revertCancellation: z.literal(true).optional(),
    notificationUrl: z.string().nullable().optional(),
    dateExpiry: z.string().nullable().optional(),
    customerIdentifier: z.string().optional(),
    entitlementDisplayName: z.string().nullable().optional(),
    extensionData: jsonObject.optional(),
  }),
  cancel: termination,
  revoke: termination,
  activationInfo: z.strictObject({ ...target, ...magic }),
  events: z.strictObject({ ...target }),
  advanceClock: z.union([
    z.strictObject({ by: duration }),
    // Moves the clock to the entitlement's dateEnded plus a margin (`pastDateEnded: 1m`).
    z.strictObject({ ...target, pastDateEnded: duration }),
  ]),
  openSignupPage: z.strictObject({ ...target }),
  submitSignupPage: z.strictObject({ ...target }),
  merchantCall: z.strictObject({
    ...target,
    operation: z.enum([
      'get',
      'activate',
      'suspend',
      'resume',
      'terminate',
      'update',
      'notEligible',
    ]),
    body: jsonObject.optional(),
  }),
  receiverDown: z.strictObject({ for: duration.optional() }),
  receiverUp: z.strictObject({}),
  wait: duration,
} as const;

/** The name of an action a step can take. */
export type ActionName = keyof typeof ACTION_SCHEMAS;

/** The parsed arguments of action `A`. */
export type ActionArgs<A extends ActionName> = z.output<(typeof ACTION_SCHEMAS)[A]>;

const notificationExpectation = z.strictObject({
  reason,
  status: status.optional(),
  version: z.number().int().optional(),
  ...target,
});

/** One expected notification. */
export type NotificationExpectation = z.output<typeof notificationExpectation>;

/** What a step expects: of its answer, and of what happens within `within`. */
export const expectationSchema = z.strictObject({
  httpStatus: z.number().int().optional(),
  responseCode: z.string().optional(),
  status: status.optional(),
  /** A partial match of the answer's JSON body; `"*"` stands for any value but null. */
  fields: jsonObject.optional(),
  bodyContains: z.string().optional(),
  notification: notificationExpectation.optional(),
  /** Several notifications, which must arrive in this order, in the order of their sequence. */
  notifications: z.array(notificationExpectation).min(1).optional(),
  /** Deliveries the receiver answered with 503 while down (Tessera retries them). */
  refusedDeliveries: z.strictObject({ atLeast: z.number().int().min(1) }).optional(),
  /** Lines of Tessera's JSON log whose message matches the pattern (a regular expression). */
  serverLog: z
    .strictObject({ message: z.string(), atLeast: z.number().int().min(1).default(1) })
    .optional(),
  /** How long to wait for notifications, refused deliveries and log lines; 10s by default. */
  within: duration.optional(),
});

/** A step's parsed expectations. */
export type Expectation = z.output<typeof expectationSchema>;

/** The keys of a step besides its action. */
export const stepExtrasSchema = z.strictObject({
  /** A sentence printed in the timeline before the step, saying what it shows. */
  say: z.string().optional(),
  expect: expectationSchema.optional(),
});

/** The scenario file's frame; its steps are checked one by one (see load.ts). */
export const scenarioFileSchema = z.strictObject({
  title: z.string().min(1),
  description: z.string().optional(),
  steps: z.array(z.record(z.string(), z.unknown())).min(1),
});
