import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import {
  EntitlementStatus,
  MerchantEntitlementResponseToJSON,
  SuccessCode,
  verifyCallbackAuthorization,
  type CallbackCredentials,
} from '@tessera/merchant-client';

/** One request the stub received. */
export interface RecordedCall {
  method: string;
  path: string;
  /** The merchant API operation, from the path's last segment (`activate`, `suspend`, …). */
  operation: string;
  entitlementId: string;
  idempotencyKey: string | undefined;
  body: Record<string, unknown>;
}

/** A stand-in for Tessera's merchant API, on a real socket. */
export interface TesseraStub {
  baseUrl: string;
  calls: RecordedCall[];
  /** Waits until a call matching `predicate` arrived, or fails after `timeoutMs`. */
  waitFor(predicate: (call: RecordedCall) => boolean, timeoutMs?: number): Promise<RecordedCall>;
  close(): Promise<void>;
}

const STATUS_AFTER: Record<string, EntitlementStatus> = {
  activate: EntitlementStatus.ACTIVE,
  suspend: EntitlementStatus.SUSPENDED,
  resume: EntitlementStatus.ACTIVE,
  terminate: EntitlementStatus.CANCELLED,
};

const PATH = /^\/merchant\/v1\/entitlement\/([^/]+)\/(activate|suspend|resume|terminate)$/;

/**
 * Starts a small HTTP server that answers the merchant API's activate, suspend, resume and
 * terminate as the contract says (200 with a `MerchantEntitlementResponse`), checks the
 * merchant's Basic credential, and records every call.
 */
export async function startTesseraStub(credential: CallbackCredentials): Promise<TesseraStub> {
  const calls: RecordedCall[] = [];
  const server = createServer((req, res) => {
    void readJson(req).then((body) => {
      const match = PATH.exec(req.url ?? '');
      if (!verifyCallbackAuthorization(req.headers.authorization, credential)) {
        res.writeHead(401, { 'content-type': 'application/problem+json' }).end(problem(401));
        return;
      }
      if (req.method !== 'POST' || match === null) {
        res.writeHead(404, { 'content-type': 'application/problem+json' }).end(problem(404));
        return;
      }

      const [, entitlementId = '', operation = ''] = match;
      const idempotencyKey = req.headers['idempotency-key'] as string | undefined;
      calls.push({
        method: req.method,
        path: req.url ?? '',
        operation,
        entitlementId,
        idempotencyKey,
        body,
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(entitlementResponse(entitlementId, operation, body)));
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    calls,
    waitFor: (predicate, timeoutMs = 2000) => waitFor(calls, predicate, timeoutMs),
    close: () => close(server),
  };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
  }
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
}

function entitlementResponse(
  entitlementId: string,
  operation: string,
  body: Record<string, unknown>,
) {
  const now = new Date();
  return MerchantEntitlementResponseToJSON({
    entitlementId,
    merchantEntitlementId: String(body.merchantEntitlementId ?? entitlementId),
    status: STATUS_AFTER[operation] ?? EntitlementStatus.ACTIVE,
    sharedCustomerId: 'sc_stub',
    customerIdentifier: null,
    resellerKey: 'DEMO_TELCO',
    merchantAccountKey: 'DEMO_MUSIC',
    productKey: 'MUSIC',
    offerKey: null,
    merchantExtensionData: {},
    routeExtensionData: {},
    activationCode: null,
    dateCreated: now,
    dateActivated: now,
    dateSuspended: null,
    dateResumed: null,
    dateEnded: null,
    dateLastUpdated: now,
    version: 2,
    reasonCategory: null,
    reasonCode: null,
    reasonDescription: null,
    responseCode: SuccessCode.OK,
    responseMessage: `${operation} done`,
  });
}

function problem(status: 401 | 404): string {
  const responseCode = status === 401 ? 'UNAUTHORIZED' : 'NOT_FOUND';
  return JSON.stringify({ type: 'about:blank', title: responseCode, status, responseCode });
}

async function waitFor(
  calls: RecordedCall[],
  predicate: (call: RecordedCall) => boolean,
  timeoutMs: number,
): Promise<RecordedCall> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = calls.find(predicate);
    if (found !== undefined) {
      return found;
    }
    if (Date.now() > deadline) {
      throw new Error(`No matching call within ${timeoutMs} ms; got ${JSON.stringify(calls)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
