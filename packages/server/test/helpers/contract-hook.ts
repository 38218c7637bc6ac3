import { takeContractMismatches } from './test-server';

/**
 * Mocha root hook (loaded through `.mocharc.json`): after every test, fails it when any running
 * test server answered something the contract does not allow. The servers record mismatches
 * instead of failing the request, so the client under test sees exactly what a real one would.
 */
export const mochaHooks = {
  afterEach(): void {
    const mismatches = takeContractMismatches();
    if (mismatches.length === 0) {
      return;
    }

    const lines = mismatches.map(
      (m) =>
        `${m.method} ${m.path} → ${m.status} (${m.operationId ?? 'no operation'}): ` +
        m.problems.join('; '),
    );
    throw new Error(`Responses broke the contract:\n  ${lines.join('\n  ')}`);
  },
};
