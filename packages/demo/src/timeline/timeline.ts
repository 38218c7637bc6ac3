import { performance } from 'node:perf_hooks';

import pc from 'picocolors';

/** Who a timeline line is about. */
export type Lane =
  'setup' | 'reseller' | 'user' | 'merchant' | 'tessera' | 'receiver' | 'clock' | 'state';

/** The colour functions the timeline uses; all identity when colours are off. */
export type Colors = Pick<
  typeof pc,
  'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyan' | 'gray'
>;

/** Where the timeline writes and whether it colours. */
export interface TimelineOptions {
  write: (text: string) => void;
  /** Colour the output; default: picocolors' own detection (NO_COLOR, FORCE_COLOR, TTY). */
  colors?: boolean;
}

const LANE_WIDTH = 8;
const TIME_WIDTH = 7;
const DURATION_WIDTH = 6;
/** Where the text of a line starts, so that answers and details line up under it. */
const TEXT_COLUMN = TIME_WIDTH + DURATION_WIDTH + LANE_WIDTH + 4;

/**
 * The demo's readable timeline: one line per request, answer, notification, state change and
 * check, each with the milliseconds since the run started and, for requests, how long they
 * took. Columns are fixed so the eye can run down them.
 */
export class Timeline {
  private readonly write: (text: string) => void;
  readonly c: Colors;
  private readonly startedAt = performance.now();

  constructor(options: TimelineOptions) {
    this.write = options.write;
    this.c = pc.createColors(options.colors ?? pc.isColorSupported);
  }

  /** Milliseconds since the run started. */
  elapsed(): number {
    return Math.round(performance.now() - this.startedAt);
  }

  /** A line in the timeline's columns: time, duration (blank when not timed), lane and text. */
  line(lane: Lane, text: string, durationMs?: number): void {
    const time = this.c.dim(`${this.elapsed()}ms`.padStart(TIME_WIDTH));
    const duration = durationMs === undefined ? '' : `${Math.round(durationMs)}ms`;
    const laneText = this.laneColor(lane)(lane.padEnd(LANE_WIDTH));
    this.write(`${time} ${this.c.dim(duration.padStart(DURATION_WIDTH))}  ${laneText}  ${text}\n`);
  }

  /** A continuation under the text column of the line above (an answer, a detail). */
  detail(text: string): void {
    this.write(`${' '.repeat(TEXT_COLUMN)}${text}\n`);
  }

  /** A heading, between blank lines. */
  heading(text: string): void {
    this.write(`\n${this.c.bold(text)}\n`);
  }

  /** A line without columns (summaries, messages). */
  plain(text: string): void {
    this.write(`${text}\n`);
  }

  private laneColor(lane: Lane): (text: string) => string {
    const colors: Record<Lane, (text: string) => string> = {
      setup: this.c.dim,
      reseller: this.c.cyan,
      user: this.c.magenta,
      merchant: this.c.blue,
      tessera: this.c.yellow,
      receiver: this.c.green,
      clock: this.c.gray,
      state: this.c.bold,
    };
    return colors[lane];
  }
}
