export { ConfigError, loadConfig, type DemoResellerConfig, type Env } from './config';
export {
  createDemoReseller,
  type DemoReseller,
  type DemoResellerOptions,
  type RunningDemoReseller,
} from './demo-reseller';
export type {
  AttemptListener,
  AttemptOutcome,
  DeliveryAttempt,
  ReceivedNotification,
} from './notification-log';
