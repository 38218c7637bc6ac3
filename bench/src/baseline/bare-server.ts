/**
 * The baseline of `pnpm bench`: the least an entitlement server must do per request, and so the
 * limit none can beat on this machine with this stack — Koa, JSON in and out, and one prepared
 * statement on the same database driver the server uses. `POST /items` inserts a row and answers
 * it; `GET /items/:id` selects one. No auth, validation, idempotency, events or merchant call.
 *
 * Run as a child process (`node --import tsx bare-server.ts`) with `BASELINE_DATABASE` =
 * `sqlite:<file>` or a `postgres://` URL, `PORT`, and for SQLite `SQLITE_SYNCHRONOUS` (the
 * same level the server is measured with). Prints `listening <port>` once it serves.
 */
import { randomUUID } from 'node:crypto';

import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Database from 'better-sqlite3';
import Koa from 'koa';
import { Pool } from 'pg';

/** One stored item: what a created entitlement is reduced to here. */
interface ItemRow {
  id: string;
  body: string;
  created_at: string;
}

/** The two statements the baseline runs, on either database. */
interface ItemStore {
  insert(row: ItemRow): Promise<void>;
  find(id: string): Promise<ItemRow | undefined>;
}

const CREATE_TABLE =
  'CREATE TABLE IF NOT EXISTS item ' +
  '(id TEXT PRIMARY KEY, body TEXT NOT NULL, created_at TEXT NOT NULL)';

function sqliteStore(file: string, synchronous: string): ItemStore {
  const database = new Database(file);
  database.pragma('journal_mode = WAL');
  database.pragma(`synchronous = ${synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
  database.exec(CREATE_TABLE);
  const insert = database.prepare('INSERT INTO item (id, body, created_at) VALUES (?, ?, ?)');
  const find = database.prepare('SELECT id, body, created_at FROM item WHERE id = ?');
  return {
    insert: (row) => {
      insert.run(row.id, row.body, row.created_at);
      return Promise.resolve();
    },
    find: (id) => Promise.resolve(find.get(id) as ItemRow | undefined),
  };
}

async function postgresStore(url: string): Promise<ItemStore> {
  // As large as TypeORM's default pool (10), so neither side gets more connections.
  const pool = new Pool({ connectionString: url, max: 10 });
  await pool.query(CREATE_TABLE);
  return {
    insert: async (row) => {
      await pool.query({
        name: 'insert-item',
        text: 'INSERT INTO item (id, body, created_at) VALUES ($1, $2, $3)',
        values: [row.id, row.body, row.created_at],
      });
    },
    find: async (id) => {
      const result = await pool.query<ItemRow>({
        name: 'find-item',
        text: 'SELECT id, body, created_at FROM item WHERE id = $1',
        values: [id],
      });
      return result.rows[0];
    },
  };
}

function app(store: ItemStore): Koa {
  const router = new Router();
  router.post('/items', async (ctx) => {
    const row = {
      id: randomUUID(),
      body: JSON.stringify(ctx.request.body),
      created_at: new Date().toISOString(),
    };
    await store.insert(row);
    ctx.status = 201;
    ctx.body = { id: row.id, ...(ctx.request.body as object), createdAt: row.created_at };
  });
  router.get('/items/:id', async (ctx) => {
    const row = await store.find(ctx.params.id!);
    if (row === undefined) {
      ctx.status = 404;
      return;
    }
    ctx.body = { id: row.id, ...(JSON.parse(row.body) as object), createdAt: row.created_at };
  });
  const koa = new Koa();
  koa.use(bodyParser());
  koa.use(router.routes());
  return koa;
}

async function main(): Promise<void> {
  const database = process.env.BASELINE_DATABASE ?? '';
  const store = database.startsWith('sqlite:')
    ? sqliteStore(database.slice('sqlite:'.length), process.env.SQLITE_SYNCHRONOUS ?? 'full')
    : await postgresStore(database);
  const server = app(store).listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    const address = server.address();
    console.log(`listening ${typeof address === 'object' && address ? address.port : 0}`);
  });
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
