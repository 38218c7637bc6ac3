import { fetchConfigurationParameters, type ClientOptions } from '@tessera/client-runtime';

import { Configuration, MerchantConnectivityApi, MerchantEntitlementsApi } from './generated/api';
import * as callbacks from './generated/callbacks';

/** The merchant API, one object per area of the contract. */
export interface MerchantClient {
  /** Report what happened on your side: activate, terminate, suspend, resume, change, refuse. */
  entitlements: MerchantEntitlementsApi;
  /** `echoMerchant`: check credentials and availability. */
  connectivity: MerchantConnectivityApi;
  /** The configuration the API objects share, for building further generated API classes. */
  configuration: Configuration;
}

/**
 * Creates a client for Tessera's merchant API.
 *
 * Calls use Node's global `fetch` and HTTP Basic with your merchant credential. Every answer
 * other than 2xx is thrown as a `TesseraApiError` carrying the parsed problem details.
 *
 * @example
 * const tessera = createMerchantClient({ baseUrl, username, password });
 * await tessera.entitlements.activateEntitlement({ entitlementId });
 */
export function createMerchantClient(options: ClientOptions): MerchantClient {
  const configuration = new Configuration(fetchConfigurationParameters(options));
  return {
    entitlements: new MerchantEntitlementsApi(configuration),
    connectivity: new MerchantConnectivityApi(configuration),
    configuration,
  };
}

/**
 * Creates a client that calls a merchant's callback endpoints the way Tessera does. Tessera's
 * server uses it; a merchant can use it to exercise its own implementation in tests.
 *
 * @param options.baseUrl - the merchant's callback base URL (paths as the contract suggests)
 * @param options.username - the Basic username Tessera presents to the merchant
 * @param options.password - the Basic password Tessera presents to the merchant
 */
export function createCallbacksClient(options: ClientOptions): callbacks.MerchantCallbacksApi {
  const configuration = new callbacks.Configuration(fetchConfigurationParameters(options));
  return new callbacks.MerchantCallbacksApi(configuration);
}
