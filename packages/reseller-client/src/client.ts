import { fetchConfigurationParameters, type ClientOptions } from '@tessera/client-runtime';

import {
  Configuration,
  ConnectivityApi,
  EntitlementsApi,
  EventsApi,
  SandboxApi,
} from './generated';

/** The reseller API, one object per area of the contract. */
export interface ResellerClient {
  /** Create, read, change and end entitlements. */
  entitlements: EntitlementsApi;
  /** An entitlement's history and your ordered event feed. */
  events: EventsApi;
  /** `echo`: check credentials, base URL and availability. */
  connectivity: ConnectivityApi;
  /** Test clock and notification inbox (sandbox credentials only). */
  sandbox: SandboxApi;
  /** The configuration the API objects share, for building further generated API classes. */
  configuration: Configuration;
}

/**
 * Creates a client for Tessera's reseller API.
 *
 * Calls use Node's global `fetch` and HTTP Basic with your credential. Every answer other than
 * 2xx is thrown as a `TesseraApiError` carrying the parsed problem details.
 *
 * @example
 * const tessera = createResellerClient({ baseUrl, username, password });
 * const created = await tessera.entitlements.createEntitlement({
 *   createEntitlementRequest: { customerIdentifier: '447700900123',
 *     merchantAccountKey: 'DEMO_MUSIC', productKey: 'MUSIC' },
 * });
 */
export function createResellerClient(options: ClientOptions): ResellerClient {
  const configuration = new Configuration(fetchConfigurationParameters(options));
  return {
    entitlements: new EntitlementsApi(configuration),
    events: new EventsApi(configuration),
    connectivity: new ConnectivityApi(configuration),
    sandbox: new SandboxApi(configuration),
    configuration,
  };
}
