import { performance } from 'node:perf_hooks';

import type { Lane, Timeline } from '../timeline/timeline';
import { parseJson, type Answer } from './answer';
import { describeAnswer, describeRequest } from './describe';

/** How long any one request may take before the step fails. */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Prefix of the `X-Request-Id` of the demo's own requests: Tessera logs it with each line, so
 * the timeline can leave out what it already shows from the demo's side.
 */
export const DEMO_REQUEST_ID_PREFIX = 'demo-';

/** Tessera's APIs, whose requests Tessera logs (not the simulated merchant's pages). */
const API_PATH = /^\/(v1|merchant\/v1|admin\/v1)\//;

/**
 * Wraps `fetch` so that every exchange is printed on the timeline (the request when it leaves,
 * the answer with its duration when it arrives) and kept as the step's {@link Answer}. The
 * generated clients take it as their `fetch`, so what the timeline shows is what went over
 * the wire, whatever the client does with it afterwards.
 */
export class HttpRecorder {
  private lastAnswer: Answer | undefined;
  private requests = 0;

  constructor(
    private readonly timeline: Timeline,
    /** Paths under this origin are shown without it. */
    private readonly origin: string,
    /**
     * Waits until Tessera's log has caught up with the request of this id, so that what the
     * log tells (Tessera calling the merchant) prints before the answer it led to.
     */
    private readonly settle: (requestId: string, path: string) => Promise<unknown> = async () =>
      undefined,
  ) {}

  /** The last answer received, and forgets it. */
  take(): Answer | undefined {
    const answer = this.lastAnswer;
    this.lastAnswer = undefined;
    return answer;
  }

  /** A `fetch` that records as `from` and shows the answer as coming from `to`. */
  fetchFor(from: Lane, to: Lane): typeof fetch {
    return async (input, init) => {
      const request = new Request(input, init);
      const requestId = `${DEMO_REQUEST_ID_PREFIX}${(this.requests += 1)}`;
      request.headers.set('X-Request-Id', requestId);
      const bodyText = init?.body == null ? '' : await request.clone().text();
      this.timeline.line(from, describeRequest(this.timeline.c, request, bodyText, this.origin));

      const started = performance.now();
      const response = await fetch(request, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      const text = await response.text();
      const answer = this.record(request, response, text, performance.now() - started);
      const url = new URL(request.url);
      if (url.origin === this.origin && API_PATH.test(url.pathname)) {
        await this.settle(requestId, url.pathname);
      }
      this.timeline.line(to, describeAnswer(this.timeline.c, answer), answer.durationMs);
      return rebuild(response, text);
    };
  }

  private record(request: Request, response: Response, text: string, durationMs: number) {
    const contentType = response.headers.get('content-type') ?? '';
    this.lastAnswer = {
      method: request.method,
      url: request.url,
      httpStatus: response.status,
      contentType,
      text,
      json: /json/.test(contentType) ? parseJson(text) : undefined,
      durationMs,
    };
    return this.lastAnswer;
  }
}

// The body has been read for the record; the caller gets an identical, unread response.
function rebuild(response: Response, text: string): Response {
  const empty = response.status === 204 || response.status === 304;
  return new Response(empty ? null : text, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}
