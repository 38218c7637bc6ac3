export * from './generated/api';
export * as callbacks from './generated/callbacks';
export {
  ActionParametersActionEnum,
  CallbackAckFromJSON,
  CallbackActivationInfoToJSON,
  CallbackEntitlementRequestFromJSON,
  CallbackEntitlementResultToJSON,
  CallbackStateChangeRequestFromJSON,
  CallbackTerminationRequestFromJSON,
  CallbackTerminationResultToJSON,
  CallbackUpdateRequestFromJSON,
  MerchantCallbacksApi,
  type ActionParameters,
  type CallbackAck,
  type CallbackActivationInfo,
  type CallbackEntitlementRequest,
  type CallbackEntitlementResult,
  type CallbackStateChangeRequest,
  type CallbackTerminationRequest,
  type CallbackTerminationResult,
  type CallbackUpdateRequest,
} from './generated/callbacks';
export { createCallbacksClient, createMerchantClient, type MerchantClient } from './client';
export { verifyCallbackAuthorization, type CallbackCredentials } from './callback-auth';
export {
  TesseraApiError,
  type ClientOptions,
  type FieldProblem,
  type ProblemDetails,
} from '@tessera/client-runtime';
