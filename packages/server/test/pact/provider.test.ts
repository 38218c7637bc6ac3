/**
 * Tessera's server as the provider of its consumers' contracts (issue #6): the reseller and
 * merchant clients' HTTP pacts (provider `tessera-server`), and the reseller client's message
 * pact (provider `tessera-notifications`), whose messages the server's own notification builder
 * produces. Each runs once per database, SQLite and PostgreSQL.
 *
 * Every interaction gets a fresh Tessera (empty database, real server on port 0, sandbox seeded,
 * simulated merchant answering the callbacks); its provider state is seeded through the server's
 * services and hands generated ids back to the interaction (`fromProviderState`). The pact files
 * are the ones the clients' tests wrote into `pacts/` (and any other consumer's pact there for
 * these providers); run those tests first (turbo does).
 * `PACT_LOG_LEVEL=debug` shows every request and state call.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';

import { type LogLevel, Verifier } from '@pact-foundation/pact';

import { DATABASE_TARGETS } from '../helpers/databases';
import { FreshTessera } from './fresh-tessera';
import { ChangedEvents, notificationMessages } from './notification-messages';
import { notificationStateHandlers, serverStateHandlers } from './state-handlers';
import { verify } from './verification-report';

// No usage statistics from the verifier (it would try to send them from every test run).
process.env.PACT_DO_NOT_TRACK ??= 'true';

const PACT_DIR = path.resolve(__dirname, '../../../../pacts');
const logLevel = (process.env.PACT_LOG_LEVEL ?? 'warn') as LogLevel;

// Each interaction starts a fresh server: 0.5 to 2 s, more on a busy machine.
const VERIFICATION_TIMEOUT_MS = 300_000;

/** SQLite (its default driver) and PostgreSQL. */
const TARGETS = DATABASE_TARGETS.filter((target) => target.name !== 'sqlite/sqlite3');

/**
 * The pact files in `pacts/` for `provider`: those of `consumers`, which must be there, and
 * any other consumer's (`<consumer>-<provider>.json`), which the same states serve.
 */
function pactFiles(provider: string, consumers: string[]): string[] {
  const known = consumers.map((consumer) => `${consumer}-${provider}.json`);
  const others = readdirSync(PACT_DIR).filter(
    (name) => name.endsWith(`-${provider}.json`) && !known.includes(name),
  );
  return [...known, ...others].map((name) => path.join(PACT_DIR, name));
}

for (const target of TARGETS) {
  describe(`Pact provider verification (${target.name})`, function () {
    const tessera = new FreshTessera(target);

    before(async function () {
      this.timeout(60_000);
      await tessera.start(this);
    });

    after(async () => {
      await tessera.stop();
    });

    it('answers the reseller and merchant client interactions (tessera-server)', async function () {
      this.timeout(VERIFICATION_TIMEOUT_MS);

      await verifyOn(
        tessera,
        new Verifier({
          provider: 'tessera-server',
          providerBaseUrl: tessera.url,
          pactUrls: pactFiles('tessera-server', [
            'tessera-reseller-client',
            'tessera-merchant-client',
          ]),
          beforeEach: () => tessera.reset(),
          stateHandlers: serverStateHandlers(tessera),
          logLevel,
        }),
      );
    });

    it('builds the reseller message pact notifications (tessera-notifications)', async function () {
      this.timeout(VERIFICATION_TIMEOUT_MS);
      const events = new ChangedEvents();

      await verifyOn(
        tessera,
        new Verifier({
          provider: 'tessera-notifications',
          pactUrls: pactFiles('tessera-notifications', ['tessera-reseller-client']),
          beforeEach: () => tessera.reset(),
          stateHandlers: notificationStateHandlers(tessera, events.record),
          messageProviders: notificationMessages(tessera, events),
          logLevel,
        }),
      );
    });
  });
}

/**
 * Runs the verification, then fails on what Pact found and on any response that broke the
 * contract (Pact matches what the consumers use; the server's response validator checks the
 * rest, on every fresh server of the run).
 */
async function verifyOn(tessera: FreshTessera, verifier: Verifier): Promise<void> {
  const failure = await verify(verifier).then(
    () => undefined,
    (error: unknown) => (error instanceof Error ? error.message : String(error)),
  );
  const mismatches = tessera
    .takeContractMismatches()
    .map(
      (m) => `- ${m.method} ${m.path} → ${m.status} (${m.operationId}): ${m.problems.join('; ')}`,
    );
  const problems = [
    ...(failure === undefined ? [] : [failure]),
    ...(mismatches.length === 0 ? [] : [`Responses broke the contract:\n${mismatches.join('\n')}`]),
  ];
  if (problems.length > 0) {
    throw new Error(problems.join('\n\n'));
  }
}
