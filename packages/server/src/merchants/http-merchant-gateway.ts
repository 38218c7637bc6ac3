import { callbacks } from '@tessera/merchant-client';
import pRetry, { AbortError } from 'p-retry';

import type { Logger } from '../logging/logger';
import {
  InvalidAnswerError,
  parseAnswerBody,
  toActivationAction,
  toCreateOutcome,
  toStateChangeOutcome,
  toTerminateOutcome,
  toUpdateOutcome,
} from './callback-answers';
import { redactUrl, resolveCallbackUrl } from './callback-url';
import { describeFetchFailure, isTransportFailure } from './fetch-failure';
import {
  MerchantConfigurationError,
  MerchantGatewayError,
  type MerchantProblem,
  MerchantProtocolError,
  MerchantRefusedError,
  MerchantUnavailableError,
  OperationNotSupportedError,
} from './merchant-errors';
import type {
  ActivationAction,
  CallbackOperation,
  CallContext,
  CreateOutcome,
  MerchantEndpoint,
  MerchantGateway,
  StateChangeOutcome,
  TerminateOutcome,
  UpdateOutcome,
} from './merchant-gateway';
import { OAuth2TokenProvider, TokenRequestError } from './oauth2-token-provider';
import { readLimitedBody } from './read-body';

/** What the gateway logs with: pino's `Logger`, or anything with the same two methods. */
export type GatewayLogger = Pick<Logger, 'debug' | 'warn'>;

/** Options of {@link HttpMerchantGateway}. */
export interface HttpMerchantGatewayOptions {
  logger: GatewayLogger;
  /** Retries after a 5xx, timeout or network error. Default 3 (so at most 4 attempts). */
  retries?: number;
  /** Delay before the first retry; each next one doubles, up to `retryMaxDelayMs`. Default 50. */
  retryMinDelayMs?: number;
  /** Longest delay between attempts. Default 200 (so 50, 100, 200 ms). */
  retryMaxDelayMs?: number;
  /** Largest 2xx answer body read, in bytes; a longer one is a protocol error. Default 1 MiB. */
  maxResponseBytes?: number;
  /** The OAuth2 token cache; one per gateway unless shared. */
  tokenProvider?: OAuth2TokenProvider;
}

/** Largest error body read for the merchant's problem details. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** Longest merchant-supplied text carried into our problem's detail. */
const MAX_MERCHANT_TEXT = 500;
/**
 * The generated client's base path. Never called: the pre middleware replaces every URL by the
 * merchant's configured one (the generated paths are only the contract's suggestions).
 */
const UNUSED_BASE_PATH = 'http://merchant-callback.invalid';

/** One callback, described for {@link HttpMerchantGateway.call}. */
interface CallSpec<Outcome> {
  operation: CallbackOperation;
  /** Replaces `{merchantEntitlementId}` in the URL. */
  merchantEntitlementId: string | undefined;
  /** Calls the generated `...Raw` method. */
  invoke(
    api: callbacks.MerchantCallbacksApi,
    xMagicNumber: string | undefined,
  ): Promise<{ raw: Response }>;
  /** Maps a 2xx status and body to the outcome; throws {@link InvalidAnswerError}. */
  toOutcome(status: number, body: Record<string, unknown>): Outcome;
}

/** One HTTP exchange with the merchant, body read. */
interface Exchange {
  status: number;
  text: string;
  truncated: boolean;
}

/** Authentication of one request. */
interface Authorization {
  headers: Record<string, string>;
  /** The OAuth2 access token sent, if any. */
  token?: string;
}

/** An attempt failed in a way worth retrying (5xx, timeout, network error). */
class RetryableFailure extends Error {
  override readonly name = 'RetryableFailure';
}

/**
 * {@link MerchantGateway} over HTTP, with the generated callback client of
 * `@tessera/merchant-client` for the requests and the typed answers.
 *
 * Each call: the merchant's URL for the operation (none: {@link OperationNotSupportedError}),
 * authentication as the merchant configured it, a timeout on every attempt, and up to
 * `retries` quick retries after a 5xx, a timeout or a network error, always with the same body
 * (so the same `requestId`). A 4xx is a refusal and is not retried; an OAuth2 token the
 * merchant answers 401 to is replaced once within the attempt. Redirects are not followed.
 */
export class HttpMerchantGateway implements MerchantGateway {
  private readonly api: callbacks.MerchantCallbacksApi;
  private readonly logger: GatewayLogger;
  private readonly tokens: OAuth2TokenProvider;
  private readonly retries: number;
  private readonly retryMinDelayMs: number;
  private readonly retryMaxDelayMs: number;
  private readonly maxResponseBytes: number;

  constructor(options: HttpMerchantGatewayOptions) {
    this.logger = options.logger;
    this.retries = options.retries ?? 3;
    this.retryMinDelayMs = options.retryMinDelayMs ?? 50;
    this.retryMaxDelayMs = options.retryMaxDelayMs ?? 200;
    this.maxResponseBytes = options.maxResponseBytes ?? 1024 * 1024;
    this.tokens =
      options.tokenProvider ??
      new OAuth2TokenProvider({
        onTokenRequest: (event) => this.logger.debug(event, 'merchant OAuth2 token request'),
      });

    const configuration = new callbacks.Configuration({
      basePath: UNUSED_BASE_PATH,
      // Looked up at call time, so that whatever `fetch` the process has is used.
      fetchApi: (input: string, init: RequestInit) => globalThis.fetch(input, init),
    });
    this.api = new callbacks.MerchantCallbacksApi(configuration);
  }

  supports(endpoint: MerchantEndpoint, operation: CallbackOperation): boolean {
    const url = endpoint.callbackUrls[operation];
    return url !== undefined && url.trim() !== '';
  }

  createEntitlement(
    endpoint: MerchantEndpoint,
    body: callbacks.CallbackEntitlementRequest,
    ctx: CallContext,
  ): Promise<CreateOutcome> {
    return this.call(endpoint, ctx, {
      operation: 'create',
      // Before the merchant names its own id, the merchant entitlement id is Tessera's.
      merchantEntitlementId: body.entitlementId,
      invoke: (api, xMagicNumber) =>
        api.handleCreateEntitlementRaw({ callbackEntitlementRequest: body, xMagicNumber }),
      toOutcome: toCreateOutcome,
    });
  }

  getActivationInfo(
    endpoint: MerchantEndpoint,
    merchantEntitlementId: string,
    ctx: CallContext,
  ): Promise<ActivationAction> {
    return this.call(endpoint, ctx, {
      operation: 'activationInfo',
      merchantEntitlementId: requireId(merchantEntitlementId),
      invoke: (api, xMagicNumber) =>
        api.handleGetActivationInfoRaw({ merchantEntitlementId, xMagicNumber }),
      toOutcome: toActivationAction,
    });
  }

  updateEntitlement(
    endpoint: MerchantEndpoint,
    merchantEntitlementId: string,
    body: callbacks.CallbackUpdateRequest,
    ctx: CallContext,
  ): Promise<UpdateOutcome> {
    return this.call(endpoint, ctx, {
      operation: 'update',
      merchantEntitlementId: requireId(merchantEntitlementId),
      invoke: (api, xMagicNumber) =>
        api.handleUpdateEntitlementRaw({
          merchantEntitlementId,
          callbackUpdateRequest: body,
          xMagicNumber,
        }),
      toOutcome: toUpdateOutcome,
    });
  }

  suspendEntitlement(
    endpoint: MerchantEndpoint,
    merchantEntitlementId: string,
    body: callbacks.CallbackStateChangeRequest,
    ctx: CallContext,
  ): Promise<StateChangeOutcome> {
    return this.changeState('suspend', endpoint, merchantEntitlementId, body, ctx);
  }

  resumeEntitlement(
    endpoint: MerchantEndpoint,
    merchantEntitlementId: string,
    body: callbacks.CallbackStateChangeRequest,
    ctx: CallContext,
  ): Promise<StateChangeOutcome> {
    return this.changeState('resume', endpoint, merchantEntitlementId, body, ctx);
  }

  terminateEntitlement(
    endpoint: MerchantEndpoint,
    merchantEntitlementId: string,
    body: callbacks.CallbackTerminationRequest,
    ctx: CallContext,
  ): Promise<TerminateOutcome> {
    return this.call(endpoint, ctx, {
      operation: 'terminate',
      merchantEntitlementId: requireId(merchantEntitlementId),
      invoke: (api, xMagicNumber) =>
        api.handleTerminateEntitlementRaw({
          merchantEntitlementId,
          callbackTerminationRequest: body,
          xMagicNumber,
        }),
      toOutcome: toTerminateOutcome,
    });
  }

  /** A suspend or a resume: the same request and answers, at the operation's own URL. */
  private changeState(
    operation: 'suspend' | 'resume',
    endpoint: MerchantEndpoint,
    merchantEntitlementId: string,
    body: callbacks.CallbackStateChangeRequest,
    ctx: CallContext,
  ): Promise<StateChangeOutcome> {
    return this.call(endpoint, ctx, {
      operation,
      merchantEntitlementId: requireId(merchantEntitlementId),
      invoke: (api, xMagicNumber) => {
        const request = { merchantEntitlementId, callbackStateChangeRequest: body, xMagicNumber };
        return operation === 'suspend'
          ? api.handleSuspendEntitlementRaw(request)
          : api.handleResumeEntitlementRaw(request);
      },
      toOutcome: toStateChangeOutcome,
    });
  }

  /** Makes one callback: URL, retries, answer mapping, errors and logs. */
  private async call<Outcome>(
    endpoint: MerchantEndpoint,
    ctx: CallContext,
    spec: CallSpec<Outcome>,
  ): Promise<Outcome> {
    const { merchantAccountKey } = endpoint;
    const { operation } = spec;
    const template = endpoint.callbackUrls[operation];
    if (template === undefined || template.trim() === '') {
      throw new OperationNotSupportedError(merchantAccountKey, operation);
    }
    const url = resolveCallbackUrl(template, spec.merchantEntitlementId);
    if (url === undefined) {
      throw new MerchantConfigurationError(
        merchantAccountKey,
        operation,
        `its ${operation} callback URL is not an absolute http(s) URL`,
      );
    }

    const log = {
      merchantAccountKey,
      operation,
      url: redactUrl(url),
      requestId: ctx.requestId,
    };
    try {
      const exchange = await this.withRetries(endpoint, ctx, spec, template, log);
      try {
        return spec.toOutcome(exchange.status, parseAnswerBody(exchange.text));
      } catch (error) {
        if (error instanceof InvalidAnswerError) {
          throw new MerchantProtocolError(merchantAccountKey, operation, error.message, {
            cause: error,
          });
        }
        throw error;
      }
    } catch (error) {
      if (error instanceof MerchantGatewayError) {
        this.logger.warn(
          { ...log, responseCode: error.responseCode, error: error.message },
          'merchant callback failed',
        );
      }
      throw error;
    }
  }

  /**
   * Runs attempts until one gets an answer that is not worth retrying. `p-retry` (4.x, the
   * last CommonJS major) schedules them; every failure becomes either a
   * {@link RetryableFailure} (retried) or an `AbortError` around the final error, because
   * p-retry would otherwise stop at undici's `TypeError: fetch failed`.
   */
  private async withRetries<Outcome>(
    endpoint: MerchantEndpoint,
    ctx: CallContext,
    spec: CallSpec<Outcome>,
    template: string,
    log: Record<string, unknown>,
  ): Promise<Exchange> {
    let attempts = 0;
    let lastFailure: RetryableFailure | undefined;

    try {
      return await pRetry(
        async (attempt) => {
          attempts = attempt;
          try {
            return await this.attempt(endpoint, ctx, spec, template, attempt, log);
          } catch (error) {
            const failure = this.classify(endpoint, spec.operation, error);
            if (failure instanceof RetryableFailure) {
              lastFailure = failure;
              throw failure;
            }
            throw new AbortError(failure);
          }
        },
        {
          retries: this.retries,
          factor: 2,
          minTimeout: this.retryMinDelayMs,
          maxTimeout: this.retryMaxDelayMs,
          randomize: false,
          onFailedAttempt: (failure) => {
            if (failure.retriesLeft > 0) {
              this.logger.warn(
                { ...log, attempt: failure.attemptNumber, cause: failure.message },
                'merchant callback attempt failed; retrying',
              );
            }
          },
        },
      );
    } catch (error) {
      if (error instanceof RetryableFailure) {
        throw new MerchantUnavailableError(
          endpoint.merchantAccountKey,
          spec.operation,
          attempts,
          (lastFailure ?? error).message,
          { cause: (lastFailure ?? error).cause },
        );
      }
      throw error;
    }
  }

  /** One attempt; a 401 to an OAuth2 token gets one more request with a new token. */
  private async attempt<Outcome>(
    endpoint: MerchantEndpoint,
    ctx: CallContext,
    spec: CallSpec<Outcome>,
    template: string,
    attempt: number,
    log: Record<string, unknown>,
  ): Promise<Exchange> {
    const { merchantAccountKey } = endpoint;
    const { operation } = spec;

    const authorization = await this.authorize(endpoint);
    let exchange = await this.exchange(endpoint, ctx, spec, template, authorization, attempt, log);
    if (exchange.status === 401 && authorization.token !== undefined) {
      this.logger.debug({ ...log, attempt }, 'merchant rejected the OAuth2 token; renewing it');
      const renewed = await this.authorize(endpoint, authorization.token);
      exchange = await this.exchange(endpoint, ctx, spec, template, renewed, attempt, log);
    }

    const { status } = exchange;
    if (status >= 200 && status < 300) {
      if (exchange.truncated) {
        throw new MerchantProtocolError(
          merchantAccountKey,
          operation,
          `the body is larger than ${this.maxResponseBytes} bytes`,
        );
      }
      return exchange;
    }
    if (status >= 500) {
      throw new RetryableFailure(`HTTP ${status}`);
    }
    if (status >= 400) {
      throw new MerchantRefusedError(
        merchantAccountKey,
        operation,
        status,
        readProblem(exchange.text),
      );
    }
    const redirectNote = status >= 300 && status < 400 ? ' (redirects are not followed)' : '';
    throw new MerchantProtocolError(
      merchantAccountKey,
      operation,
      `unexpected HTTP ${status}${redirectNote}`,
    );
  }

  /** One HTTP request through the generated client, its body read under the same timeout. */
  private async exchange<Outcome>(
    endpoint: MerchantEndpoint,
    ctx: CallContext,
    spec: CallSpec<Outcome>,
    template: string,
    authorization: Authorization,
    attempt: number,
    log: Record<string, unknown>,
  ): Promise<Exchange> {
    const signal = AbortSignal.timeout(endpoint.timeoutMs);
    const api = this.api.withPreMiddleware(async ({ url, init }) => ({
      // Checked in `call`, so never undefined here; the generated query string is kept.
      url: (resolveCallbackUrl(template, spec.merchantEntitlementId, url) ?? new URL(url)).href,
      init: {
        ...init,
        headers: { ...(init.headers as Record<string, string>), ...authorization.headers },
        signal,
        redirect: 'manual',
      },
    }));

    const started = performance.now();
    const latencyMs = () => Math.round(performance.now() - started);
    try {
      const response = await rawResponse(spec.invoke(api, ctx.magicNumber));
      const ok = response.status >= 200 && response.status < 300;
      const body = await readLimitedBody(
        response,
        ok ? this.maxResponseBytes : MAX_ERROR_BODY_BYTES,
      );
      this.logger.debug(
        { ...log, attempt, status: response.status, latencyMs: latencyMs() },
        'merchant callback attempt',
      );
      return { status: response.status, ...body };
    } catch (error) {
      this.logger.debug(
        {
          ...log,
          attempt,
          latencyMs: latencyMs(),
          error: isTransportFailure(error)
            ? describeFetchFailure(error, endpoint.timeoutMs)
            : String(error),
        },
        'merchant callback attempt',
      );
      throw error;
    }
  }

  /** The headers that authenticate a request to the merchant. */
  private async authorize(
    endpoint: MerchantEndpoint,
    rejectedToken?: string,
  ): Promise<Authorization> {
    const { auth } = endpoint;
    switch (auth.type) {
      case 'NONE':
        return { headers: {} };
      case 'BASIC': {
        // UTF-8, as RFC 7617 recommends (the generated client's btoa() fails beyond Latin-1).
        const credentials = Buffer.from(`${auth.username}:${auth.password}`, 'utf8');
        return { headers: { Authorization: `Basic ${credentials.toString('base64')}` } };
      }
      case 'API_KEY':
        return { headers: { 'X-Api-Key': auth.apiKey } };
      case 'OAUTH2_CLIENT_CREDENTIALS': {
        const token = await this.tokens.getToken(auth, endpoint.timeoutMs, rejectedToken);
        return { headers: { Authorization: `Bearer ${token}` }, token };
      }
    }
  }

  /** Sorts an attempt's failure into retried ({@link RetryableFailure}) or final. */
  private classify(
    endpoint: MerchantEndpoint,
    operation: CallbackOperation,
    error: unknown,
  ): RetryableFailure | Error {
    const { merchantAccountKey } = endpoint;
    if (error instanceof RetryableFailure) {
      return error;
    }
    if (error instanceof TokenRequestError) {
      switch (error.kind) {
        case 'unavailable':
          return new RetryableFailure(error.message, { cause: error });
        case 'refused':
          return new MerchantRefusedError(
            merchantAccountKey,
            operation,
            error.status ?? 400,
            error.oauthError === undefined
              ? undefined
              : {
                  title: clip(error.oauthError.error),
                  ...(error.oauthError.errorDescription === undefined
                    ? {}
                    : { detail: clip(error.oauthError.errorDescription) }),
                },
            { cause: error, what: 'the OAuth2 token request' },
          );
        case 'invalid':
          // Without a status the token endpoint was never reached: the configuration is bad.
          return error.status === undefined
            ? new MerchantConfigurationError(merchantAccountKey, operation, error.message)
            : new MerchantProtocolError(merchantAccountKey, operation, error.message, {
                cause: error,
              });
      }
    }
    if (isTransportFailure(error)) {
      return new RetryableFailure(describeFetchFailure(error, endpoint.timeoutMs), {
        cause: error,
      });
    }
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** The generated runtime throws the `Response` of a non-2xx answer; both are answers here. */
async function rawResponse(call: Promise<{ raw: Response }>): Promise<Response> {
  try {
    return (await call).raw;
  } catch (error) {
    if (error instanceof Response) {
      return error;
    }
    throw error;
  }
}

/** The merchant's problem details (RFC 9457), if its error body is one. */
function readProblem(text: string): MerchantProblem | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return undefined;
  }

  const problem: MerchantProblem = {};
  for (const field of ['type', 'title', 'detail', 'responseCode'] as const) {
    const value = (body as Record<string, unknown>)[field];
    if (typeof value === 'string' && value.trim() !== '') {
      problem[field] = clip(value);
    }
  }
  return Object.keys(problem).length === 0 ? undefined : problem;
}

/** Merchant-supplied text made safe for a log line or a problem detail. */
function clip(text: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return clean.length > MAX_MERCHANT_TEXT ? `${clean.slice(0, MAX_MERCHANT_TEXT)}…` : clean;
}

function requireId(merchantEntitlementId: string): string {
  if (typeof merchantEntitlementId !== 'string' || merchantEntitlementId === '') {
    throw new TypeError('merchantEntitlementId must be a non-empty string');
  }
  return merchantEntitlementId;
}
