#!/usr/bin/env node
// Which operations of the contract the consumer pacts exercise. Lists every operationId of
// specs/generated/openapi.json (reseller and merchant API, the notification webhook, and, apart,
// the admin API, which no consumer pact covers) and of specs/generated/merchant-callbacks.json,
// and marks each as covered when an interaction in a pact file exercises it:
//
// - an API operation: an HTTP interaction of a pact whose provider is `tessera-server`, with the
//   same method and a path that fits the operation's path template;
// - a callback: the same, in a pact whose consumer is `tessera-server-callbacks`;
// - the notification webhook: one message of a pact whose provider is `tessera-notifications`
//   for every value of `NotificationReason`.
//
// Prints a table and exits 1 when coverage of the consumer-facing operations is below 100 %.
//
// Usage: node tools/pact-coverage.mjs [--pacts DIR] [--check-committed]
//   --pacts DIR          where the pact files are (default: pacts/ at the repository root)
//   --check-committed    also fail when the pact files differ from what is committed (as
//                        tools/check-generated.sh does for generated code; staged counts as done)
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const API_PROVIDER = 'tessera-server';
const CALLBACKS_CONSUMER = 'tessera-server-callbacks';
const NOTIFICATIONS_PROVIDER = 'tessera-notifications';
const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options'];

function parseArgs(argv) {
  const options = { pacts: path.join(ROOT, 'pacts'), checkCommitted: false };
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--pacts' && argv[i + 1]) {
      options.pacts = path.resolve(argv[(i += 1)]);
    } else if (argv[i] === '--check-committed') {
      options.checkCommitted = true;
    } else {
      console.error(`usage: node tools/pact-coverage.mjs [--pacts DIR] [--check-committed]`);
      process.exit(2);
    }
  }
  return options;
}

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** The audience of a tag, from the contract's `x-tagGroups` ("Reseller API", …). */
function audienceByTag(spec) {
  const byTag = new Map();
  for (const group of spec['x-tagGroups'] ?? []) {
    for (const tag of group.tags) {
      byTag.set(tag, group.name.replace(/ API$/, '').toLowerCase());
    }
  }
  return byTag;
}

/** Every operation of a paths object, with its method and path template. */
function operationsOf(paths, audienceOf) {
  return Object.entries(paths).flatMap(([template, item]) =>
    METHODS.filter((method) => item[method]?.operationId).map((method) => ({
      operationId: item[method].operationId,
      method: method.toUpperCase(),
      template,
      audience: audienceOf(item[method]),
    })),
  );
}

/** A matcher for a path template; literal segments make a template more specific. */
function templateMatcher(template) {
  const pattern = template
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
    .join('');
  return {
    regex: new RegExp(`^${pattern}$`),
    params: (template.match(/\{/g) ?? []).length,
  };
}

/** The interactions of every pact file in `dir`, with the pact's consumer and provider. */
function readPacts(dir) {
  if (!existsSync(dir)) {
    return [];
  }
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .flatMap((name) => {
      const pact = readJson(path.join(dir, name));
      return (pact.interactions ?? pact.messages ?? []).map((interaction) => ({
        file: name,
        consumer: pact.consumer?.name,
        provider: pact.provider?.name,
        interaction,
      }));
    });
}

/** The operation of `operations` that an HTTP request exercises, if any (most specific wins). */
function operationFor(request, operations) {
  const requestPath = request.path.split('?')[0];
  const candidates = operations
    .filter((op) => op.method === request.method.toUpperCase())
    .map((op) => ({ op, matcher: templateMatcher(op.template) }))
    .filter(({ matcher }) => matcher.regex.test(requestPath))
    .sort((a, b) => a.matcher.params - b.matcher.params);
  return candidates[0]?.op;
}

function countHttpCoverage(operations, entries) {
  const counts = new Map(operations.map((op) => [op, 0]));
  for (const { interaction } of entries) {
    const request = interaction.request;
    if (!request?.method || typeof request.path !== 'string') {
      continue;
    }
    const op = operationFor(request, operations);
    if (op) {
      counts.set(op, counts.get(op) + 1);
    }
  }
  return counts;
}

function messageReason(interaction) {
  const content = interaction.contents?.content ?? interaction.contents;
  return typeof content === 'object' && content !== null ? content.reason : undefined;
}

function checkCommitted(dir) {
  const relative = path.relative(ROOT, dir);
  let changes;
  try {
    const status = execFileSync(
      'git',
      ['status', '--porcelain', '--untracked-files=all', '--', relative],
      { cwd: ROOT, encoding: 'utf8' },
    );
    // Porcelain lines are "XY path"; keep work-tree changes and untracked files ("??").
    changes = status.split('\n').filter((line) => line && line[1] !== ' ');
  } catch {
    console.log('pact-coverage: not a git checkout, skipping the committed check');
    return true;
  }
  if (changes.length === 0) {
    console.log(`pact-coverage: the pact files in ${relative}/ are as committed`);
    return true;
  }
  console.log(`pact-coverage: the pact files in ${relative}/ differ from what is committed:`);
  console.log(changes.join('\n'));
  console.log("Fix: run the client packages' tests and commit the pact files they write.");
  return false;
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  const spec = readJson(path.join(ROOT, 'specs/generated/openapi.json'));
  const callbackSpec = readJson(path.join(ROOT, 'specs/generated/merchant-callbacks.json'));
  const byTag = audienceByTag(spec);
  const audienceOf = (operation) => byTag.get(operation.tags?.[0]) ?? 'unknown';

  const apiOperations = operationsOf(spec.paths, audienceOf);
  const callbackOperations = operationsOf(callbackSpec.paths, () => 'callbacks');
  const webhooks = operationsOf(spec['x-webhooks'] ?? {}, audienceOf).map((op) => ({
    ...op,
    template: `(webhook) ${op.template}`,
  }));
  const entries = readPacts(options.pacts);

  const apiCounts = countHttpCoverage(
    apiOperations.filter((op) => op.audience !== 'admin'),
    entries.filter((entry) => entry.provider === API_PROVIDER),
  );
  const callbackCounts = countHttpCoverage(
    callbackOperations,
    entries.filter((entry) => entry.consumer === CALLBACKS_CONSUMER),
  );
  const reasons = spec.components.schemas.NotificationReason.enum;
  const messages = entries.filter((entry) => entry.provider === NOTIFICATIONS_PROVIDER);
  const seenReasons = new Set(messages.map((entry) => messageReason(entry.interaction)));
  const missingReasons = reasons.filter((reason) => !seenReasons.has(reason));

  const rows = [
    ...[...apiCounts].map(([op, count]) => ({ ...op, count, covered: count > 0 })),
    ...webhooks.map((op) => ({
      ...op,
      count: messages.length,
      covered: missingReasons.length === 0,
      note: missingReasons.length ? `no message for ${missingReasons.join(', ')}` : '',
    })),
    ...[...callbackCounts].map(([op, count]) => ({ ...op, count, covered: count > 0 })),
  ];
  const admin = apiOperations.filter((op) => op.audience === 'admin');

  printTable(rows, admin, options.pacts);
  const covered = rows.filter((row) => row.covered).length;
  const percent = rows.length === 0 ? 0 : (100 * covered) / rows.length;
  const pactsDir = path.relative(ROOT, options.pacts) || '.';
  console.log(
    `\npact-coverage: ${covered}/${rows.length} consumer-facing operations covered ` +
      `(${percent.toFixed(1)} %) by ${entries.length} interactions in ${pactsDir}/`,
  );

  let ok = covered === rows.length;
  if (!ok) {
    console.log(
      'pact-coverage: FAILED, below 100 %; add interactions for the operations marked no',
    );
  }
  if (options.checkCommitted) {
    ok = checkCommitted(options.pacts) && ok;
  }
  process.exit(ok ? 0 : 1);
}

function printTable(rows, admin, dir) {
  const line = (cells, widths) =>
    cells
      .map((cell, i) => String(cell).padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  const header = ['audience', 'operationId', 'method', 'path', 'interactions', 'covered'];
  const body = rows.map((row) => [
    row.audience,
    row.operationId,
    row.method,
    row.template,
    row.count,
    row.covered ? 'yes' : `NO ${row.note ?? ''}`.trim(),
  ]);
  const widths = header.map((title, i) =>
    Math.max(title.length, ...body.map((r) => `${r[i]}`.length)),
  );

  console.log(
    `Pact coverage of the contract (pact files in ${path.relative(ROOT, dir) || '.'}/)\n`,
  );
  console.log(line(header, widths));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const cells of body) {
    console.log(line(cells, widths));
  }
  console.log(`\nNot consumer-facing (admin API, outside the consumer pacts): ${admin.length}`);
  for (const op of admin) {
    console.log(`  ${op.operationId.padEnd(30)} ${op.method.padEnd(6)} ${op.template}`);
  }
}

main();
