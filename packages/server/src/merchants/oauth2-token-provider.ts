import { describeFetchFailure, isTimeout, isTransportFailure } from './fetch-failure';

/**
 * OAuth2 client-credentials tokens for merchant callbacks.
 *
 * The protocol (request encoding, client_secret_basic with RFC 6749 §2.3.1 form-encoding,
 * token-response validation) is `oauth4webapi`'s, a maintained, dependency-free, certified
 * OAuth client. It is ESM-only: this CommonJS package loads it with a dynamic `import()`, which
 * `tsc` keeps as is under `module: Node16` (`require(esm)` would need `module: node20`).
 *
 * What is ours: the cache (one token per token URL, client id and scope, kept until
 * `expires_in` minus a skew), sharing one in-flight request among concurrent callers, and
 * dropping a token the merchant rejected.
 */

type OAuth = typeof import('oauth4webapi', { with: { 'resolution-mode': 'import' } });

let oauthModule: Promise<OAuth> | undefined;
const loadOAuth = (): Promise<OAuth> => (oauthModule ??= import('oauth4webapi'));

/** The client credentials of one merchant's token endpoint. */
export interface ClientCredentials {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
}

/**
 * Getting a token failed. `unavailable`: network error, timeout or 5xx (worth retrying);
 * `refused`: the token endpoint answered 4xx (wrong credentials, say); `invalid`: its answer
 * breaks the protocol (`status` set) or the request could not be made at all, e.g. a bad
 * token URL (`status` undefined).
 */
export class TokenRequestError extends Error {
  override readonly name = 'TokenRequestError';

  constructor(
    readonly kind: 'unavailable' | 'refused' | 'invalid',
    message: string,
    readonly status?: number,
    readonly oauthError?: { error: string; errorDescription?: string },
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

/** Options of {@link OAuth2TokenProvider}. */
export interface OAuth2TokenProviderOptions {
  /** How long a token without `expires_in` is kept. Default 60 s. */
  defaultTtlMs?: number;
  /** A token is dropped this long before it expires, at most (10 % of its life at most). */
  expirySkewMs?: number;
  /** Called after each token request, for logging; never given the secret or the token. */
  onTokenRequest?: (event: {
    tokenEndpoint: string;
    clientId: string;
    status?: number;
    latencyMs: number;
    error?: string;
  }) => void;
}

interface CachedToken {
  value: string;
  /** Epoch milliseconds after which the token is not used. */
  expiresAt: number;
}

/** Fetches, caches and shares client-credentials access tokens. */
export class OAuth2TokenProvider {
  private readonly cache = new Map<string, CachedToken>();
  private readonly inFlight = new Map<string, Promise<CachedToken>>();
  private readonly defaultTtlMs: number;
  private readonly expirySkewMs: number;
  private readonly onTokenRequest: OAuth2TokenProviderOptions['onTokenRequest'];

  constructor(options: OAuth2TokenProviderOptions = {}) {
    this.defaultTtlMs = options.defaultTtlMs ?? 60_000;
    this.expirySkewMs = options.expirySkewMs ?? 30_000;
    this.onTokenRequest = options.onTokenRequest;
  }

  /**
   * A valid access token for `credentials`: the cached one, or a new one. Concurrent callers
   * share one token request.
   *
   * @param timeoutMs - timeout of the token request
   * @param rejected - a token the merchant just answered 401 to: never returned again
   */
  async getToken(
    credentials: ClientCredentials,
    timeoutMs: number,
    rejected?: string,
  ): Promise<string> {
    const key = JSON.stringify([
      credentials.tokenUrl,
      credentials.clientId,
      credentials.scope ?? '',
    ]);
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      if (cached.value !== rejected && cached.expiresAt > Date.now()) {
        return cached.value;
      }
      this.cache.delete(key);
    }

    let pending = this.inFlight.get(key);
    if (pending === undefined) {
      pending = this.requestToken(credentials, timeoutMs)
        .then((token) => {
          if (token.expiresAt > Date.now()) {
            this.cache.set(key, token);
          }
          return token;
        })
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return (await pending).value;
  }

  /** Forgets every cached token. */
  clear(): void {
    this.cache.clear();
  }

  private async requestToken(
    credentials: ClientCredentials,
    timeoutMs: number,
  ): Promise<CachedToken> {
    let tokenUrl: URL;
    try {
      tokenUrl = new URL(credentials.tokenUrl);
    } catch {
      throw new TokenRequestError('invalid', 'the OAuth2 token URL is not an absolute URL');
    }
    if (tokenUrl.protocol !== 'https:' && tokenUrl.protocol !== 'http:') {
      throw new TokenRequestError('invalid', 'the OAuth2 token URL is not an http(s) URL');
    }

    const oauth = await loadOAuth();
    const as = { issuer: tokenUrl.origin, token_endpoint: tokenUrl.href };
    const client = { client_id: credentials.clientId };
    const parameters = new URLSearchParams();
    if (credentials.scope !== undefined && credentials.scope !== '') {
      parameters.set('scope', credentials.scope);
    }
    const tokenEndpoint = tokenUrl.origin + tokenUrl.pathname;
    const started = performance.now();
    const report = (status: number | undefined, error?: string) =>
      this.onTokenRequest?.({
        tokenEndpoint,
        clientId: credentials.clientId,
        status,
        latencyMs: Math.round(performance.now() - started),
        ...(error === undefined ? {} : { error }),
      });

    // One signal for the request and the reading of its body.
    const signal = AbortSignal.timeout(timeoutMs);
    let response: Response;
    try {
      response = await oauth.clientCredentialsGrantRequest(
        as,
        client,
        oauth.ClientSecretBasic(credentials.clientSecret),
        parameters,
        {
          signal,
          // Whether callback URLs must be https is the operator's configuration's business;
          // the token URL follows the same rule (tests use plain http on loopback).
          [oauth.allowInsecureRequests]: tokenUrl.protocol === 'http:',
        },
      );
    } catch (error) {
      if (!isTransportFailure(error)) {
        throw new TokenRequestError(
          'invalid',
          'the OAuth2 token request could not be made',
          undefined,
          undefined,
          {
            cause: error,
          },
        );
      }
      const cause = describeFetchFailure(error, timeoutMs);
      report(undefined, cause);
      throw new TokenRequestError('unavailable', `token endpoint: ${cause}`, undefined, undefined, {
        cause: error,
      });
    }

    if (response.status >= 500) {
      await response.body?.cancel().catch(() => undefined);
      report(response.status);
      throw new TokenRequestError(
        'unavailable',
        `token endpoint: HTTP ${response.status}`,
        response.status,
      );
    }

    let result: Awaited<ReturnType<OAuth['processClientCredentialsResponse']>>;
    try {
      result = await oauth.processClientCredentialsResponse(as, client, response);
    } catch (error) {
      report(response.status, error instanceof Error ? error.message : String(error));
      throw this.toRequestError(oauth, response.status, error, timeoutMs);
    }
    report(response.status);

    if (result.token_type !== 'bearer') {
      throw new TokenRequestError(
        'invalid',
        `token endpoint: unsupported token_type ${result.token_type.slice(0, 40)}`,
        response.status,
      );
    }
    return {
      value: result.access_token,
      expiresAt: Date.now() + this.lifetimeMs(result.expires_in),
    };
  }

  /** How long to use a token the endpoint says lives `expiresIn` seconds. */
  private lifetimeMs(expiresIn: number | undefined): number {
    if (expiresIn === undefined) {
      return this.defaultTtlMs;
    }
    const lifetime = expiresIn * 1000;
    return lifetime - Math.min(this.expirySkewMs, lifetime / 10);
  }

  private toRequestError(
    oauth: OAuth,
    status: number,
    error: unknown,
    timeoutMs: number,
  ): TokenRequestError {
    const options = { cause: error };
    if (isTimeout(error)) {
      return new TokenRequestError(
        'unavailable',
        `token endpoint: ${describeFetchFailure(error, timeoutMs)}`,
        status,
        undefined,
        options,
      );
    }
    if (error instanceof oauth.ResponseBodyError) {
      return new TokenRequestError(
        'refused',
        `token endpoint: HTTP ${error.status} ${error.error}`,
        error.status,
        {
          error: error.error,
          ...(error.error_description === undefined
            ? {}
            : { errorDescription: error.error_description }),
        },
        options,
      );
    }
    if (status >= 400) {
      return new TokenRequestError(
        'refused',
        `token endpoint: HTTP ${status}`,
        status,
        undefined,
        options,
      );
    }
    const reason = error instanceof Error ? error.message : 'unreadable answer';
    return new TokenRequestError(
      'invalid',
      `token endpoint: ${reason}`,
      status,
      undefined,
      options,
    );
  }
}
