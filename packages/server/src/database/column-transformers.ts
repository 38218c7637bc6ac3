import type { ValueTransformer } from 'typeorm';

/**
 * Reads BIGINT columns as numbers: `pg` returns them as strings (they may exceed 2^53), but
 * the server's counters (event sequences, clock offsets in ms) stay far below that.
 */
export const bigintAsNumber: ValueTransformer = {
  to: (value: unknown) => value,
  from: (value: unknown) => (value === null || value === undefined ? value : Number(value)),
};
