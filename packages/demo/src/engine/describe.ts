import type { Colors } from '../timeline/timeline';
import { field, textField, type Answer } from './answer';

/** Room for a line's text: the timeline's columns take the rest of 100 characters. */
export const TEXT_WIDTH = 72;

/** Cuts `text` to `width` characters, marking the cut. */
export function truncate(text: string, width = TEXT_WIDTH): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/** The first 8 characters of an id: enough to tell entitlements apart on screen. */
export function shortId(id: string): string {
  return id.slice(0, 8);
}

/** `POST /v1/entitlement  productKey=MUSIC customerIdentifier=…  [magic …]`. */
export function describeRequest(c: Colors, request: Request, body: string, origin: string) {
  const url = new URL(request.url);
  const path = shortenIds(`${url.pathname}${url.search}`);
  const where = url.origin === origin ? path : `${url.origin}${path}`;
  const magic = request.headers.get('x-magic-number');
  const parts = [
    `${request.method.padEnd(5)} ${where}`,
    summariseBody(body, request.headers.get('content-type') ?? ''),
    magic === null ? '' : `X-Magic-Number: ${magic}`,
  ];
  return truncate(parts.filter(Boolean).join('  '));
}

/** Long ids in a path (UUIDs, sign-up tokens) cut to 8 characters, so the line stays short. */
export function shortenIds(path: string): string {
  return path.replace(
    /\/([A-Za-z0-9_-]{20,})(?=\/|\?|$)/g,
    (_, id: string) => `/${id.slice(0, 8)}…`,
  );
}

// The fields that tell a request apart come first; the rest follow if there is room.
const KEY_FIELDS = [
  'productKey',
  'entitlementBenefits',
  'revertCancellation',
  'reasonCategory',
  'reasonCode',
  'advanceBySeconds',
  'to',
  'immediate',
];

// Top-level scalars of a JSON body (`key=value`), or "form" for a submitted form.
function summariseBody(body: string, contentType: string): string {
  if (body === '') {
    return '';
  }
  if (contentType.startsWith('application/x-www-form-urlencoded')) {
    return '(the form)';
  }
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    const rank = (key: string) => (KEY_FIELDS.includes(key) ? KEY_FIELDS.indexOf(key) : 99);
    return Object.entries(parsed)
      .filter(([, value]) => value === null || typeof value !== 'object')
      .sort(([a], [b]) => rank(a) - rank(b))
      .map(([key, value]) => `${key}=${String(value)}`)
      .join(' ');
  } catch {
    return '';
  }
}

/** `202 CLIENT_ACTION_REQUIRED  PENDING v1  url /sandbox/merchant/signup/…`. */
export function describeAnswer(c: Colors, answer: Answer): string {
  const ok = answer.httpStatus < 300;
  const status = (ok ? c.green : c.yellow)(String(answer.httpStatus));
  return `${status} ${truncate(answerSummary(answer), TEXT_WIDTH - 4)}`;
}

function answerSummary(answer: Answer): string {
  if (answer.contentType.startsWith('text/html')) {
    const title = /<title>([^<]*)<\/title>/i.exec(answer.text)?.[1]?.trim();
    return title === undefined ? 'page' : `page "${decodeEntities(title)}"`;
  }
  if (answer.json === undefined) {
    return '';
  }
  const problem = answer.contentType.includes('problem');
  const parts = problem ? problemParts(answer) : entitlementParts(answer);
  return parts.filter(Boolean).join('  ');
}

function entitlementParts(answer: Answer): string[] {
  const version = field(answer, 'version');
  const url = textField(answer, 'parameters', 'url');
  const status = textField(answer, 'status');
  return [
    textField(answer, 'responseCode') ?? '',
    status === undefined ? '' : `${status}${typeof version === 'number' ? ` v${version}` : ''}`,
    describeClock(answer),
    url === undefined ? '' : `url ${shortenIds(new URL(url).pathname)}`,
  ];
}

function describeClock(answer: Answer): string {
  const now = textField(answer, 'now');
  return now === undefined ? '' : `test clock ${now}`;
}

function problemParts(answer: Answer): string[] {
  const entitlementId = textField(answer, 'entitlementId');
  return [
    textField(answer, 'responseCode') ?? '',
    entitlementId === undefined ? '' : `entitlement ${shortId(entitlementId)}`,
    `"${textField(answer, 'detail') ?? textField(answer, 'title') ?? ''}"`,
  ];
}

function decodeEntities(text: string): string {
  const entities: Record<string, string> = {
    '&amp;': '&',
    '&lt;': '<',
    '&gt;': '>',
    '&quot;': '"',
    '&#39;': "'",
  };
  return text.replace(/&(amp|lt|gt|quot|#39);/g, (entity) => entities[entity] ?? entity);
}
