import { createHash, timingSafeEqual } from 'node:crypto';

/** The HTTP Basic credential you gave the operator for Tessera to present on callbacks. */
export interface CallbackCredentials {
  /** The username Tessera sends. */
  username: string;
  /** The password Tessera sends. */
  password: string;
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Checks the `Authorization` header of a callback from Tessera against the credential you
 * configured for it. The comparison takes the same time whatever the input, so it leaks nothing
 * about the expected secret.
 *
 * @param authorization - the request's `Authorization` header, if any
 * @param expected - the credential Tessera should present
 * @returns whether the header carries exactly that credential
 *
 * @example
 * if (!verifyCallbackAuthorization(req.headers.authorization, { username, password })) {
 *   res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="tessera-callbacks"' }).end();
 * }
 */
export function verifyCallbackAuthorization(
  authorization: string | undefined,
  expected: CallbackCredentials,
): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  const presented = match?.[1] ? Buffer.from(match[1], 'base64').toString('utf8') : '';
  const wanted = `${expected.username}:${expected.password}`;

  // Compare fixed-length digests: timingSafeEqual needs equal lengths, and hashing first keeps
  // the length of the expected secret from showing either.
  const same = timingSafeEqual(digest(presented), digest(wanted));
  return same && match !== null;
}
