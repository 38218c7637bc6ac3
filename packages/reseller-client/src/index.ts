export * from './generated';
export { createResellerClient, type ResellerClient } from './client';
export {
  NotificationVerificationError,
  verifyNotification,
  type NotificationHeaders,
} from './notifications';
export {
  TesseraApiError,
  type ClientOptions,
  type FieldProblem,
  type ProblemDetails,
} from '@tessera/client-runtime';
