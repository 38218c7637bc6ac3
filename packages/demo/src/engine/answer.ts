/** An HTTP answer as a step sees it, whatever its status. */
export interface Answer {
  method: string;
  url: string;
  httpStatus: number;
  contentType: string;
  /** The body as text. */
  text: string;
  /** The body parsed, when it is JSON; undefined otherwise. */
  json: unknown;
  durationMs: number;
}

/** The value at `keys` in a JSON answer body (e.g. `parameters`, `url`), when there is one. */
export function field(answer: Answer | undefined, ...keys: string[]): unknown {
  let value: unknown = answer?.json;
  for (const key of keys) {
    value =
      typeof value === 'object' && value !== null
        ? (value as Record<string, unknown>)[key]
        : undefined;
  }
  return value;
}

/** A string at `keys` in a JSON answer body, else undefined. */
export function textField(answer: Answer | undefined, ...keys: string[]): string | undefined {
  const value = field(answer, ...keys);
  return typeof value === 'string' ? value : undefined;
}

/** Parses `text` as JSON when it is JSON; undefined otherwise. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
