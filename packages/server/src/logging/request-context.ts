import { AsyncLocalStorage } from 'node:async_hooks';

/** What the server knows about the request being handled, wherever the code runs. */
export interface RequestContext {
  requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` so that every log line and {@link currentRequestId} call inside it sees `context`. */
export function runInRequestContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** The id of the request being handled, or `undefined` outside of any request. */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}
