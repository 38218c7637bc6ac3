import { BadRequestProblem } from '../errors/http-problems';
import type { Keyset } from '../repositories/entitlement.repository';

/** The opaque `nextCursor` for a page that ended at `last`. */
export function encodeCursor(last: Keyset): string {
  return Buffer.from(JSON.stringify([last.dateCreated.toISOString(), last.id])).toString(
    'base64url',
  );
}

/** The position a cursor from {@link encodeCursor} stands for; 400 when it is not one. */
export function decodeCursor(cursor: string | undefined): Keyset | null {
  if (cursor === undefined || cursor === '') {
    return null;
  }
  try {
    const [date, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const dateCreated = new Date(String(date));
    if (typeof id === 'string' && typeof date === 'string' && !Number.isNaN(+dateCreated)) {
      return { dateCreated, id };
    }
  } catch {
    // Reported below, like any other cursor this server did not issue.
  }
  throw new BadRequestProblem('The cursor is not one this server issued.', {
    errors: [{ field: 'cursor', message: 'is not a cursor this server issued' }],
  });
}

/**
 * One page out of `rows` fetched with a limit of `limit + 1`: the extra row only tells that
 * another page exists.
 */
export function toPage<T extends Keyset, R>(
  rows: T[],
  limit: number,
  render: (row: T) => R,
): { items: R[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const nextCursor = rows.length > limit && last !== undefined ? encodeCursor(last) : null;
  return { items: page.map(render), nextCursor };
}
