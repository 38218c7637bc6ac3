import type { Action } from '../../scenario/load';
import type { ActionArgs, ActionName } from '../../scenario/schema';
import type { ScenarioRun } from '../scenario-run';
import { merchantCall } from './merchant-actions';
import { receiverDown, receiverUp, wait } from './receiver-actions';
import {
  activationInfo,
  advanceClock,
  create,
  events,
  get,
  terminate,
  update,
} from './reseller-actions';
import { openSignupPage, submitSignupPage } from './signup-actions';

type Handler<A extends ActionName> = (run: ScenarioRun, args: ActionArgs<A>) => unknown;

/** What each action does; a new action is a schema entry and a handler here. */
const HANDLERS: { [A in ActionName]: Handler<A> } = {
  create,
  get,
  update,
  cancel: (run, args) => terminate(run, args, 'cancel'),
  revoke: (run, args) => terminate(run, args, 'revoke'),
  activationInfo,
  events,
  advanceClock,
  openSignupPage,
  submitSignupPage,
  merchantCall,
  receiverDown,
  receiverUp: (run) => receiverUp(run),
  wait,
};

/** Runs one action. */
export async function runAction(run: ScenarioRun, action: Action): Promise<void> {
  const handler = HANDLERS[action.name] as Handler<typeof action.name>;
  await handler(run, action.args);
}
