export {
  Behaviour,
  DEFAULT_PRODUCTS,
  MAGIC_VALUES,
  parseMagicHeader,
  type CallbackOperation,
  type MagicValue,
  type ProductCatalogue,
  type ProductSettings,
} from './behaviour';
export type { Timing } from './callbacks/callback-context';
export { ConfigError, loadConfig, type DemoMerchantConfig, type Env } from './config';
export {
  createDemoMerchant,
  DEFAULT_TIMING,
  type DemoMerchant,
  type DemoMerchantOptions,
  type DemoMerchantState,
  type RunningDemoMerchant,
} from './demo-merchant';
export type { OAuth2Settings, TokenResponse } from './oauth2/token-issuer';
export type { Subscription } from './subscription-store';
