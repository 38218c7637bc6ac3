import pino, { type DestinationStream, type Logger } from 'pino';

import type { LogLevel } from '../config/config';
import { currentRequestId } from './request-context';

export type { Logger } from 'pino';

/**
 * Creates the process logger: JSON lines on stdout (or `destination`), ISO timestamps, level
 * names, and the current request's `requestId` on every line written while handling a request.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name: 'tessera-server',
    level,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    // A mixin rather than child loggers: services and repositories log with the process
    // logger and still get the request id, without passing ctx around.
    mixin: () => {
      const requestId = currentRequestId();
      return requestId === undefined ? {} : { requestId };
    },
  };

  return destination === undefined ? pino(options) : pino(options, destination);
}
