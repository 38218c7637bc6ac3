import assert from 'node:assert/strict';

import { ProblemError, type ResponseCode } from '../../../src/errors/problem';

/** Awaits `work` and asserts it failed with a problem of `responseCode`; returns the problem. */
export async function rejectsWith(
  work: Promise<unknown>,
  responseCode: ResponseCode,
): Promise<ProblemError> {
  let caught: unknown;
  try {
    await work;
  } catch (error) {
    caught = error;
  }
  assert.ok(
    caught instanceof ProblemError,
    `expected a ${responseCode} problem, got ${String(caught)}`,
  );
  assert.equal(caught.responseCode, responseCode, caught.message);
  return caught;
}

/** Settles every promise and splits the outcomes. */
export async function settleAll<T>(
  works: Promise<T>[],
): Promise<{ fulfilled: T[]; rejected: unknown[] }> {
  const results = await Promise.allSettled(works);
  return {
    fulfilled: results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : [])),
    rejected: results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : [])),
  };
}
