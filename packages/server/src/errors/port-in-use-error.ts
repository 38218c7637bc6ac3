/**
 * Thrown by `startServer` when another process holds the port (`EADDRINUSE`): an operator's
 * mistake with a plain remedy, reported as such rather than as a crash.
 */
export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  readonly code = 'EADDRINUSE';

  constructor(
    readonly host: string,
    readonly port: number,
    options?: ErrorOptions,
  ) {
    const where = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    super(
      `Tessera cannot listen on ${where}: the port is in use by another process. ` +
        'Stop that process, or set PORT to another port (PORT=0 picks a free one).',
      options,
    );
  }
}
