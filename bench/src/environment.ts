import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';

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
  /** Commit the server was built from, with a note when its source had uncommitted changes. */
  serverRevision: string;
  /** 1-minute load average when the benchmark started: other work on a shared machine. */
  loadAverageAtStart: number;
}

/** Reads {@link Environment}; `root` is the repository, `serverDir` is `packages/server`. */
export function describeEnvironment(
  root: string,
  serverDir: string,
  benchDir: string,
): Environment {
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
    serverRevision: revision(root),
    loadAverageAtStart: loadavg()[0] ?? 0,
  };
}

// Read from the file, not through require: some packages (typeorm) do not export package.json.
function packageVersion(packageDir: string, name: string): string {
  const file = join(packageDir, 'node_modules', name, 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

// Loads both drivers the way the server does (from its node_modules) only to ask each which
// SQLite it was compiled with: a difference in SQLite itself would explain a difference here.
function sqliteLibraries(serverDir: string): Environment['sqliteLibrary'] {
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

function revision(root: string): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' });
    const commit = git('rev-parse', '--short', 'HEAD').trim();
    const dirty = git('status', '--porcelain', '--', 'packages/server').trim() !== '';
    return dirty ? `${commit} + uncommitted changes in packages/server` : commit;
  } catch {
    return 'unknown (not a git checkout)';
  }
}
