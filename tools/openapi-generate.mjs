#!/usr/bin/env node
// Regenerates a client's src/generated/ from one audience bundle of the contract.
// Usage (from a client package): node ../../tools/openapi-generate.mjs <spec.json> <outDir>
//
// Uses @openapitools/openapi-generator-cli 1.0.18-4.3.1, whose npm package bundles the generator
// 4.3.1 jar, so it runs offline with Java 17. The output folder is emptied first so that removed
// operations leave no stale files; generator 4.3.1 writes no timestamps, so a re-run is
// byte-identical and `tools/check-generated.sh` sees no diff.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [spec, outDir] = process.argv.slice(2);
if (!spec || !outDir) {
  console.error('usage: openapi-generate.mjs <spec.json> <outDir>');
  process.exit(2);
}
if (!existsSync(spec)) {
  console.error(
    `openapi-generate: ${spec} not found; run \`pnpm generate\` from the repository root`,
  );
  process.exit(1);
}

for (const entry of existsSync(outDir) ? readdirSync(outDir) : []) {
  rmSync(join(outDir, entry), { recursive: true, force: true });
}

const args = [
  'generate',
  '--generator-name',
  'typescript-fetch',
  '--input-spec',
  spec,
  '--output',
  outDir,
  '--additional-properties=typescriptThreePlus=true,supportsES6=true,enumPropertyNaming=UPPERCASE',
];
// JAVA_OPTS is read by the generator's launcher; keep its INFO logging out of the build output.
const env = { ...process.env, JAVA_OPTS: process.env.JAVA_OPTS ?? '-Dlog.level=warn' };
const result = spawnSync('openapi-generator', args, { stdio: 'inherit', env });
if (result.error || result.status !== 0) {
  console.error('openapi-generate: generator failed', result.error ?? `(exit ${result.status})`);
  process.exit(1);
}

writeFileSync(
  join(outDir, 'README.md'),
  `# Generated code: do not edit

Everything in this folder is written by openapi-generator (typescript-fetch 4.3.1) from
\`${spec.replace(/^(\.\.\/)+/, '')}\`. Change the contract in \`specs/\` and run \`pnpm generate\`
at the repository root, then commit the result; CI fails when this folder is out of date.
`,
);
