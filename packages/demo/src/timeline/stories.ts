import type { DeliveryAttempt, ReceivedNotification } from '@tessera/demo-reseller';
import { EntitlementToJSON } from '@tessera/reseller-client';

import { shortId, shortenIds, TEXT_WIDTH, truncate } from '../engine/describe';
import { DEMO_REQUEST_ID_PREFIX } from '../engine/http-recorder';
import type { StateTracker } from '../engine/state-tracker';
import { describeLine, type LogLine } from '../environment/tessera-process';
import type { Timeline } from './timeline';

/**
 * Prints what the demo reseller's receiver saw of one delivery, and feeds a verified
 * notification's entitlement to the state tracker (a notification is how the reseller learns
 * of changes it did not make).
 */
export function showAttempt(
  timeline: Timeline,
  tracker: StateTracker,
  attempt: DeliveryAttempt,
  received?: ReceivedNotification,
): void {
  const { c } = timeline;
  const who = attempt.entitlementId === undefined ? undefined : tracker.get(attempt.entitlementId);
  const about = who === undefined ? '' : `  ${who.alias} ${shortId(who.id)}`;
  const what = `${attempt.reason ?? '?'} seq ${attempt.sequence ?? '?'} v${attempt.version ?? '?'}`;
  const stale = received?.stale ? ' (stale: a newer version came first)' : '';
  const texts: Record<DeliveryAttempt['outcome'], [string, string]> = {
    accepted: [c.green('✉'), `${what} → ${received?.status ?? '?'}, signed${stale}${about}`],
    duplicate: [c.green('✉'), `${what} again: acknowledged, not processed twice${about}`],
    down: [c.yellow('✉ 503'), `${what} refused (receiver down)${about}`],
    rejected: [c.red('✉ 401'), `${what}: ${attempt.error ?? ''}${about}`],
  };
  const [glyph, text] = texts[attempt.outcome];
  timeline.line('receiver', `${glyph} ${truncate(text, TEXT_WIDTH - 6)}`);
  if (received !== undefined && attempt.outcome === 'accepted') {
    tracker.observe(EntitlementToJSON(received.notification.entitlement));
  }
}

/** Turns one Tessera log line into a timeline line, or nothing; see {@link STORY}. */
export function showLog(timeline: Timeline, line: LogLine, verbose: boolean): void {
  const story = STORY[line.msg ?? ''];
  if (story !== undefined) {
    story(timeline, line);
    return;
  }
  const warning = ['warn', 'error', 'fatal'].includes(String(line.level));
  if (warning || verbose) {
    const text = truncate(describeLine(line));
    timeline.line('tessera', warning ? timeline.c.yellow(text) : timeline.c.dim(text));
  }
}

type StoryLine = (timeline: Timeline, line: LogLine) => void;

const quiet: StoryLine = () => undefined;

/**
 * Log lines that tell part of the story the demo cannot see from outside: Tessera calling the
 * merchant, and the merchant calling Tessera's merchant API. Lines that repeat what the timeline
 * already shows (the demo's own requests, retry warnings the attempts show) stay quiet.
 */
const STORY: Record<string, StoryLine> = {
  'merchant callback attempt': (timeline, line) => {
    const status = typeof line.status === 'number' ? line.status : undefined;
    const outcome = status === undefined ? `failed: ${String(line.error)}` : String(status);
    const attempt = Number(line.attempt) > 1 ? ` (attempt ${String(line.attempt)})` : '';
    const text = `→ merchant ${String(line.operation)}: ${outcome}${attempt}`;
    const colour = status !== undefined && status < 300 ? timeline.c.green : timeline.c.yellow;
    timeline.line('tessera', colour(text), Number(line.latencyMs));
  },
  'request completed': (timeline, line) => {
    const ours = String(line.requestId ?? '').startsWith(DEMO_REQUEST_ID_PREFIX);
    const path = String(line.path ?? '');
    if (!ours && path.startsWith('/merchant/v1/')) {
      const text = `${String(line.method)} ${shortenIds(path)} → ${String(line.status)}`;
      timeline.line('merchant', text, Number(line.durationMs));
    }
  },
  'merchant callback failed': (timeline, line) => {
    const { operation, responseCode } = line;
    const text = `gives up on the merchant's ${String(operation)}: ${String(responseCode)}`;
    timeline.line('tessera', timeline.c.yellow(text));
  },
  'request failed': quiet,
  'merchant callback attempt failed; retrying': quiet,
  'notification attempt': quiet,
};
