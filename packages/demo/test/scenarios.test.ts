import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { loadScenario, loadScenarios, ScenarioError } from '../src';

const SHIPPED = join(__dirname, '../scenarios');

describe('loadScenarios', () => {
  it('loads every shipped scenario, in file name order', async () => {
    const scenarios = await loadScenarios(SHIPPED);

    assert.ok(scenarios.length >= 8);
    const names = scenarios.map((scenario) => scenario.name);
    assert.deepEqual(names, [...names].sort());
  });

  it('reads an action and its arguments, and durations as milliseconds', async () => {
    const [first] = await loadScenarios(SHIPPED);
    const submit = first?.steps.find((step) => step.action?.name === 'submitSignupPage');

    assert.equal(first?.name, '01-async-activation');
    assert.deepEqual(submit?.expect?.notification, {
      reason: 'ACTIVATION_SUCCESS',
      status: 'ACTIVE',
    });
    assert.equal(submit?.expect?.within, 5000);
  });
});

describe('loadScenario', () => {
  let directory: string;

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'tessera-demo-test-'));
  });

  after(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  async function load(text: string) {
    const file = join(directory, 'scenario.yaml');
    await writeFile(file, text);
    return loadScenario(file);
  }

  async function rejects(text: string, pattern: RegExp) {
    await assert.rejects(load(text), (error: unknown) => {
      assert.ok(error instanceof ScenarioError);
      assert.match(error.message, pattern);
      return true;
    });
  }

  it('accepts a step that only waits for expectations', async () => {
    const scenario = await load(`
title: Waiting
steps:
  - expect: { refusedDeliveries: { atLeast: 1 }, within: 2s }
`);

    assert.equal(scenario.steps[0]?.action, undefined);
    assert.equal(scenario.steps[0]?.expect?.within, 2000);
  });

  it('names the step of an unknown action and lists the known ones', async () => {
    await rejects(
      'title: T\nsteps:\n  - get: {}\n  - creat: {}\n',
      /step 2: unknown action "creat" \(known: create, get/,
    );
  });

  it('refuses two actions in one step', async () => {
    await rejects('title: T\nsteps:\n  - get: {}\n    revoke: {}\n', /one action per step/);
  });

  it('refuses an argument the action does not take', async () => {
    await rejects(
      'title: T\nsteps:\n  - create: { productKey: MUSIC, colour: red }\n',
      /step 1 \(create\).*colour/,
    );
  });

  it('refuses an unknown notification reason', async () => {
    await rejects(
      'title: T\nsteps:\n  - get: {}\n    expect: { notification: { reason: HELLO } }\n',
      /step 1: expect\.notification\.reason/,
    );
  });

  it('refuses a duration it cannot read', async () => {
    await rejects('title: T\nsteps:\n  - wait: soon\n', /must be a duration/);
  });

  it('refuses a file without steps', async () => {
    await rejects('title: T\nsteps: []\n', /steps/);
  });
});
