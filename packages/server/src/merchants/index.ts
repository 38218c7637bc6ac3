export * from './merchant-gateway';
export * from './merchant-errors';
export {
  HttpMerchantGateway,
  type GatewayLogger,
  type HttpMerchantGatewayOptions,
} from './http-merchant-gateway';
export {
  OAuth2TokenProvider,
  TokenRequestError,
  type ClientCredentials,
  type OAuth2TokenProviderOptions,
} from './oauth2-token-provider';
