import type { Verifier } from '@pact-foundation/pact';

/** The part of pact-core's report (the JSON it rejects with) that says what failed. */
interface Report {
  errors: {
    interaction: string;
    mismatch?: {
      type: string;
      message?: string;
      mismatches?: { mismatch: string; path?: string; key?: string }[];
    };
  }[];
  interactionResults?: unknown[];
}

/**
 * Runs the verification. When it fails, pact-core rejects with its whole report as one JSON
 * string; this throws a short list of the failed interactions and each mismatch instead (the
 * Pact output printed above the test results has the full diffs).
 */
export async function verify(verifier: Verifier): Promise<void> {
  try {
    await verifier.verifyProvider();
  } catch (error) {
    throw summarise(error);
  }
}

function summarise(error: unknown): unknown {
  const report = parseReport(error);
  if (report === undefined) {
    return error;
  }

  const lines = report.errors.flatMap(({ interaction, mismatch }) => [
    `- ${interaction.replace(/^Verifying a pact between /, '')}`,
    ...(mismatch?.mismatches ?? []).map((m) => `    ${m.path ?? m.key ?? ''}: ${m.mismatch}`),
    ...(mismatch?.message === undefined ? [] : [`    ${mismatch.message}`]),
  ]);
  const total = report.interactionResults?.length ?? '?';
  return new Error(
    `${report.errors.length} of ${total} interactions failed verification:\n${lines.join('\n')}`,
  );
}

function parseReport(error: unknown): Report | undefined {
  try {
    const report = JSON.parse((error as Error).message) as Partial<Report>;
    return Array.isArray(report.errors) ? (report as Report) : undefined;
  } catch {
    return undefined;
  }
}
