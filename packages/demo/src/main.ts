#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { Cleanup } from './environment/cleanup';
import { runDemo } from './run-demo';

const USAGE = `Usage: tessera-demo [options] [scenario …]

Starts Tessera (the built server) with its sandbox on a fresh SQLite file, the demo merchant
and the demo reseller, runs the scenarios (all, or those whose file name contains one of the
names given) and prints the timeline. Exits 0 only when every expectation was observed.

Options:
  --scenarios <dir>  folder of scenario files (default: this package's scenarios/)
  --verbose          print every Tessera log line, not only warnings
  --no-color         plain output (also NO_COLOR=1; colours are off when not a terminal)
  --help             this text`;

/** Process entry point: parse arguments, run the demo, stop everything, exit with its verdict. */
async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      scenarios: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      color: { type: 'boolean' },
      'no-color': { type: 'boolean' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  const cleanup = new Cleanup();
  stopOnSignals(cleanup);
  ignoreClosedOutput();
  try {
    const result = await runDemo(
      {
        scenariosDir: values.scenarios ?? resolve(__dirname, '../scenarios'),
        serverMain: serverMain(),
        only: positionals,
        verbose: values.verbose,
        write: (text) => process.stdout.write(text),
        colors: values['no-color'] ? false : values.color,
      },
      cleanup,
    );
    return result.ok ? 0 : 1;
  } catch (error) {
    process.stderr.write(`\nThe demo could not run: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await stopAll(cleanup);
  }
}

function serverMain(): string {
  const main = join(dirname(require.resolve('@tessera/server/package.json')), 'dist/main.js');
  if (!existsSync(main)) {
    throw new Error(`${main} is missing: build first (turbo run build --filter=@tessera/demo...)`);
  }
  return main;
}

async function stopAll(cleanup: Cleanup): Promise<void> {
  const problems = await cleanup.run();
  for (const problem of problems) {
    process.stderr.write(`could not stop ${problem}\n`);
  }
}

// When whoever reads the output goes away (`| head`), writing fails with EPIPE; the demo must
// still stop what it started rather than crash on the first line it can no longer print.
function ignoreClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') {
        throw error;
      }
    });
  }
}

// Ctrl-C stops what the demo started before leaving; a second one leaves at once.
function stopOnSignals(cleanup: Cleanup): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.exit(1);
    }
    stopping = true;
    process.stderr.write(`\n${signal}: stopping everything the demo started…\n`);
    void stopAll(cleanup).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

main().then(
  (code) => {
    process.exitCode = code;
    // Everything is stopped; a forgotten keep-alive socket must not hold the verdict back.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
