import { formatDuration } from '../../scenario/duration';
import type { ActionArgs } from '../../scenario/schema';
import type { ScenarioRun } from '../scenario-run';

/** `receiverDown`: the reseller's receiver answers 503, for a while or until `receiverUp`. */
export function receiverDown(run: ScenarioRun, args: ActionArgs<'receiverDown'>): void {
  run.deps.receiver.goDown(args.for);
  const how = args.for === undefined ? 'until told otherwise' : `for ${formatDuration(args.for)}`;
  run.deps.timeline.line('receiver', `goes down: answers every notification with 503 ${how}`);
}

/** `receiverUp`: the receiver accepts notifications again. */
export function receiverUp(run: ScenarioRun): void {
  run.deps.receiver.up();
  run.deps.timeline.line('receiver', 'is back up: accepts notifications again');
}

/** `wait`: lets time pass. */
export async function wait(run: ScenarioRun, ms: ActionArgs<'wait'>): Promise<void> {
  run.deps.timeline.line('clock', `waits ${formatDuration(ms)}`);
  await new Promise((resolve) => setTimeout(resolve, ms));
}
