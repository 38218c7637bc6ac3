import { performance } from 'node:perf_hooks';

import { createMerchantClient } from '@tessera/merchant-client';
import { createResellerClient } from '@tessera/reseller-client';

import type { Cleanup } from './environment/cleanup';
import { startEnvironment, type DemoEnvironment } from './environment/environment';
import { SANDBOX } from './environment/sandbox';
import type { LogLine } from './environment/tessera-process';
import { HttpRecorder } from './engine/http-recorder';
import { runScenario, wrap, type ScenarioResult } from './engine/run-scenario';
import type { EngineDeps } from './engine/scenario-run';
import { StateTracker } from './engine/state-tracker';
import { formatDuration } from './scenario/duration';
import { loadScenarios, type Scenario } from './scenario/load';
import { showAttempt, showLog } from './timeline/stories';
import { Timeline } from './timeline/timeline';

/** What to run and where to print. */
export interface DemoOptions {
  /** The folder of scenario files. */
  scenariosDir: string;
  /** The built server's entry point. */
  serverMain: string;
  /** Only the scenarios whose file name contains one of these; all when empty. */
  only?: string[];
  /** Print every Tessera log line, not only warnings and errors. */
  verbose?: boolean;
  write: (text: string) => void;
  /** Colour the output; picocolors' detection (NO_COLOR, TTY) when unset. */
  colors?: boolean;
}

/** How the demo went. */
export interface DemoResult {
  ok: boolean;
  results: ScenarioResult[];
  durationMs: number;
}

/**
 * Starts everything, runs the scenarios in file order and prints the timeline and a summary.
 * Whatever it started is registered with `cleanup`; the caller runs it (also on SIGINT).
 */
export async function runDemo(options: DemoOptions, cleanup: Cleanup): Promise<DemoResult> {
  const timeline = new Timeline({ write: options.write, colors: options.colors });
  const scenarios = selectScenarios(await loadScenarios(options.scenariosDir), options.only);
  timeline.heading(`Tessera demo: ${scenarios.length} scenarios over real HTTP`);
  LEGEND.forEach((line) => timeline.plain(timeline.c.dim(line)));

  const environment = await startEnvironment(
    {
      serverMain: options.serverMain,
      onLog: (line) => showLog(timeline, line, options.verbose ?? false),
      onSetup: (what) => timeline.line('setup', what),
    },
    cleanup,
  );
  const deps = engineDeps(environment, timeline, environment.tessera.logs);
  environment.reseller.subscribe((attempt, received) =>
    showAttempt(timeline, deps.tracker, attempt, received),
  );

  const started = performance.now();
  const results: ScenarioResult[] = [];
  for (const [index, scenario] of scenarios.entries()) {
    results.push(await runScenario(deps, scenario, `${index + 1}/${scenarios.length} `));
  }
  const result = {
    ok: results.every((r) => r.ok),
    results,
    durationMs: performance.now() - started,
  };
  printSummary(timeline, result);
  return result;
}

/** How long an answer waits for Tessera's log to catch up before it is printed anyway. */
const SETTLE_TIMEOUT_MS = 200;

const LEGEND = [
  '  Columns: ms since start, duration of the exchange, who acts, what happens.',
  '  "state": an entitlement changed status; ✔/✖: what the step expected, observed or missing.',
];

function selectScenarios(scenarios: Scenario[], only: string[] = []): Scenario[] {
  if (only.length === 0) {
    return scenarios;
  }
  const chosen = scenarios.filter((s) => only.some((name) => s.name.includes(name)));
  if (chosen.length === 0) {
    const names = scenarios.map((s) => s.name).join(', ');
    throw new Error(`No scenario matches ${only.join(', ')} (scenarios: ${names})`);
  }
  return chosen;
}

function engineDeps(env: DemoEnvironment, timeline: Timeline, logs: LogLine[]): EngineDeps {
  // Tessera logs each request last thing (`request completed`), after what it did meanwhile.
  // The path tells it from Tessera's own calls to the simulated merchant under the same id.
  const settle = (requestId: string, path: string) =>
    env.tessera.waitForLine(
      (line) =>
        line.requestId === requestId && line.path === path && line.msg === 'request completed',
      SETTLE_TIMEOUT_MS,
    );
  const recorder = new HttpRecorder(timeline, new URL(env.tesseraUrl).origin, settle);
  let customers = 0;
  return {
    timeline,
    recorder,
    tracker: new StateTracker(timeline),
    reseller: createResellerClient({
      baseUrl: env.tesseraUrl,
      ...SANDBOX.reseller,
      fetch: recorder.fetchFor('reseller', 'tessera'),
    }),
    merchant: createMerchantClient({
      baseUrl: env.tesseraUrl,
      ...SANDBOX.merchant,
      fetch: recorder.fetchFor('merchant', 'tessera'),
    }),
    userFetch: recorder.fetchFor('user', 'merchant'),
    receiver: env.reseller,
    tesseraLogs: logs,
    // UK test numbers (Ofcom's drama range), one per entitlement, never reused within a run.
    newCustomer: () => `4477009${String((customers += 1)).padStart(5, '0')}`,
    consumed: new Set(),
  };
}

function printSummary(timeline: Timeline, result: DemoResult): void {
  const { c } = timeline;
  const passed = result.results.filter((r) => r.ok).length;
  timeline.heading('Summary');
  for (const r of result.results) {
    const mark = r.ok ? c.green('✔') : c.red('✖');
    const took = c.dim(formatDuration(r.durationMs).padStart(6));
    timeline.plain(`  ${mark} ${took}  ${r.scenario.title}`);
    for (const text of r.failures) {
      wrap(`missing: ${text}`, 88).forEach((line) => timeline.plain(c.red(`           ${line}`)));
    }
  }
  const total = `${passed} of ${result.results.length} scenarios passed`;
  const took = formatDuration(result.durationMs);
  timeline.plain(`\n${result.ok ? c.green(c.bold(total)) : c.red(c.bold(total))} in ${took}`);
}
