import { readFile } from 'node:fs/promises';

import { Router } from '@koa/router';
import type { Context } from 'koa';
import { stringify } from 'yaml';

/** Where each document comes from: a file exported by `@tessera/contract`. */
const SOURCES = {
  reference: '@tessera/contract/reference.html',
  callbacks: '@tessera/contract/merchant-callbacks.html',
  openapi: '@tessera/contract/openapi.json',
} as const;

type Source = keyof typeof SOURCES;

/**
 * The published contract, for people and tools: `GET /docs` (the API reference page built from
 * the contract), `GET /docs/merchant-callbacks` (the endpoints merchants implement),
 * `GET /openapi.json` and `GET /openapi.yaml` (the bundled contract). No credentials needed:
 * the contract is public.
 *
 * The files are read on first use and kept, so a server runs even where the HTML reference was
 * not built (`pnpm --filter @tessera/contract build`); those pages then answer 404.
 */
export function docsRoutes(): Router {
  const router = new Router();
  const documents = new DocumentCache();

  router.get('/docs', (ctx) => serve(ctx, documents, 'reference', 'text/html; charset=utf-8'));
  router.get('/docs/merchant-callbacks', (ctx) =>
    serve(ctx, documents, 'callbacks', 'text/html; charset=utf-8'),
  );
  router.get('/openapi.json', (ctx) => serve(ctx, documents, 'openapi', 'application/json'));
  router.get('/openapi.yaml', async (ctx) => {
    const json = await documents.get('openapi');
    await serveText(ctx, json && documents.yaml(json), 'application/yaml; charset=utf-8');
  });
  return router;
}

async function serve(ctx: Context, documents: DocumentCache, source: Source, type: string) {
  await serveText(ctx, await documents.get(source), type);
}

async function serveText(ctx: Context, text: string | undefined, type: string): Promise<void> {
  if (text === undefined) {
    // Falls through to the app's 404 problem, like any unknown path.
    return;
  }
  ctx.type = type;
  ctx.set('Cache-Control', 'no-cache');
  // The reference page runs its own inline script; keep it from being framed by other sites.
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('X-Frame-Options', 'DENY');
  ctx.body = text;
}

/** Reads each document once; a missing file is remembered as missing. */
class DocumentCache {
  private readonly texts = new Map<Source, Promise<string | undefined>>();
  private yamlText: string | undefined;

  get(source: Source): Promise<string | undefined> {
    let text = this.texts.get(source);
    if (text === undefined) {
      text = readSource(source);
      this.texts.set(source, text);
    }
    return text;
  }

  /** The bundled JSON contract as YAML, converted once. */
  yaml(json: string): string {
    this.yamlText ??= stringify(JSON.parse(json), { lineWidth: 0, aliasDuplicateObjects: false });
    return this.yamlText;
  }
}

async function readSource(source: Source): Promise<string | undefined> {
  try {
    return await readFile(require.resolve(SOURCES[source]), 'utf8');
  } catch (error) {
    if (isMissing(error)) {
      return undefined;
    }
    throw error;
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'MODULE_NOT_FOUND';
}
