import { performance } from 'node:perf_hooks';

import { formatDuration } from '../scenario/duration';
import type { Scenario, Step } from '../scenario/load';
import { runAction } from './actions';
import { TEXT_WIDTH } from './describe';
import { checkExpectations, type CheckResult } from './expectations';
import { ScenarioRun, type EngineDeps } from './scenario-run';

/** How a scenario went. */
export interface ScenarioResult {
  scenario: Scenario;
  ok: boolean;
  /** What was expected and not observed, one line each. */
  failures: string[];
  /** Steps run (a failed step ends the scenario). */
  stepsRun: number;
  checksPassed: number;
  durationMs: number;
}

/**
 * Runs a scenario's steps in order, printing each on the timeline. The first step with a
 * failed expectation ends the scenario: later steps build on what it expected.
 */
export async function runScenario(
  deps: EngineDeps,
  scenario: Scenario,
  position = '',
): Promise<ScenarioResult> {
  const { timeline } = deps;
  const started = performance.now();
  timeline.heading(`▶ ${position}${scenario.title}`);
  timeline.plain(timeline.c.dim(`  scenarios/${scenario.name}.yaml`));
  for (const line of wrap(scenario.description ?? '', 96)) {
    timeline.plain(timeline.c.dim(`  ${line}`));
  }

  const run = new ScenarioRun(deps, scenario);
  const failures: string[] = [];
  let stepsRun = 0;
  let checksPassed = 0;
  for (const step of scenario.steps) {
    stepsRun += 1;
    const results = await runStep(run, step);
    checksPassed += results.filter((result) => result.ok).length;
    failures.push(...results.filter((result) => !result.ok).map((r) => failure(step, r.text)));
    if (failures.length > 0) {
      break;
    }
  }
  failures.push(...signatureFailures(run));

  const result = { scenario, ok: failures.length === 0, failures, stepsRun, checksPassed };
  return report({ ...result, durationMs: performance.now() - started }, deps);
}

async function runStep(run: ScenarioRun, step: Step): Promise<CheckResult[]> {
  const { timeline } = run.deps;
  if (step.say !== undefined) {
    for (const line of wrap(step.say, TEXT_WIDTH + 20)) {
      timeline.plain(timeline.c.dim(`  · ${line}`));
    }
  }
  run.answer = undefined;
  run.deps.recorder.take();
  const start = { at: new Date(), logIndex: run.deps.tesseraLogs.length };
  const began = performance.now();
  let results: CheckResult[];
  try {
    if (step.action !== undefined) {
      await runAction(run, step.action);
    }
    results = step.expect === undefined ? [] : await checkExpectations(run, step.expect, start);
  } catch (error) {
    results = [{ ok: false, text: `could not run: ${(error as Error).message}` }];
  }
  printResults(run, results, performance.now() - began);
  return results;
}

// Passed checks share one line, with how long the step took; each failure gets its own.
function printResults(run: ScenarioRun, results: CheckResult[], durationMs: number): void {
  const { timeline } = run.deps;
  const { c } = timeline;
  const passed = results.filter((result) => result.ok).map((result) => result.text);
  const took = passed.length > 0 ? ` (step ${formatDuration(durationMs)})` : '';
  wrap(passed.join(' · ') + took, TEXT_WIDTH).forEach((line, i) =>
    timeline.detail(`${i === 0 ? c.green('✔') : ' '} ${line}`),
  );
  for (const result of results.filter((r) => !r.ok)) {
    wrap(result.text, TEXT_WIDTH - 2).forEach((line, i) =>
      timeline.detail(`${i === 0 ? c.red('✖') : ' '} ${c.red(line)}`),
    );
  }
}

function failure(step: Step, text: string): string {
  const name = step.action?.name ?? 'expect';
  return `step ${step.number} (${name}): ${text}`;
}

// Every notification must verify: a rejected one means the reseller would have dropped it.
function signatureFailures(run: ScenarioRun): string[] {
  const ids = new Set(run.entitlementIds());
  return run.deps.receiver
    .attempts()
    .filter((attempt) => attempt.outcome === 'rejected' && attempt.at >= run.startedAt)
    .filter((attempt) => attempt.entitlementId === undefined || ids.has(attempt.entitlementId))
    .map((attempt) => `a ${attempt.reason ?? ''} notification did not verify: ${attempt.error}`);
}

function report(result: ScenarioResult, deps: EngineDeps): ScenarioResult {
  const { c } = deps.timeline;
  const counts = `${result.stepsRun} steps, ${result.checksPassed} checks`;
  const took = formatDuration(result.durationMs);
  deps.timeline.plain(
    result.ok
      ? `${c.green('✔ passed')}  ${c.dim(`${counts} in ${took}`)}`
      : `${c.red('✖ failed')}  ${c.dim(`${counts} in ${took}`)}`,
  );
  return result;
}

/** Splits text into lines of at most `width` characters, at spaces. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  return line === '' ? lines : [...lines, line];
}
