import type { ReceivedNotification } from '@tessera/demo-reseller';

import { formatDuration } from '../scenario/duration';
import type { Expectation, NotificationExpectation } from '../scenario/schema';
import { field, textField } from './answer';
import type { ScenarioRun } from './scenario-run';

/** One checked expectation: whether it held, and what it was (and what was seen instead). */
export interface CheckResult {
  ok: boolean;
  text: string;
}

/** How long notifications, refused deliveries and log lines are waited for by default. */
export const DEFAULT_WITHIN_MS = 10_000;
const POLL_MS = 25;

/** Where a step began, for expectations about what happened since. */
export interface StepStart {
  at: Date;
  /** Index of the first Tessera log line written after the step began. */
  logIndex: number;
}

/**
 * Checks a step's expectations: first those about its answer, then those about what happens
 * afterwards (notifications, refused deliveries, log lines), waiting up to `within` for them.
 */
export async function checkExpectations(
  run: ScenarioRun,
  expect: Expectation,
  start: StepStart,
): Promise<CheckResult[]> {
  const results = checkAnswer(run, expect);
  const within = expect.within ?? DEFAULT_WITHIN_MS;
  const waits = asyncChecks(run, expect, start);
  if (waits.length === 0) {
    return results;
  }
  const deadline = Date.now() + within;
  let outcome = waits.map((check) => check(false));
  while (outcome.some((result) => !result.ok) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    outcome = waits.map((check) => check(false));
  }
  // The last pass commits (consumes the notifications matched) and words failures finally.
  return [...results, ...waits.map((check) => check(true, within))];
}

function checkAnswer(run: ScenarioRun, expect: Expectation): CheckResult[] {
  const answer = run.answer;
  const results: CheckResult[] = [];
  const same = (label: string, expected: unknown, actual: unknown) =>
    results.push({
      ok: expected === actual,
      text: expected === actual ? `${label} ${expected}` : `${label} ${expected}, got ${actual}`,
    });

  if (expect.httpStatus !== undefined) {
    same('HTTP', expect.httpStatus, answer?.httpStatus);
  }
  if (expect.responseCode !== undefined) {
    same('responseCode', expect.responseCode, textField(answer, 'responseCode'));
  }
  if (expect.status !== undefined) {
    same('status', expect.status, textField(answer, 'status'));
  }
  for (const [path, expected] of Object.entries(expect.fields ?? {})) {
    results.push(checkField(path, expected, field(answer, ...path.split('.'))));
  }
  if (expect.bodyContains !== undefined) {
    const ok = answer?.text.includes(expect.bodyContains) ?? false;
    results.push({ ok, text: `body ${ok ? 'contains' : 'lacks'} "${expect.bodyContains}"` });
  }
  return results;
}

// `"*"` stands for any value but null, so a scenario can ask that a date was set.
function checkField(path: string, expected: unknown, actual: unknown): CheckResult {
  const ok =
    expected === '*' ? actual !== null && actual !== undefined : deepEqual(expected, actual);
  const shown = expected === '*' ? 'set' : JSON.stringify(expected);
  return {
    ok,
    text: ok ? `${path} ${shown}` : `${path} ${shown}, got ${JSON.stringify(actual)}`,
  };
}

function deepEqual(expected: unknown, actual: unknown): boolean {
  if (typeof expected !== 'object' || expected === null) {
    return expected === actual;
  }
  if (typeof actual !== 'object' || actual === null) {
    return false;
  }
  return Object.entries(expected).every(([key, value]) =>
    deepEqual(value, (actual as Record<string, unknown>)[key]),
  );
}

/** A check polled until it holds; `final` marks the last call, which commits and explains. */
type AsyncCheck = (final: boolean, withinMs?: number) => CheckResult;

function asyncChecks(run: ScenarioRun, expect: Expectation, start: StepStart): AsyncCheck[] {
  const checks: AsyncCheck[] = [];
  const notifications = [
    ...(expect.notification ? [expect.notification] : []),
    ...(expect.notifications ?? []),
  ];
  if (notifications.length > 0) {
    checks.push((final, within) => checkNotifications(run, notifications, start, final, within));
  }
  if (expect.refusedDeliveries !== undefined) {
    const { atLeast } = expect.refusedDeliveries;
    checks.push((_final, within) => checkRefused(run, atLeast, within));
  }
  if (expect.serverLog !== undefined) {
    const { message, atLeast } = expect.serverLog;
    checks.push((_final, within) => checkLog(run, start, new RegExp(message), atLeast, within));
  }
  return checks;
}

function checkNotifications(
  run: ScenarioRun,
  expected: NotificationExpectation[],
  start: StepStart,
  final: boolean,
  withinMs = DEFAULT_WITHIN_MS,
): CheckResult {
  const received = run.deps.receiver.received().filter((item) => item.receivedAt >= run.startedAt);
  const matches = matchInTurn(run, expected, received);
  const found = matches.filter((match): match is ReceivedNotification => match !== undefined);
  const names = expected.map((item) => describeExpected(run, item)).join(', then ');
  if (found.length < expected.length) {
    const seen = received.map((item) => item.reason).join(', ') || 'none';
    const text = `${names} within ${formatDuration(withinMs)}: missing (received: ${seen})`;
    return { ok: false, text };
  }
  if (final) {
    found.forEach((item) => run.deps.consumed.add(item.eventId));
  }
  return describeFound(names, found, start);
}

// Each expectation takes the earliest matching notification not already taken.
function matchInTurn(
  run: ScenarioRun,
  expected: NotificationExpectation[],
  received: ReceivedNotification[],
): (ReceivedNotification | undefined)[] {
  const taken = new Set(run.deps.consumed);
  return expected.map((item) => {
    const id = run.entitlement(item.entitlement).id;
    const match = received.find(
      (candidate) =>
        !taken.has(candidate.eventId) &&
        candidate.entitlementId === id &&
        candidate.reason === item.reason &&
        (item.status === undefined || candidate.status === item.status) &&
        (item.version === undefined || candidate.version === item.version),
    );
    if (match !== undefined) {
      taken.add(match.eventId);
    }
    return match;
  });
}

function describeExpected(run: ScenarioRun, item: NotificationExpectation): string {
  const alias = item.entitlement ?? run.entitlement().alias;
  const status = item.status === undefined ? '' : ` → ${item.status}`;
  return `${item.reason}${status} (${alias})`;
}

// Delivered in the order the expectations list them, which must be the order of `sequence`
// both in the numbers and in the time of arrival.
function describeFound(names: string, found: ReceivedNotification[], start: StepStart) {
  const sequences = found.map((item) => item.sequence).join(', ');
  const arrived = [...found].sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime());
  const inOrder = found.every(
    (item, i) => i === 0 || (item.sequence > (found[i - 1]?.sequence ?? 0) && arrived[i] === item),
  );
  if (!inOrder) {
    const order = arrived.map((item) => `${item.reason} (sequence ${item.sequence})`).join(', ');
    return { ok: false, text: `${names}: arrived out of order: ${order}` };
  }
  const last = arrived[arrived.length - 1];
  const after = last === undefined ? 0 : last.receivedAt.getTime() - start.at.getTime();
  const when = after >= 0 ? `${formatDuration(after)} after the step began` : 'before the step';
  const order = found.length > 1 ? `in sequence order (${sequences})` : `sequence ${sequences}`;
  return { ok: true, text: `${names}: signed, ${order}, ${when}` };
}

function checkRefused(run: ScenarioRun, atLeast: number, withinMs = DEFAULT_WITHIN_MS) {
  const ids = new Set(run.entitlementIds());
  const refused = run.deps.receiver
    .attempts()
    .filter((attempt) => attempt.outcome === 'down' && attempt.at >= run.startedAt)
    .filter((attempt) => attempt.entitlementId === undefined || ids.has(attempt.entitlementId));
  const ok = refused.length >= atLeast;
  const text = `at least ${atLeast} ${plural(atLeast, 'delivery', 'deliveries')} refused with 503`;
  const seen = `${refused.length} ${plural(refused.length, 'delivery', 'deliveries')}`;
  return ok
    ? { ok, text: `${seen} refused with 503 while down (≥ ${atLeast})` }
    : { ok, text: `${text} within ${formatDuration(withinMs)}: ${refused.length} seen` };
}

function checkLog(
  run: ScenarioRun,
  start: StepStart,
  pattern: RegExp,
  atLeast: number,
  withinMs = DEFAULT_WITHIN_MS,
): CheckResult {
  const lines = run.deps.tesseraLogs.slice(start.logIndex);
  const count = lines.filter((line) => pattern.test(String(line.msg ?? ''))).length;
  const ok = count >= atLeast;
  const what = `Tessera logged /${pattern.source}/`;
  return ok
    ? { ok, text: `${what} ${count} ${plural(count, 'time', 'times')} (≥ ${atLeast})` }
    : {
        ok,
        text: `${what} at least ${atLeast} times within ${formatDuration(withinMs)}: ${count}`,
      };
}

function plural(count: number, one: string, many: string): string {
  return count === 1 ? one : many;
}
