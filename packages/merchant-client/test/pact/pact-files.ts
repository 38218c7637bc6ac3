/**
 * Mocha global fixture (loaded by `.mocharc.json`): deletes this package's pact files before the
 * tests run, so that each run writes them afresh from the interactions that exist now. Pact
 * merges into an existing file, which would otherwise keep interactions deleted from the tests.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';

import { PACT_DIR, PACT_FILES } from './tessera-pact';

export function mochaGlobalSetup(): void {
  for (const file of PACT_FILES) {
    rmSync(path.join(PACT_DIR, file), { force: true });
  }
}
