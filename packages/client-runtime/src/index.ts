export {
  fetchConfigurationParameters,
  problemMiddleware,
  type ClientOptions,
  type FetchConfigurationParameters,
} from './configuration';
export { TesseraApiError, toApiError, type FieldProblem, type ProblemDetails } from './problem';
