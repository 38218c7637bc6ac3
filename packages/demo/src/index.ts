export { Cleanup } from './environment/cleanup';
export { startEnvironment, type DemoEnvironment } from './environment/environment';
export { runDemo, type DemoOptions, type DemoResult } from './run-demo';
export { type ScenarioResult } from './engine/run-scenario';
export {
  loadScenario,
  loadScenarios,
  ScenarioError,
  type Scenario,
  type Step,
} from './scenario/load';
export { ACTION_SCHEMAS, type ActionName } from './scenario/schema';
