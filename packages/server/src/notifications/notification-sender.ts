import { performance } from 'node:perf_hooks';

import { type Agent, request } from 'undici';

import type { ReceiverAuth } from '../merchants/merchant-gateway';
import { type OAuth2TokenProvider, TokenRequestError } from '../merchants/oauth2-token-provider';
import { createGuardedAgent } from './guarded-agent';
import { notificationHeaders } from './notification-payload';
import type { NotificationReseller } from './repositories/reseller-settings.repository';
import { activeSigningSecrets } from './signing';
import { type AllowList, parseNotificationUrl, UndeliverableUrlError } from './url-guard';

/** How much of a receiver's answer is read (and thrown away) before the connection is reused. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** What one attempt came to. */
export interface SendResult {
  /** The receiver's HTTP status; null when no answer came. */
  statusCode: number | null;
  latencyMs: number;
  /** Why no answer came (timeout, connection, address guard, token endpoint); else null. */
  error: string | null;
}

/** One notification to send. */
export interface SendRequest {
  url: string;
  eventId: string;
  /** The stored, serialised notification; signed and sent byte for byte. */
  body: string;
  reseller: NotificationReseller;
}

/** Options of {@link NotificationSender}. */
export interface NotificationSenderOptions {
  timeoutMs: number;
  allow: AllowList;
  tokens: OAuth2TokenProvider;
  /** The wall clock `webhook-timestamp` is taken from (receivers compare it with theirs). */
  wallClock?: () => Date;
}

type Headers = Record<string, string>;

/**
 * POSTs signed notifications with the receiver's auth, through address-guarded agents, each
 * exchange bounded by the timeout. Any 2xx is a delivery; the caller decides what the rest mean.
 */
export class NotificationSender {
  private readonly agents: Record<'sandbox' | 'live', Agent>;
  private readonly wallClock: () => Date;

  constructor(private readonly options: NotificationSenderOptions) {
    this.agents = {
      sandbox: createGuardedAgent({ sandbox: true, allow: options.allow }),
      live: createGuardedAgent({ sandbox: false, allow: options.allow }),
    };
    this.wallClock = options.wallClock ?? (() => new Date());
  }

  /** Sends once; never throws for anything the receiver or the network does. */
  async send(target: SendRequest): Promise<SendResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const { sandbox, notificationAuth: auth } = target.reseller;

    try {
      const url = parseNotificationUrl(target.url, sandbox);
      let token = await this.bearerToken(auth);
      let statusCode = await this.post(url, target, auth, token);
      if (statusCode === 401 && token !== undefined) {
        // The token may have been revoked before its expiry: fetch a new one and try once more.
        token = await this.bearerToken(auth, token);
        statusCode = await this.post(url, target, auth, token);
      }
      return { statusCode, latencyMs: elapsed(), error: null };
    } catch (error) {
      return { statusCode: null, latencyMs: elapsed(), error: this.describe(error) };
    }
  }

  /** Closes the agents' idle connections; waits for requests still running. */
  async close(): Promise<void> {
    await Promise.all([this.agents.sandbox.close(), this.agents.live.close()]);
  }

  private async post(url: URL, target: SendRequest, auth: ReceiverAuth, token?: string) {
    const signedAt = this.wallClock();
    const secrets = activeSigningSecrets(target.reseller, signedAt);
    const headers: Headers = {
      ...notificationHeaders(target.eventId, target.body, secrets, signedAt),
      ...authHeaders(auth, token),
    };
    const timeout = this.options.timeoutMs;
    const signal = AbortSignal.timeout(timeout);

    const response = await request(url, {
      method: 'POST',
      headers,
      body: target.body,
      dispatcher: this.agents[target.reseller.sandbox ? 'sandbox' : 'live'],
      signal,
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    await response.body.dump({ limit: MAX_ANSWER_BYTES, signal }).catch(() => undefined);
    return response.statusCode;
  }

  private async bearerToken(auth: ReceiverAuth, rejected?: string) {
    if (auth.type !== 'OAUTH2_CLIENT_CREDENTIALS') {
      return undefined;
    }
    return this.options.tokens.getToken(auth, this.options.timeoutMs, rejected);
  }

  private describe(error: unknown): string {
    if (error instanceof UndeliverableUrlError) {
      return `refused by the address guard: ${error.message}`;
    }
    if (error instanceof TokenRequestError) {
      return error.message;
    }
    if (isTimeout(error)) {
      return `timed out after ${this.options.timeoutMs} ms`;
    }
    const code = (error as { code?: unknown } | null)?.code;
    return typeof code === 'string' ? `network error (${code})` : 'network error';
  }
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

function isTimeout(error: unknown): boolean {
  const { name, code } = (error ?? {}) as { name?: unknown; code?: unknown };
  return name === 'TimeoutError' || (typeof code === 'string' && TIMEOUT_CODES.has(code));
}

/** The receiver's own auth header for one request. */
export function authHeaders(auth: ReceiverAuth, bearerToken?: string): Headers {
  switch (auth.type) {
    case 'BASIC': {
      const credentials = Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
      return { authorization: `Basic ${credentials}` };
    }
    case 'API_KEY':
      return { 'x-api-key': auth.apiKey };
    case 'OAUTH2_CLIENT_CREDENTIALS':
      return bearerToken === undefined ? {} : { authorization: `Bearer ${bearerToken}` };
    default:
      return {};
  }
}
