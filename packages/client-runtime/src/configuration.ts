import { toApiError } from './problem';

/** The response side of a generated client's middleware, as the generated runtime defines it. */
interface ResponseContext {
  response: Response;
}

/** What every generated client's `Configuration` accepts (a structural subset of it). */
export interface FetchConfigurationParameters {
  basePath: string;
  username?: string;
  password?: string;
  fetchApi: (input: string, init: RequestInit) => Promise<Response>;
  middleware: Array<{ post(context: ResponseContext): Promise<Response | void> }>;
}

/** How a client reaches Tessera. */
export interface ClientOptions {
  /** Tessera's base URL without the API prefix, e.g. `https://tessera.example.com`. */
  baseUrl: string;
  /** The username of the HTTP Basic credential an operator issued you. */
  username: string;
  /** The password of that credential. */
  password: string;
  /** A fetch implementation; Node's global `fetch` when omitted. */
  fetch?: typeof globalThis.fetch;
}

/**
 * Turns non-2xx answers into {@link TesseraApiError}s before the generated code would throw the
 * raw `Response`.
 */
export const problemMiddleware = {
  async post({ response }: ResponseContext): Promise<Response | void> {
    if (response.status >= 200 && response.status < 300) {
      return undefined;
    }
    throw await toApiError(response);
  },
};

/**
 * Builds the parameters of a generated `Configuration`: base URL, HTTP Basic credentials,
 * Node's global `fetch` (the generated code would otherwise look for `window.fetch`) and the
 * problem-details middleware.
 */
export function fetchConfigurationParameters(options: ClientOptions): FetchConfigurationParameters {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  return {
    basePath: options.baseUrl.replace(/\/+$/, ''),
    username: options.username,
    password: options.password,
    fetchApi: (input, init) => fetchImpl(input, init),
    middleware: [problemMiddleware],
  };
}
