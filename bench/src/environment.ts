import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { dirname, isAbsolute, join, relative } from 'node:path';

/** What the numbers were measured on, for the report. */
export interface Environment {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  /** Package versions, as installed for the server (`packages/server/node_modules`). */
  versions: Record<'better-sqlite3' | 'sqlite3' | 'typeorm' | 'autocannon', string>;
  /** The SQLite library each driver embeds (they ship their own builds, which may differ). */
  sqliteLibrary: Record<'better-sqlite3' | 'sqlite3', string>;
  /**
   * The folder of the server's `main.js`: relative to the repository when it is this
   * checkout's (`packages/server/dist`), absolute otherwise (`--server`).
   */
  serverDist: string;
  /**
   * Commit of the checkout the server build is in, with a note when its package had
   * uncommitted changes.
   */
  serverRevision: string;
  /** 1-minute load average when the benchmark started: other work on a shared machine. */
  loadAverageAtStart: number;
}

/**
 * The package folder of the server build whose entry point is `serverMain`: the nearest folder
 * above it with a `package.json` (`packages/server` for `packages/server/dist/main.js`).
 */
export function serverPackageDir(serverMain: string): string {
  let dir = dirname(serverMain);
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) {
      return dirname(serverMain);
    }
    dir = parent;
  }
  return dir;
}

/**
 * Reads {@link Environment}; `root` is this repository, `serverMain` the `main.js` of the
 * server build measured (this checkout's or another's): versions, SQLite libraries and revision
 * are that build's.
 */
export function describeEnvironment(
  root: string,
  serverMain: string,
  benchDir: string,
): Environment {
  const serverDir = serverPackageDir(serverMain);
  const dist = relative(root, dirname(serverMain));
  const cpuList = cpus();
  return {
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    versions: {
      'better-sqlite3': packageVersion(serverDir, 'better-sqlite3'),
      sqlite3: packageVersion(serverDir, 'sqlite3'),
      typeorm: packageVersion(serverDir, 'typeorm'),
      autocannon: packageVersion(benchDir, 'autocannon'),
    },
    sqliteLibrary: sqliteLibraries(serverDir),
    serverDist: dist.startsWith('..') || isAbsolute(dist) ? dirname(serverMain) : dist,
    serverRevision: revision(serverDir),
    loadAverageAtStart: loadavg()[0] ?? 0,
  };
}

// Read from the file, not through require: some packages (typeorm) do not export package.json.
function packageVersion(packageDir: string, name: string): string {
  const file = join(packageDir, 'node_modules', name, 'package.json');
  if (!existsSync(file)) {
    return 'not installed'; // another build (`--server`) whose dependencies are missing
  }
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

// Loads both drivers the way the server does (from its node_modules) only to ask each which
// SQLite it was compiled with: a difference in SQLite itself would explain a difference here.
function sqliteLibraries(serverDir: string): Environment['sqliteLibrary'] {
  try {
    return loadSqliteLibraries(serverDir);
  } catch {
    return { 'better-sqlite3': 'unknown', sqlite3: 'unknown' }; // not installed for that build
  }
}

function loadSqliteLibraries(serverDir: string): Environment['sqliteLibrary'] {
  const load = createRequire(join(serverDir, 'package.json'));
  type BetterSqlite = new (file: string) => {
    prepare(sql: string): { pluck(): { get(): unknown } };
    close(): void;
  };
  const BetterSqlite3 = load('better-sqlite3') as BetterSqlite;
  const database = new BetterSqlite3(':memory:');
  const betterVersion = String(database.prepare('SELECT sqlite_version()').pluck().get());
  database.close();
  const sqlite3 = load('sqlite3') as { VERSION: string };
  return { 'better-sqlite3': betterVersion, sqlite3: sqlite3.VERSION };
}

// Asked in the server's package folder, so that a build in another checkout or worktree
// (`--server`) is described by its own commit and changes, not by this checkout's.
function revision(serverDir: string): string {
  try {
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: serverDir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
    const commit = git('rev-parse', '--short', 'HEAD').trim();
    const dirty = git('status', '--porcelain', '--', '.').trim() !== '';
    const where = git('rev-parse', '--show-prefix').trim().replace(/\/$/, '') || '.';
    return dirty ? `${commit} + uncommitted changes in ${where}` : commit;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

/** Whether any file under `sourceDir` changed after `builtFile` was written. */
export function sourceNewerThanBuild(sourceDir: string, builtFile: string): boolean {
  const built = statSync(builtFile).mtimeMs;
  return readdirSync(sourceDir, { withFileTypes: true, recursive: true }).some(
    (entry) => entry.isFile() && statSync(join(entry.parentPath, entry.name)).mtimeMs > built,
  );
}
