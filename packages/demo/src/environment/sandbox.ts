/**
 * The sandbox catalogue a fresh Tessera seeds (server `SeedService`), as the demo uses it. The
 * passwords are the server's published defaults (`SANDBOX_*_PASSWORD`); the demo sets them
 * explicitly so that both sides agree.
 */
export const SANDBOX = {
  resellerKey: 'DEMO_TELCO',
  merchantAccountKey: 'DEMO_MUSIC',
  reseller: { username: 'sandbox-reseller', password: 'sandbox-reseller-secret' },
  merchant: { username: 'sandbox-merchant', password: 'sandbox-merchant-secret' },
  /** What Tessera presents to the simulated merchant's callbacks. */
  callback: { username: 'tessera', password: 'sandbox-callback-secret' },
  /** Where the server mounts the simulated merchant in sandbox mode. */
  merchantMountPath: '/sandbox/merchant',
} as const;
