import {
  createServer,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

import type { CallbackOperation } from '../../src/merchants';

/** A request the stub received, as sent. */
export interface RecordedRequest {
  method: string;
  /** Path and query string, as sent (still encoded). */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A merchant callback the stub received at its {@link MerchantStub.callbackUrls}. */
export interface StubCall {
  operation: CallbackOperation;
  /** From the URL, for every operation but create. */
  merchantEntitlementId: string | undefined;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** How the stub answers a callback; `body` is sent as JSON. */
export interface StubAnswer {
  status: number;
  body?: unknown;
  delayMs?: number;
}

/** An answer, or how to compute one from the call. */
export type StubRule = StubAnswer | ((call: StubCall) => StubAnswer);

/** What the stub does with one request to a path set up with {@link MerchantStub.on}. */
export type StubReply =
  | {
      status: number;
      /** An object is sent as JSON; a string as is. */
      body?: unknown;
      headers?: Record<string, string>;
      /** Wait this long before answering. */
      delayMs?: number;
      /** Send the headers at once but the body only after this long. */
      bodyDelayMs?: number;
    }
  /** Never answer. */
  | { hang: true }
  /** Close the connection without answering. */
  | { destroy: true };

/** Computes a reply; `n` counts the requests to this path, from 1. */
export type StubHandler = (request: RecordedRequest, n: number) => StubReply;

const CALLBACK_PATHS: [RegExp, CallbackOperation][] = [
  [/^\/entitlements$/, 'create'],
  [/^\/entitlements\/([^/]+)\/activationInfo$/, 'activationInfo'],
  [/^\/entitlements\/([^/]+)\/suspend$/, 'suspend'],
  [/^\/entitlements\/([^/]+)\/resume$/, 'resume'],
  [/^\/entitlements\/([^/]+)\/terminate$/, 'terminate'],
  [/^\/entitlements\/([^/]+)$/, 'update'],
];

let signUps = 0;

/** `parameters` asking the user to sign up at a URL ending in `token`. */
export function signUpParameters(token = `fresh-${(signUps += 1)}`) {
  return {
    action: 'NAVIGATE_TO_URL',
    url: `https://music.merchant.test/signup/${token}`,
    urlExpiry: '2099-01-01T00:00:00.000Z',
  };
}

/** Default answers: every change done at once, and a fresh sign-up URL when asked for one. */
export function doneAtOnce(call: StubCall): StubAnswer {
  return call.operation === 'activationInfo'
    ? { status: 200, body: { parameters: signUpParameters() } }
    : { status: 200, body: {} };
}

/** Products {@link likeAMusicMerchant} activates only after a sign-up at its (fake) page. */
const SIGN_UP_PRODUCTS = ['MUSIC_PREMIUM'];

/**
 * Default answers of a simple music merchant: creates activate at once, except products that
 * need a sign-up (202 with a URL); a cancel (not immediate) ends in 30 days.
 */
export function likeAMusicMerchant(call: StubCall): StubAnswer {
  if (call.operation === 'create' && SIGN_UP_PRODUCTS.includes(String(call.body.productKey))) {
    return { status: 202, body: { parameters: signUpParameters() } };
  }
  if (call.operation === 'terminate' && call.body.immediate !== true) {
    const terminationDate = new Date(Date.now() + 30 * 86_400_000).toISOString();
    return { status: 200, body: { terminationDate } };
  }
  return doneAtOnce(call);
}

/**
 * A real merchant over HTTP on a free loopback port, recording every request. At its
 * {@link callbackUrls} it answers Tessera's callbacks: once as queued by {@link answerNext},
 * else as set by {@link answer}, else by its default answers. Any path can instead be given
 * replies with {@link on}, faults included (hang, drop, slow headers or body); a path nothing
 * is set up for is 404.
 */
export class MerchantStub {
  readonly requests: RecordedRequest[] = [];
  readonly calls: StubCall[] = [];
  private readonly routes = new Map<string, StubHandler>();
  private readonly counts = new Map<string, number>();
  private readonly rules = new Map<CallbackOperation, StubRule>();
  private readonly queued = new Map<CallbackOperation, StubAnswer[]>();

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
    private readonly defaults: (call: StubCall) => StubAnswer,
  ) {}

  /** Starts a stub whose callbacks answer `defaults` unless told otherwise. */
  static async start(defaults = doneAtOnce): Promise<MerchantStub> {
    const holder: { stub?: MerchantStub } = {};
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const request = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body,
        };
        holder.stub?.handle(request, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    holder.stub = new MerchantStub(server, `http://127.0.0.1:${port}`, defaults);
    return holder.stub;
  }

  /** An absolute URL on the stub. */
  url(pathAndQuery: string): string {
    return this.baseUrl + pathAndQuery;
  }

  /** Callback URLs for a merchant row, as an operator would configure them. */
  callbackUrls(except: CallbackOperation[] = []): Partial<Record<CallbackOperation, string>> {
    const base = `${this.baseUrl}/entitlements`;
    const urls: Record<CallbackOperation, string> = {
      create: base,
      activationInfo: `${base}/{merchantEntitlementId}/activationInfo`,
      update: `${base}/{merchantEntitlementId}`,
      suspend: `${base}/{merchantEntitlementId}/suspend`,
      resume: `${base}/{merchantEntitlementId}/resume`,
      terminate: `${base}/{merchantEntitlementId}/terminate`,
    };
    for (const operation of except) {
      delete urls[operation];
    }
    return urls;
  }

  /** Answers `operation` with `rule` from now on (until {@link reset}). */
  answer(operation: CallbackOperation, rule: StubRule): void {
    this.rules.set(operation, rule);
  }

  /** Answers the next call of `operation` (only that one) with `answer`. */
  answerNext(operation: CallbackOperation, answer: StubAnswer): void {
    this.queued.set(operation, [...(this.queued.get(operation) ?? []), answer]);
  }

  /** The callbacks of one operation, oldest first. */
  callsOf(operation: CallbackOperation): StubCall[] {
    return this.calls.filter((call) => call.operation === operation);
  }

  /** Sets the replies for `path` (query string ignored when matching); a list plays in order. */
  on(path: string, replies: StubReply | StubReply[] | StubHandler): this {
    if (typeof replies === 'function') {
      this.routes.set(path, replies);
    } else {
      const list = Array.isArray(replies) ? replies : [replies];
      this.routes.set(path, (_request, n) => list[Math.min(n, list.length) - 1] as StubReply);
    }
    return this;
  }

  /** Requests received on `path` (query string ignored). */
  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((request) => pathOf(request.url) === path);
  }

  /** Back to the default answers, with nothing recorded. */
  reset(): void {
    this.routes.clear();
    this.counts.clear();
    this.rules.clear();
    this.queued.clear();
    this.requests.length = 0;
    this.calls.length = 0;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(request: RecordedRequest, res: ServerResponse): void {
    this.requests.push(request);
    const path = pathOf(request.url);
    const n = (this.counts.get(path) ?? 0) + 1;
    this.counts.set(path, n);

    const handler = this.routes.get(path) ?? ((): StubReply => this.answerCallback(request));
    const reply = handler(request, n);
    if ('hang' in reply) {
      return;
    }
    if ('destroy' in reply) {
      res.socket?.destroy();
      return;
    }
    later(reply.delayMs, res, () => send(res, reply));
  }

  /** The answer to a callback at {@link callbackUrls}; 404 elsewhere. */
  private answerCallback(request: RecordedRequest): StubReply {
    const path = pathOf(request.url);
    const match = CALLBACK_PATHS.map(([pattern, operation]) => ({
      operation,
      found: pattern.exec(path),
    })).find(({ found }) => found !== null);
    if (match === undefined) {
      return { status: 404 };
    }
    const call: StubCall = {
      operation: match.operation,
      merchantEntitlementId: match.found?.[1] && decodeURIComponent(match.found[1]),
      method: request.method,
      path,
      headers: request.headers,
      body: request.body === '' ? {} : (JSON.parse(request.body) as Record<string, unknown>),
    };
    this.calls.push(call);
    const rule = this.queued.get(call.operation)?.shift() ?? this.rules.get(call.operation);
    const answer = rule === undefined ? this.defaults(call) : rule;
    return typeof answer === 'function' ? answer(call) : answer;
  }
}

/** Sends `reply`, its body `bodyDelayMs` after its headers when set. */
function send(res: ServerResponse, reply: Extract<StubReply, { status: number }>): void {
  const isText = typeof reply.body === 'string';
  const body =
    reply.body === undefined ? '' : isText ? (reply.body as string) : JSON.stringify(reply.body);
  const headers: Record<string, string> = {
    ...(body === '' ? {} : { 'Content-Type': isText ? 'text/plain' : 'application/json' }),
    ...reply.headers,
  };
  if (reply.bodyDelayMs === undefined) {
    res.writeHead(reply.status, headers).end(body);
    return;
  }
  res.writeHead(reply.status, headers);
  res.flushHeaders();
  later(reply.bodyDelayMs, res, () => res.end(body));
}

/** Runs `work` after `delayMs` (at once when undefined), unless the client has gone. */
function later(delayMs: number | undefined, res: ServerResponse, work: () => void): void {
  if (delayMs === undefined) {
    work();
    return;
  }
  setTimeout(() => {
    if (!res.destroyed) {
      work();
    }
  }, delayMs).unref();
}

function pathOf(url: string): string {
  const index = url.indexOf('?');
  return index === -1 ? url : url.slice(0, index);
}

/** A loopback URL on which nothing listens (a port that was just closed). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
