import { callbacks } from '@tessera/merchant-client';

import type {
  ActivationAction,
  CreateOutcome,
  StateChangeOutcome,
  TerminateOutcome,
  UpdateOutcome,
} from './merchant-gateway';

/**
 * Reading a merchant's 2xx answer into the gateway's outcomes. The generated `...FromJSON`
 * functions give the typed models, but they check nothing (a wrong type passes through, a bad
 * date becomes an Invalid Date), so the raw JSON is checked against the contract first.
 */

/** The answer breaks the contract; the message says how (the gateway adds the merchant). */
export class InvalidAnswerError extends Error {
  override readonly name = 'InvalidAnswerError';
}

/** Longest activation URL the contract allows (`ActionParameters.url`). */
export const MAX_ACTIVATION_URL_LENGTH = 10_000;
const MAX_ACTIVATION_CODE_LENGTH = 200;
const MAX_MERCHANT_ENTITLEMENT_ID_LENGTH = 200;
const MAX_EXTENSION_KEYS = 50;
const MAX_EXTENSION_VALUE_LENGTH = 2_000;

// RFC 3339 date-time (`format: date-time`): a full date, a time with seconds and an offset.
const RFC3339_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/;

type JsonObject = Record<string, unknown>;

/**
 * The body of a 2xx answer as a JSON object. An empty body counts as `{}`: every answer whose
 * fields are all optional may be empty (the contract says so of `CallbackAck`).
 */
export function parseAnswerBody(text: string): JsonObject {
  if (text.trim() === '') {
    return {};
  }

  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new InvalidAnswerError('the body is not valid JSON');
  }
  if (!isObject(body)) {
    throw new InvalidAnswerError('the body is not a JSON object');
  }
  return body;
}

/** Create: 200 activated, 201 created, 202 the user must act (`parameters` required). */
export function toCreateOutcome(status: number, body: JsonObject): CreateOutcome {
  expectStatus(status, [200, 201, 202]);
  checkMerchantEntitlementId(body.merchantEntitlementId);
  checkExtensionData(body.merchantExtensionData);
  if (status === 202) {
    checkActionParameters(body.parameters);
  }

  const result = callbacks.CallbackEntitlementResultFromJSON(body);
  const common = {
    ...(result.merchantEntitlementId === undefined
      ? {}
      : { merchantEntitlementId: result.merchantEntitlementId }),
    ...(result.merchantExtensionData === undefined
      ? {}
      : { merchantExtensionData: result.merchantExtensionData }),
  };

  if (status === 202) {
    return { kind: 'actionRequired', ...common, action: toAction(result.parameters) };
  }
  return { kind: status === 200 ? 'activated' : 'created', ...common };
}

/** Activation info: 200 with `parameters`. */
export function toActivationAction(status: number, body: JsonObject): ActivationAction {
  expectStatus(status, [200]);
  checkActionParameters(body.parameters);
  return toAction(callbacks.CallbackActivationInfoFromJSON(body).parameters);
}

/** Update: 200 done, 202 the user must act (`parameters` required). */
export function toUpdateOutcome(status: number, body: JsonObject): UpdateOutcome {
  expectStatus(status, [200, 202]);
  checkMerchantEntitlementId(body.merchantEntitlementId);
  checkExtensionData(body.merchantExtensionData);
  if (status === 202) {
    checkActionParameters(body.parameters);
  }

  const result = callbacks.CallbackEntitlementResultFromJSON(body);
  if (status === 202) {
    return { kind: 'actionRequired', action: toAction(result.parameters) };
  }
  return result.merchantExtensionData === undefined
    ? { kind: 'done' }
    : { kind: 'done', merchantExtensionData: result.merchantExtensionData };
}

/** Suspend or resume: 200 done, 202 queued. The body (a `CallbackAck`) is not needed. */
export function toStateChangeOutcome(status: number, body: JsonObject): StateChangeOutcome {
  expectStatus(status, [200, 202]);
  callbacks.CallbackAckFromJSON(body);
  return status === 200 ? { kind: 'done' } : { kind: 'accepted' };
}

/** Terminate: 200 done (with `terminationDate` when the merchant gives one), 202 queued. */
export function toTerminateOutcome(status: number, body: JsonObject): TerminateOutcome {
  expectStatus(status, [200, 202]);
  if (status === 202) {
    return { kind: 'accepted' };
  }

  checkDateTime(body.terminationDate, 'terminationDate', false);
  const result = callbacks.CallbackTerminationResultFromJSON(body);
  return result.terminationDate === undefined
    ? { kind: 'done' }
    : { kind: 'done', terminationDate: result.terminationDate };
}

function expectStatus(status: number, expected: number[]): void {
  if (!expected.includes(status)) {
    throw new InvalidAnswerError(`unexpected HTTP ${status} (expected ${expected.join(', ')})`);
  }
}

function checkMerchantEntitlementId(value: unknown): void {
  if (value == null) {
    return;
  }
  if (
    typeof value !== 'string' ||
    value === '' ||
    value.length > MAX_MERCHANT_ENTITLEMENT_ID_LENGTH
  ) {
    throw new InvalidAnswerError(
      'merchantEntitlementId must be a string of ' +
        `1 to ${MAX_MERCHANT_ENTITLEMENT_ID_LENGTH} characters`,
    );
  }
}

function checkExtensionData(value: unknown): void {
  if (value == null) {
    return;
  }
  if (!isObject(value)) {
    throw new InvalidAnswerError('merchantExtensionData must be an object');
  }
  const entries = Object.entries(value);
  if (entries.length > MAX_EXTENSION_KEYS) {
    throw new InvalidAnswerError(`merchantExtensionData has more than ${MAX_EXTENSION_KEYS} keys`);
  }
  for (const [key, item] of entries) {
    if (typeof item !== 'string' || item.length > MAX_EXTENSION_VALUE_LENGTH) {
      throw new InvalidAnswerError(
        `merchantExtensionData.${key} must be a string ` +
          `of at most ${MAX_EXTENSION_VALUE_LENGTH} characters`,
      );
    }
  }
}

function checkActionParameters(value: unknown): void {
  if (!isObject(value)) {
    throw new InvalidAnswerError('parameters (the action the user must take) are missing');
  }

  switch (value.action) {
    case callbacks.ActionParametersActionEnum.NAVIGATE_TO_URL:
      checkActivationUrl(value.url);
      checkDateTime(value.urlExpiry, 'parameters.urlExpiry', true);
      return;
    case callbacks.ActionParametersActionEnum.ENTER_ACTIVATION_CODE:
      if (
        typeof value.activationCode !== 'string' ||
        value.activationCode === '' ||
        value.activationCode.length > MAX_ACTIVATION_CODE_LENGTH
      ) {
        throw new InvalidAnswerError(
          'parameters.activationCode must be a string ' +
            `of 1 to ${MAX_ACTIVATION_CODE_LENGTH} characters`,
        );
      }
      return;
    default:
      throw new InvalidAnswerError(
        'parameters.action must be NAVIGATE_TO_URL or ENTER_ACTIVATION_CODE',
      );
  }
}

function checkActivationUrl(value: unknown): void {
  if (typeof value !== 'string' || value === '') {
    throw new InvalidAnswerError('parameters.url is missing for NAVIGATE_TO_URL');
  }
  if (value.length > MAX_ACTIVATION_URL_LENGTH) {
    throw new InvalidAnswerError(
      `parameters.url is longer than ${MAX_ACTIVATION_URL_LENGTH} characters`,
    );
  }
  // The reseller shows this URL to its user: only web URLs, never `javascript:` and the like.
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidAnswerError('parameters.url is not an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InvalidAnswerError('parameters.url must be an http or https URL');
  }
}

function checkDateTime(value: unknown, field: string, nullable: boolean): void {
  if (value === undefined || (nullable && value === null)) {
    return;
  }
  if (typeof value !== 'string' || !isDateTime(value)) {
    throw new InvalidAnswerError(`${field} is not an RFC 3339 date-time`);
  }
}

/** Whether `value` is an RFC 3339 date-time of a real calendar day (`Date` rolls 02-30 over). */
function isDateTime(value: string): boolean {
  const match = RFC3339_DATE_TIME.exec(value);
  if (match === null) {
    return false;
  }
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = match
    .slice(1, 7)
    .map(Number);
  const offsetHour = Number(match[9] ?? 0);
  const offsetMinute = Number(match[10] ?? 0);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 60 &&
    offsetHour <= 23 &&
    offsetMinute <= 59 &&
    !Number.isNaN(new Date(value).getTime())
  );
}

function toAction(parameters: callbacks.ActionParameters | undefined): ActivationAction {
  if (parameters === undefined) {
    // checkActionParameters ran first; this keeps the types honest.
    throw new InvalidAnswerError('parameters (the action the user must take) are missing');
  }

  if (parameters.action === callbacks.ActionParametersActionEnum.ENTER_ACTIVATION_CODE) {
    return { action: 'ENTER_ACTIVATION_CODE', activationCode: parameters.activationCode };
  }
  return {
    action: 'NAVIGATE_TO_URL',
    url: parameters.url,
    urlExpiry: parameters.urlExpiry ?? null,
  };
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
