import { createHash } from 'node:crypto';

import type { Context, Middleware } from 'koa';
import stringify from 'safe-stable-stringify';

import { BadRequestProblem } from '../errors/http-problems';
import type { Logger } from '../logging/logger';
import { currentRequestId } from '../logging/request-context';
import type {
  IdempotencyKeyRef,
  StoredResponse,
} from '../repositories/idempotency-record.repository';
import type { IdempotencyService } from '../services/idempotency.service';
import { PROBLEM_MEDIA_TYPE, toProblem } from './problem.middleware';
import type { TesseraState } from './state';

/** Methods whose requests honour an idempotency key. */
export const MUTATING_METHODS = ['POST', 'PATCH', 'PUT', 'DELETE'];

/** Header marking a replayed answer. */
export const REPLAYED_HEADER = 'Idempotent-Replayed';

// Headers of the first answer that a replay repeats; the rest (request id, ...) are per request.
const REPLAYED_HEADERS = ['Content-Type', 'ETag', 'Location', 'Retry-After'];

/**
 * Makes mutating requests with an `Idempotency-Key` (or its alias `X-RequestIdentifier`) safe
 * to retry: the first answer per credential and key is stored and replayed to retries with the
 * same method, path and body (`Idempotent-Replayed: true`); another request under the same key
 * is refused. 5xx answers are not kept, so a retry runs again. Mount after authentication.
 */
export function idempotency(service: IdempotencyService, logger: Logger): Middleware<TesseraState> {
  return async (ctx, next) => {
    const key = idempotencyKeyOf(ctx);
    if (key === undefined || !MUTATING_METHODS.includes(ctx.method)) {
      return next();
    }

    const ref = { credentialId: ctx.state.caller!.credentialId, idempotencyKey: key };
    const claim = await service.claim(ref, fingerprint(ctx));
    if (claim.kind === 'replay') {
      replay(ctx, claim.response);
      return;
    }

    const settle = (response: StoredResponse | undefined) =>
      (response === undefined
        ? service.release(ref, claim.claimToken)
        : service.complete(ref, claim.claimToken, response)
      ).catch((error: unknown) => logSettleFailure(logger, ref, error));

    try {
      await next();
    } catch (error) {
      await settle(answerOfError(ctx, error));
      throw error;
    }
    await settle(ctx.status < 500 ? answerOf(ctx) : undefined);
  };
}

function idempotencyKeyOf(ctx: Context): string | undefined {
  const key = ctx.get('Idempotency-Key');
  const alias = ctx.get('X-RequestIdentifier');
  if (key !== '' && alias !== '' && key !== alias) {
    throw new BadRequestProblem('Idempotency-Key and X-RequestIdentifier differ.', {
      errors: [{ field: 'header.X-RequestIdentifier', message: 'must equal Idempotency-Key' }],
    });
  }
  return key || alias || undefined;
}

/** SHA-256 of the method, path and canonical (key-sorted) JSON body. */
export function fingerprint(ctx: Context): string {
  const body = stringify(ctx.request.body ?? null) ?? 'null';
  return createHash('sha256').update(`${ctx.method} ${ctx.path}\n${body}`).digest('hex');
}

function answerOf(ctx: Context): StoredResponse {
  const headers: Record<string, string> = {};
  for (const name of REPLAYED_HEADERS) {
    // Koa answers undefined (despite its typings) for a header that is not set.
    const value = ctx.response.get(name) as string | undefined;
    if (value !== undefined && value !== '') {
      headers[name] = value;
    }
  }
  return { status: ctx.status, headers, body: ctx.body == null ? null : JSON.stringify(ctx.body) };
}

/** The problem the error becomes, if it is a 4xx worth replaying; 5xx are not kept. */
function answerOfError(ctx: Context, error: unknown): StoredResponse | undefined {
  const problem = toProblem(error);
  if (problem.status >= 500) {
    return undefined;
  }
  const document = problem.toDocument(ctx.path, currentRequestId() ?? '');
  return {
    status: problem.status,
    headers: { ...problem.headers, 'Content-Type': PROBLEM_MEDIA_TYPE },
    body: JSON.stringify(document),
  };
}

function replay(ctx: Context, response: StoredResponse): void {
  ctx.status = response.status;
  if (response.body !== null) {
    ctx.body = JSON.parse(response.body) as unknown;
  }
  ctx.set(response.headers);
  ctx.set(REPLAYED_HEADER, 'true');
}

function logSettleFailure(logger: Logger, ref: IdempotencyKeyRef, error: unknown): void {
  // The answer itself is fine; only a retry under this key may have to wait for the record
  // to be taken over as abandoned.
  logger.error(
    { err: error, credentialId: ref.credentialId },
    'storing an idempotent answer failed',
  );
}
