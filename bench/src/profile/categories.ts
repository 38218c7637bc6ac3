/**
 * Where a CPU profile sample's self time goes: a category per stack frame, from the frame's
 * script URL and function name.
 *
 * A frame either **owns** its time (a library or Tessera's code: TypeORM, the driver, Koa, ...),
 * or hands it to **its caller**: Node's own modules (sockets, streams, events, crypto), native
 * functions (`writev`, regular expressions), WebAssembly and packages not named below (lodash,
 * zod, qs...). The latter are charged to the nearest owning frame up the stack, so a socket
 * write made by fetch counts as the merchant call, one made by Koa's answer as HTTP, and an
 * HMAC computed by Tessera's auth as Tessera's code. Only when no frame up the stack owns it does
 * such a frame fall back to a category of its own (HTTP for the server's sockets and parser
 * callbacks, "other" for the rest).
 */

/** The categories, in the order the report lists them. */
export const CATEGORIES = [
  'typeorm',
  'driver',
  'http',
  'validation',
  'merchant',
  'sandbox',
  'logging',
  'tessera',
  'async',
  'gc',
  'idle',
  'other',
] as const;

/** One of {@link CATEGORIES}. */
export type Category = (typeof CATEGORIES)[number];

/** How the report names each category. */
export const CATEGORY_LABELS: Record<Category, string> = {
  typeorm: 'TypeORM (query building, result hydration)',
  driver: 'Database driver and statement execution',
  http: 'HTTP server, sockets and Koa',
  validation: 'Contract validation (openapi-backend, ajv)',
  merchant: 'Merchant call (fetch, undici, merchant client)',
  sandbox: 'Simulated merchant (sandbox, in process)',
  logging: 'Logging (pino)',
  tessera: "Tessera's own code",
  async: 'Promises and async context (microtasks, async_hooks)',
  gc: 'Garbage collector',
  idle: 'Idle (waiting for I/O)',
  other: 'Other',
};

/** Shorter names, for sentences (a target's "why"). */
export const CATEGORY_SHORT_LABELS: Record<Category, string> = {
  typeorm: 'TypeORM',
  driver: 'database driver',
  http: 'HTTP and Koa',
  validation: 'contract validation',
  merchant: 'merchant call',
  sandbox: 'simulated merchant',
  logging: 'logging',
  tessera: "Tessera's code",
  async: 'promises and async context',
  gc: 'garbage collector',
  idle: 'idle',
  other: 'other',
};

/** The V8 frame fields the classification reads (a `.cpuprofile` node's `callFrame`). */
export interface FrameLike {
  functionName: string;
  url: string;
}

/**
 * What to do with a frame's self time: charge it to `category` (`owns`), or to the nearest
 * owning caller and to `category` only when there is none. `owner` says whether the frame
 * takes the time of the caller-charged frames it calls.
 */
export interface FrameRule {
  category: Category;
  /** Its own self time goes to `category` (true) or to the nearest owning caller (false). */
  ownsSelf: boolean;
  /** Frames below it that hand their time up stop here. */
  owner: boolean;
}

const OWNS: Omit<FrameRule, 'category'> = { ownsSelf: true, owner: true };
const TO_CALLER: Omit<FrameRule, 'category'> = { ownsSelf: false, owner: false };
// Promise hooks run inside whichever function made the promise; their cost is the async
// context's, but they own nothing below them (runInAsyncScope wraps unrelated callbacks).
const SELF_ONLY: Omit<FrameRule, 'category'> = { ownsSelf: true, owner: false };

// Packages by category. Anything else in node_modules hands its time to its caller.
const PACKAGES: Record<string, Category> = {
  typeorm: 'typeorm',
  'better-sqlite3': 'driver',
  sqlite3: 'driver',
  pg: 'driver',
  'pg-protocol': 'driver',
  'pg-pool': 'driver',
  'pg-types': 'driver',
  'pg-connection-string': 'driver',
  pgpass: 'driver',
  'postgres-array': 'driver',
  'postgres-bytea': 'driver',
  'postgres-date': 'driver',
  'postgres-interval': 'driver',
  // Koa and the modules it is made of.
  koa: 'http',
  'koa-compose': 'http',
  delegates: 'http',
  'co-body': 'http',
  'raw-body': 'http',
  '@hapi/bourne': 'http',
  inflation: 'http',
  'iconv-lite': 'http',
  'type-is': 'http',
  'media-typer': 'http',
  'mime-types': 'http',
  'content-type': 'http',
  'content-disposition': 'http',
  'on-finished': 'http',
  'ee-first': 'http',
  statuses: 'http',
  'http-errors': 'http',
  'http-assert': 'http',
  accepts: 'http',
  negotiator: 'http',
  vary: 'http',
  encodeurl: 'http',
  'escape-html': 'http',
  cookies: 'http',
  fresh: 'http',
  only: 'http',
  'path-to-regexp': 'http',
  'openapi-backend': 'validation',
  ajv: 'validation',
  'ajv-formats': 'validation',
  'fast-uri': 'validation',
  'fast-deep-equal': 'validation',
  'json-schema-traverse': 'validation',
  'bath-es5': 'validation',
  'openapi-schema-validator': 'validation',
  'mock-json-schema': 'validation',
  undici: 'merchant',
  'p-retry': 'merchant',
  pino: 'logging',
  'pino-std-serializers': 'logging',
  'sonic-boom': 'logging',
  'thread-stream': 'logging',
  'fast-redact': 'logging',
  'quick-format-unescaped': 'logging',
};

// Tessera's packages (packages/<name>/...) other than the server itself.
const REPOSITORY_PACKAGES: Record<string, Category> = {
  'merchant-client': 'merchant',
  'demo-merchant': 'sandbox',
};

// Folders of packages/server/dist that are better read as one of the categories above.
const SERVER_FOLDERS: Record<string, Category> = {
  merchants: 'merchant', // the HTTP merchant gateway: the call, its retries and timeouts
  sandbox: 'sandbox',
  logging: 'logging',
};

// TypeORM's better-sqlite3 query runner runs statements synchronously: the native prepare and
// step are sampled as the self time of these two functions, which do little else.
const BETTER_SQLITE3_RUNNER = '/typeorm/driver/better-sqlite3/BetterSqlite3QueryRunner.js';
const STATEMENT_FUNCTIONS = new Set(['query', 'getStmt']);

/** Where a script lives: a package in node_modules, a package of this repository, or Node. */
export type ScriptOrigin =
  | { kind: 'package'; name: string; path: string }
  | { kind: 'repository'; name: string; path: string }
  | { kind: 'node'; path: string }
  | { kind: 'native' }
  | { kind: 'other'; path: string };

/** Reads a profile URL (`file:///…/node_modules/.pnpm/x@1/node_modules/x/lib/a.js`, `node:net`). */
export function scriptOrigin(url: string): ScriptOrigin {
  if (url === '') {
    return { kind: 'native' };
  }
  if (url.startsWith('node:')) {
    return { kind: 'node', path: url };
  }
  const path = url.startsWith('file://') ? decodeURIComponent(url.slice('file://'.length)) : url;
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const inside = path.slice(modules + '/node_modules/'.length);
    const parts = inside.split('/');
    const name = parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
    return { kind: 'package', name, path: inside };
  }
  const repository = /\/packages\/([^/]+)\/(.*)$/.exec(path);
  if (repository !== null) {
    return {
      kind: 'repository',
      name: repository[1]!,
      path: `packages/${repository[1]}/${repository[2]}`,
    };
  }
  return { kind: 'other', path };
}

/** The rule for one stack frame. */
export function frameRule(frame: FrameLike): FrameRule {
  switch (frame.functionName) {
    case '(garbage collector)':
      return { category: 'gc', ...OWNS };
    case '(idle)':
      return { category: 'idle', ...OWNS };
    case '(program)': // V8 and native code outside JavaScript
      return { category: 'other', ...SELF_ONLY };
    case '(root)':
      return { category: 'other', ...TO_CALLER };
    case 'runMicrotasks':
      if (frame.url === '') {
        return { category: 'async', ...SELF_ONLY };
      }
  }
  const origin = scriptOrigin(frame.url);
  switch (origin.kind) {
    case 'native':
      return { category: 'other', ...TO_CALLER };
    case 'node':
      return nodeRule(origin.path);
    case 'package': {
      if (
        frame.url.includes(BETTER_SQLITE3_RUNNER) &&
        STATEMENT_FUNCTIONS.has(frame.functionName)
      ) {
        return { category: 'driver', ...OWNS };
      }
      const category =
        PACKAGES[origin.name] ?? (origin.name.startsWith('@koa/') ? 'http' : undefined);
      return category === undefined ? { category: 'other', ...TO_CALLER } : { category, ...OWNS };
    }
    case 'repository': {
      if (origin.name === 'server') {
        const folder = /^packages\/server\/dist\/([^/]+)\//.exec(origin.path)?.[1];
        return { category: (folder && SERVER_FOLDERS[folder]) || 'tessera', ...OWNS };
      }
      return { category: REPOSITORY_PACKAGES[origin.name] ?? 'tessera', ...OWNS };
    }
    case 'other':
      return { category: 'other', ...TO_CALLER };
  }
}

function nodeRule(path: string): FrameRule {
  if (path.startsWith('node:internal/deps/undici/')) {
    return { category: 'merchant', ...OWNS }; // Node's own fetch
  }
  if (
    path === 'node:async_hooks' ||
    path === 'node:internal/async_hooks' ||
    path === 'node:internal/process/task_queues'
  ) {
    return { category: 'async', ...SELF_ONLY };
  }
  // Only fetch uses web streams in the server (for bodies), so when no caller owns their time
  // (a microtask pulling a body), it is the merchant call's.
  if (path.startsWith('node:internal/webstreams/')) {
    return { category: 'merchant', ...TO_CALLER };
  }
  if (
    path.startsWith('node:_http_') ||
    path === 'node:http' ||
    path === 'node:net' ||
    path === 'node:stream' ||
    path.startsWith('node:internal/streams/') ||
    path === 'node:internal/stream_base_commons' ||
    path === 'node:internal/http'
  ) {
    return { category: 'http', ...TO_CALLER };
  }
  return { category: 'other', ...TO_CALLER };
}
