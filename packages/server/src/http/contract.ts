import { readFileSync } from 'node:fs';

import type Ajv from 'ajv';
import addFormats from 'ajv-formats';
import OpenAPIBackend, { type Operation, type ValidationResult } from 'openapi-backend';
import type { OpenAPIV3 } from 'openapi-types';

/** One operation of the contract, with its `$ref`s resolved. */
export interface ContractOperation {
  operationId: string;
  /** Upper case, e.g. `POST`. */
  method: string;
  /** The contract's path template, e.g. `/v1/entitlement/{entitlementId}`. */
  path: string;
  /** The same path in @koa/router syntax, e.g. `/v1/entitlement/:entitlementId`. */
  routerPath: string;
  definition: OpenAPIV3.OperationObject;
}

/** A request as the validator sees it. */
export interface ContractRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The raw query string, without `?`. */
  query: string;
  body: unknown;
}

/**
 * The bundled OpenAPI contract (`@tessera/contract/openapi.json`), dereferenced, with a request
 * validator per operation compiled by `openapi-backend` (Ajv underneath). Load it with
 * {@link loadContract}.
 */
export class Contract {
  private readonly byId: Map<string, ContractOperation>;
  /**
   * openapi-backend's own operation objects. Handing one to its validator skips the lookup by
   * id, which rebuilds the list of every operation in the document on each request.
   */
  private readonly backendOperations: Map<string, Operation<OpenAPIV3.Document>>;

  constructor(private readonly api: OpenAPIBackend<OpenAPIV3.Document>) {
    const operations = api.router.getOperations();
    this.byId = new Map(operations.map((op) => [op.operationId!, toOperation(op)]));
    this.backendOperations = new Map(operations.map((op) => [op.operationId!, op]));
  }

  /** The dereferenced document. */
  get document(): OpenAPIV3.Document {
    return this.api.definition;
  }

  /** Every operation, in document order. */
  get operations(): ContractOperation[] {
    return [...this.byId.values()];
  }

  /** The operation with this id; throws for ids the contract does not have (a coding error). */
  operation(operationId: string): ContractOperation {
    const operation = this.byId.get(operationId);
    if (operation === undefined) {
      throw new Error(`The contract has no operation ${operationId}`);
    }
    return operation;
  }

  /**
   * Validates path, query, headers and body against the operation. Query and path values come
   * back coerced to their schema types, with the schema defaults filled in.
   */
  validateRequest(operationId: string, request: ContractRequest): ValidationResult {
    const headers = request.headers as Record<string, string | string[]>;
    const operation = this.backendOperations.get(operationId) ?? operationId;
    return this.api.validator.validateRequest({ ...request, headers }, operation);
  }
}

let loaded: Promise<Contract> | undefined;

/**
 * The contract, parsed and with every request validator compiled; done once per process (it
 * takes most of a second) and shared by every app instance.
 */
export function loadContract(): Promise<Contract> {
  loaded ??= compile();
  return loaded;
}

/** Adds the formats the contract uses (`uuid`, `date-time`, `uri`, ...) to an Ajv instance. */
export function withFormats(ajv: Ajv): Ajv {
  addFormats(ajv);
  return ajv;
}

async function compile(): Promise<Contract> {
  const path = require.resolve('@tessera/contract/openapi.json');
  const definition = JSON.parse(readFileSync(path, 'utf8')) as OpenAPIV3.Document;

  const api = new OpenAPIBackend<OpenAPIV3.Document>({
    definition,
    // `quick` dereferences synchronously and compiles nothing eagerly; the request validators
    // are then compiled below, all at once. Response validation is done by our own validator.
    quick: true,
    coerceTypes: true,
    ajvOpts: { allErrors: true, useDefaults: true, strict: false },
    customizeAjv: withFormats,
  });
  await api.init();
  api.validator.preCompileRequestValidators();
  return new Contract(api);
}

function toOperation(op: OpenAPIV3.OperationObject & { path: string; method: string }) {
  return {
    operationId: op.operationId!,
    method: op.method.toUpperCase(),
    path: op.path,
    routerPath: op.path.replace(/\{([^}]+)\}/g, ':$1'),
    definition: op,
  };
}
