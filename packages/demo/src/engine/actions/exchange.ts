import { TesseraApiError } from '@tessera/reseller-client';

import type { Answer } from '../answer';
import { StepError, type ScenarioRun } from '../scenario-run';

/**
 * Makes one call through a generated client and returns its answer as recorded on the wire.
 * A non-2xx answer is an answer like any other here (the step's expectations judge it), so the
 * client's `TesseraApiError` is swallowed; a network failure is not.
 */
export async function exchange(run: ScenarioRun, call: () => Promise<unknown>): Promise<Answer> {
  try {
    await call();
  } catch (error) {
    if (!(error instanceof TesseraApiError)) {
      throw error;
    }
  }
  const answer = run.deps.recorder.take();
  if (answer === undefined) {
    throw new StepError('the call made no HTTP request');
  }
  run.answer = answer;
  run.deps.tracker.observe(answer.json);
  return answer;
}
