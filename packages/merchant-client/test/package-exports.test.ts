// Checks the built package (dist/) as consumers load it: `require` from CommonJS and `import`
// from ESM, both resolved through package.json#exports (a package may import itself by name).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const pkgDir = join(__dirname, '..');
const name = '@tessera/merchant-client';
// A few exports that must be there; both module systems must also export the same names.
const expected = [
  'createMerchantClient',
  'createCallbacksClient',
  'verifyCallbackAuthorization',
  'MerchantCallbacksApi',
  'MerchantEntitlementsApi',
  'callbacks',
  'TesseraApiError',
];

interface Loaded {
  resolved: string;
  names: string[];
}

function load(code: string, esm: boolean): Loaded {
  const args = esm ? ['--input-type=module', '-e', code] : ['-e', code];
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // load with plain node, without the tsx loader the tests run under
  return JSON.parse(execFileSync(process.execPath, args, { cwd: pkgDir, env, encoding: 'utf8' }));
}

describe(`package exports of ${name}`, () => {
  before(() => {
    for (const file of ['dist/index.js', 'dist/index.mjs', 'dist/index.d.ts']) {
      assert.ok(existsSync(join(pkgDir, file)), `${file} is missing: run \`pnpm build\` first`);
    }
  });

  it('require() loads dist/index.js with the named exports', () => {
    const cjs = load(
      `const m = require('${name}');
       const resolved = require.resolve('${name}');
       console.log(JSON.stringify({ resolved, names: Object.keys(m) }));`,
      false,
    );
    assert.equal(cjs.resolved, join(pkgDir, 'dist', 'index.js'));
    for (const n of expected) {
      assert.ok(cjs.names.includes(n), `require('${name}').${n} is missing`);
    }
  });

  it('import loads dist/index.mjs with the same named exports', () => {
    const esm = load(
      `import * as m from '${name}';
       import { ${expected.join(', ')} } from '${name}';
       const resolved = import.meta.resolve('${name}');
       console.log(JSON.stringify({ resolved, names: Object.keys(m) }));`,
      true,
    );
    assert.equal(esm.resolved, pathToFileURL(join(pkgDir, 'dist', 'index.mjs')).href);
    const cjs = load(
      `console.log(JSON.stringify({ names: Object.keys(require('${name}')) }))`,
      false,
    );
    const named = (names: string[]) =>
      names.filter((n) => n !== 'default' && n !== '__esModule').sort();
    assert.deepEqual(named(esm.names), named(cjs.names));
  });
});
