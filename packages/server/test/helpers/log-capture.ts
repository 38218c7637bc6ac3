import type { DestinationStream } from 'pino';

import type { LogLevel } from '../../src/config/config';
import { createLogger, type Logger } from '../../src/logging/logger';

/** One parsed JSON log line. */
export type LogLine = Record<string, unknown> & { msg?: string; level?: string };

/** A pino destination that keeps every line, parsed, for assertions. */
export class LogCapture implements DestinationStream {
  readonly lines: LogLine[] = [];

  write(line: string): void {
    this.lines.push(JSON.parse(line) as LogLine);
  }

  /** Lines written while handling the request with this id. */
  forRequest(requestId: string): LogLine[] {
    return this.lines.filter((line) => line.requestId === requestId);
  }

  /** Lines whose message is `msg`. */
  withMessage(msg: string): LogLine[] {
    return this.lines.filter((line) => line.msg === msg);
  }
}

/** A real process logger writing into a {@link LogCapture}. */
export function createTestLogger(level: LogLevel = 'debug'): { logger: Logger; logs: LogCapture } {
  const logs = new LogCapture();
  return { logger: createLogger(level, logs), logs };
}
