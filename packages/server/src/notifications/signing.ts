import { randomBytes } from 'node:crypto';

import { Webhook } from 'standardwebhooks';

/** How long a rotated-out secret keeps signing, alongside the new one. */
export const SIGNING_SECRET_OVERLAP_MS = 7 * 24 * 3600 * 1000;

/** Random bytes in a signing secret (Standard Webhooks allows 24 to 64): SHA-256's size. */
export const SIGNING_SECRET_BYTES = 32;

/** A new Standard Webhooks signing secret: `whsec_` and base64 of random bytes. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(SIGNING_SECRET_BYTES).toString('base64')}`;
}

/** A reseller's signing secrets as stored on the reseller row. */
export interface SigningSecrets {
  signingSecret: string;
  previousSigningSecret: string | null;
  previousSecretValidUntil: Date | null;
}

/**
 * The secrets that sign at `now`: the current one, and the previous one while its overlap
 * lasts, so that a receiver holding either can verify.
 */
export function activeSigningSecrets(secrets: SigningSecrets, now: Date): string[] {
  const { previousSigningSecret: previous, previousSecretValidUntil: until } = secrets;
  const previousActive = previous !== null && until !== null && until.getTime() > now.getTime();

  return previousActive ? [secrets.signingSecret, previous] : [secrets.signingSecret];
}

/** The three Standard Webhooks headers of one attempt (a plain record, as HTTP clients take). */
export type SignatureHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

/**
 * Signs `body` per Standard Webhooks (HMAC-SHA256 over `id.timestamp.body`, by the maintained
 * `standardwebhooks` package) with every secret, separated by spaces as the spec allows.
 *
 * @param signedAt - the attempt's time; sent as whole Unix seconds
 */
export function signNotification(
  id: string,
  body: string,
  secrets: readonly string[],
  signedAt: Date,
): SignatureHeaders {
  // The header carries whole seconds, so the signature must be computed over the same value.
  const seconds = Math.floor(signedAt.getTime() / 1000);
  const at = new Date(seconds * 1000);
  const signatures = secrets.map((secret) => new Webhook(secret).sign(id, at, body));

  return {
    'webhook-id': id,
    'webhook-timestamp': String(seconds),
    'webhook-signature': signatures.join(' '),
  };
}

/**
 * Whether any of `secrets` verifies the request (signature and a timestamp within the
 * library's five-minute tolerance of now). Used by the sandbox inbox.
 */
export function verifiesWithAny(
  body: string,
  headers: Record<string, string>,
  secrets: readonly string[],
): boolean {
  return secrets.some((secret) => {
    try {
      new Webhook(secret).verify(body, headers);
      return true;
    } catch {
      return false;
    }
  });
}
