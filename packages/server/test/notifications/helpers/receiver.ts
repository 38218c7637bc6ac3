import {
  createServer,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a {@link Receiver} got. */
export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body, as a verifier needs it. */
  body: string;
  at: number;
  /** How the receiver answered it (recorded requests only). */
  answer?: Answer;
}

/** How the receiver answers: a status, or `hang` (never answer, to provoke a timeout). */
export type Answer = number | 'hang';

/** Serves one path itself (e.g. an OAuth2 token endpoint); its requests are not recorded. */
export type Route = (request: Received) => { status: number; body: unknown };

/**
 * A real webhook receiver over node:http on a free loopback port. Answers 204 unless told
 * otherwise with {@link answerNext} or {@link answerAlways}.
 */
export class Receiver {
  readonly received: Received[] = [];
  private readonly queued: Answer[] = [];
  private fallback: Answer = 204;
  private server: Server | undefined;
  private hanging: ServerResponse[] = [];
  private readonly routes = new Map<string, Route>();
  /** How long each answer takes, to make sends overlap. */
  answerDelayMs = 0;
  /** Decides the answer to a request first, e.g. to refuse one notification only. */
  answerFor: ((request: Received) => Answer | undefined) | undefined;
  port = 0;

  /** Starts listening on `port` (0: a free one). */
  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const request = { path: req.url ?? '/', headers: req.headers, body, at: Date.now() };
        const route = this.routes.get(request.path);
        if (route !== undefined) {
          const { status, body: answer } = route(request);
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(answer));
          return;
        }
        const answer = this.answerFor?.(request) ?? this.queued.shift() ?? this.fallback;
        this.received.push({ ...request, answer });
        setTimeout(() => this.answer(res, answer), this.answerDelayMs);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** The URL of `path` on this receiver. */
  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Serves `path` with `route` instead of recording its requests. */
  route(path: string, route: Route): void {
    this.routes.set(path, route);
  }

  /** The next requests get these answers, in order. */
  answerNext(...answers: Answer[]): void {
    this.queued.push(...answers);
  }

  /** Every request not covered by {@link answerNext} gets `answer`. */
  answerAlways(answer: Answer): void {
    this.fallback = answer;
  }

  /** The `webhook-id`s received, in arrival order (with duplicates). */
  eventIds(): string[] {
    return this.received.map((request) => String(request.headers['webhook-id']));
  }

  /** The requests answered 2xx (acknowledged), in arrival order. */
  acknowledged(): Received[] {
    return this.received.filter(
      (request) =>
        typeof request.answer === 'number' && request.answer >= 200 && request.answer < 300,
    );
  }

  async stop(): Promise<void> {
    this.hanging.forEach((res) => res.destroy());
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  private answer(res: ServerResponse, answer: Answer): void {
    if (answer === 'hang') {
      this.hanging.push(res);
      return;
    }
    res.writeHead(answer, { 'content-type': 'application/json' });
    res.end(answer === 204 ? undefined : '{}');
  }
}

/** A loopback port nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const probe = await new Receiver().start();
  const { port } = probe;
  await probe.stop();
  return port;
}
