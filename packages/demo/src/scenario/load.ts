import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';

import { parse } from 'yaml';
import type { z } from 'zod';

import {
  ACTION_SCHEMAS,
  scenarioFileSchema,
  stepExtrasSchema,
  type ActionArgs,
  type ActionName,
  type Expectation,
} from './schema';

/** An action and its parsed arguments. */
export type Action = { [A in ActionName]: { name: A; args: ActionArgs<A> } }[ActionName];

/** One step of a scenario: an action (or none: only waiting for expectations) and checks. */
export interface Step {
  /** 1-based, as people count. */
  number: number;
  action?: Action;
  say?: string;
  expect?: Expectation;
}

/** A scenario as loaded from its file. */
export interface Scenario {
  /** The file name without `.yaml`, e.g. `01-async-activation`. */
  name: string;
  file: string;
  title: string;
  description?: string;
  steps: Step[];
}

/** Thrown when a scenario file is not valid; says which file, step and field. */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
}

/** Reads every `*.yaml` scenario in `directory`, in file name order. */
export async function loadScenarios(directory: string): Promise<Scenario[]> {
  const names = (await readdir(directory)).filter((name) => /\.ya?ml$/.test(name)).sort();
  return Promise.all(names.map((name) => loadScenario(join(directory, name))));
}

/**
 * Reads one scenario file and checks every step against its action's schema.
 *
 * @throws ScenarioError naming the file, the step and what is wrong
 */
export async function loadScenario(file: string): Promise<Scenario> {
  const fail = (message: string): never => {
    throw new ScenarioError(`${file}: ${message}`);
  };
  let document: unknown;
  try {
    document = parse(await readFile(file, 'utf8'));
  } catch (error) {
    fail(`not valid YAML: ${(error as Error).message}`);
  }

  const frame = scenarioFileSchema.safeParse(document);
  if (!frame.success) {
    return fail(describeIssues(frame.error));
  }
  const steps = frame.data.steps.map((raw, index) => parseStep(raw, index + 1, fail));
  const name = basename(file).replace(/\.ya?ml$/, '');
  return { name, file, title: frame.data.title, description: frame.data.description, steps };
}

function parseStep(
  raw: Record<string, unknown>,
  number: number,
  fail: (message: string) => never,
): Step {
  const actionNames = Object.keys(raw).filter((key) => key !== 'say' && key !== 'expect');
  if (actionNames.length > 1) {
    fail(`step ${number}: one action per step, found ${actionNames.join(', ')}`);
  }
  const extras = stepExtrasSchema.safeParse({ say: raw.say, expect: raw.expect });
  if (!extras.success) {
    fail(`step ${number}: ${describeIssues(extras.error)}`);
  }
  const step: Step = { number, say: extras.data?.say, expect: extras.data?.expect };
  const [name] = actionNames;
  if (name === undefined) {
    return step.expect === undefined ? fail(`step ${number}: needs an action or expect`) : step;
  }
  return { ...step, action: parseAction(name, raw[name], number, fail) };
}

function parseAction(
  name: string,
  value: unknown,
  number: number,
  fail: (message: string) => never,
): Action {
  if (!isActionName(name)) {
    const known = Object.keys(ACTION_SCHEMAS).join(', ');
    return fail(`step ${number}: unknown action "${name}" (known: ${known})`);
  }
  // `get:` with nothing after it reads as null in YAML: no arguments.
  const parsed = ACTION_SCHEMAS[name].safeParse(value ?? {});
  if (!parsed.success) {
    return fail(`step ${number} (${name}): ${describeIssues(parsed.error)}`);
  }
  return { name, args: parsed.data } as Action;
}

function isActionName(name: string): name is ActionName {
  return Object.hasOwn(ACTION_SCHEMAS, name);
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.join('.') || '(top)'}: ${issue.message}`)
    .join('; ');
}
