import type { BenchServer } from './server-process';

/** The admin bearer token every benchmarked server is started with. */
export const BENCH_ADMIN_TOKEN = 'bench-admin-token-not-secret';

/** The sandbox reseller's key (seeded). */
export const SANDBOX_RESELLER_KEY = 'DEMO_TELCO';

/**
 * Server settings the benchmark adds: the admin API on (to point notifications at the
 * loopback receiver) and loopback allowed as a notification address, which the server refuses
 * by default to protect against SSRF.
 */
export const BENCH_SERVER_ENV: Record<string, string> = {
  ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
  NOTIFICATION_ALLOWED_CIDRS: '127.0.0.0/8',
};

/** Calls the admin API of `server`; throws with the problem's text on a non-2xx answer. */
export async function adminRequest(
  server: BenchServer,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const response = await fetch(`${server.url}/admin/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${BENCH_ADMIN_TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`${method} /admin/v1${path} answered ${response.status}: ${text}`);
  }
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

/** Sends the sandbox reseller's notifications to `url` from now on. */
export async function notifySandboxResellerAt(server: BenchServer, url: string): Promise<void> {
  await adminRequest(server, 'PATCH', `/resellers/${SANDBOX_RESELLER_KEY}`, {
    defaultNotificationUrl: url,
  });
}
