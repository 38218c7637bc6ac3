export * from './MerchantCallbacksApi';
