const UNITS_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * Reads a duration as scenarios write it: `300ms`, `5s`, `2m`, `1h`, `31d`, or a bare number
 * of milliseconds.
 *
 * @returns milliseconds, or undefined when `text` is not a duration
 */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === 'number') {
    return Number.isFinite(text) && text >= 0 ? text : undefined;
  }
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (match === null) {
    return undefined;
  }
  return Number(match[1]) * (UNITS_MS[match[2] ?? 'ms'] ?? 1);
}

/** A duration for people: `850ms`, `5.2s`, `3m`, `31d`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) {
    return `${Math.round(ms)}ms`;
  }
  if (ms < 60_000) {
    return `${(ms / 1000).toFixed(1).replace(/\.0$/, '')}s`;
  }
  if (ms < 86_400_000) {
    return ms < 3_600_000 ? `${Math.round(ms / 60_000)}m` : `${Math.round(ms / 3_600_000)}h`;
  }
  return `${Math.round(ms / 86_400_000)}d`;
}
