import type { TestServer } from './test-server';

/** A parsed HTTP answer. */
export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

/** Options of one request. */
export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
}

/** Raw HTTP against a test server with one set of credentials; for status and header tests. */
export class ApiClient {
  constructor(
    private readonly server: TestServer,
    private readonly authorization: string | undefined,
  ) {}

  /** A client sending HTTP Basic credentials. */
  static basic(server: TestServer, username: string, password: string): ApiClient {
    const token = Buffer.from(`${username}:${password}`).toString('base64');
    return new ApiClient(server, `Basic ${token}`);
  }

  /** A client sending a bearer token. */
  static bearer(server: TestServer, token: string): ApiClient {
    return new ApiClient(server, `Bearer ${token}`);
  }

  /** A client sending no credentials. */
  static anonymous(server: TestServer): ApiClient {
    return new ApiClient(server, undefined);
  }

  get<T = Record<string, unknown>>(
    path: string,
    options?: RequestOptions,
  ): Promise<ApiResponse<T>> {
    return this.request<T>('GET', path, options);
  }

  post<T = Record<string, unknown>>(
    path: string,
    body?: unknown,
    options?: RequestOptions,
  ): Promise<ApiResponse<T>> {
    return this.request<T>('POST', path, { ...options, body });
  }

  patch<T = Record<string, unknown>>(
    path: string,
    body?: unknown,
    options?: RequestOptions,
  ): Promise<ApiResponse<T>> {
    return this.request<T>('PATCH', path, { ...options, body });
  }

  delete<T = Record<string, unknown>>(
    path: string,
    options?: RequestOptions,
  ): Promise<ApiResponse<T>> {
    return this.request<T>('DELETE', path, options);
  }

  async request<T>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.authorization !== undefined) {
      headers.Authorization ??= this.authorization;
    }
    if (options.body !== undefined) {
      headers['Content-Type'] ??= 'application/json';
    }

    const response = await this.server.request(path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    const body = (text === '' ? {} : JSON.parse(text)) as T;
    return { status: response.status, headers: response.headers, body } satisfies ApiResponse<T>;
  }
}
