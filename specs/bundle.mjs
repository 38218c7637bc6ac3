// Bundles the split contract into one JSON document per audience (specs/generated/), adds the
// state machine to each as `x-state-machine`, and renders it into the full contract's
// description, so that the server, the clients, the docs and the tests read the same files.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { bundle, loadConfig } from '@redocly/openapi-core';
import { parse } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, 'generated');

/** Audience bundles: output name → root document. */
const audiences = {
  openapi: 'openapi.yaml',
  reseller: 'reseller.yaml',
  merchant: 'merchant.yaml',
  'merchant-callbacks': 'merchant-callbacks.yaml',
};

/** Renders the transitions as a Markdown table for the API reference. */
function renderStateMachine(machine) {
  const rows = machine.transitions.map((t) => {
    const from = t.from === null ? '—' : t.from.join(', ');
    const to = t.to === 'same' ? 'unchanged' : t.to;
    const notification = t.notify ? `\`${t.reason}\`` : '—';
    return `| ${from} | ${t.trigger}${t.outcome ? ` (${t.outcome})` : ''} | ${to} | ` +
      `${t.actors.join(', ')} | ${notification} | ${t.description.trim()} |`;
  });
  return [
    '',
    '### Transitions',
    '',
    '| From | Trigger | To | Actors | Notification | When |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    'Any other change, and any change to a terminal entitlement, is refused with 409.',
  ].join('\n');
}

async function main() {
  const config = await loadConfig({ configPath: join(here, 'redocly.yaml') });
  const machine = parse(await readFile(join(here, 'state-machine.yaml'), 'utf8'));
  await mkdir(outDir, { recursive: true });

  for (const [name, root] of Object.entries(audiences)) {
    const { bundle: result, problems } = await bundle({ ref: join(here, root), config });
    const errors = problems.filter((p) => p.severity === 'error');
    if (errors.length > 0) {
      throw new Error(`${root}: ${errors.map((p) => p.message).join('; ')}`);
    }

    const document = result.parsed;
    if (name !== 'merchant-callbacks') {
      document['x-state-machine'] = machine;
    }
    if (name === 'openapi') {
      document.info.description += renderStateMachine(machine);
    }
    await writeFile(join(outDir, `${name}.json`), `${JSON.stringify(document, null, 2)}\n`);
  }

  await writeFile(join(outDir, 'state-machine.json'), `${JSON.stringify(machine, null, 2)}\n`);
}

await main();
