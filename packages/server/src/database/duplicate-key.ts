import { QueryFailedError } from 'typeorm';

/**
 * A write broke a unique constraint: another row, perhaps one a concurrent transaction has just
 * committed, holds the key. Repositories throw it in place of the driver's error; services
 * decide what it means (usually 409).
 */
export class DuplicateKeyError extends Error {
  override readonly name = 'DuplicateKeyError';

  constructor(cause: QueryFailedError) {
    super(`Duplicate key: ${cause.message}`, { cause });
  }
}

/** PostgreSQL's SQLSTATE for unique_violation. */
const PG_UNIQUE_VIOLATION = '23505';
/** better-sqlite3 reports the extended result codes; sqlite3 only `SQLITE_CONSTRAINT`. */
const SQLITE_UNIQUE_CODES = ['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY'];

/** Runs `write`, throwing {@link DuplicateKeyError} when it breaks a unique constraint. */
export async function rejectingDuplicates<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof QueryFailedError && isUniqueViolation(error)) {
      throw new DuplicateKeyError(error);
    }
    throw error;
  }
}

function isUniqueViolation(error: QueryFailedError): boolean {
  const { code } = error.driverError as { code?: unknown };
  if (code === PG_UNIQUE_VIOLATION || SQLITE_UNIQUE_CODES.includes(String(code))) {
    return true;
  }
  // The sqlite3 driver's code is the generic one, shared with NOT NULL and foreign keys.
  return code === 'SQLITE_CONSTRAINT' && /\bUNIQUE constraint failed\b/.test(error.message);
}
