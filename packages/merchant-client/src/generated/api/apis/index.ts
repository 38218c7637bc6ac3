export * from './MerchantConnectivityApi';
export * from './MerchantEntitlementsApi';
