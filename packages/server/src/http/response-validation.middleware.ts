import { Stream } from 'node:stream';

import Ajv, { type ValidateFunction } from 'ajv';
import type { Context, Middleware } from 'koa';
import type { OpenAPIV3 } from 'openapi-types';

import { type Contract, withFormats } from './contract';
import { PROBLEM_MEDIA_TYPE } from './problem.middleware';
import type { TesseraState } from './state';

/** A response that breaks the contract. */
export interface ContractMismatch {
  method: string;
  path: string;
  status: number;
  operationId: string | undefined;
  problems: string[];
}

// Headers that must be present whenever the contract declares them for the response; the
// others it declares (Idempotent-Replayed, Retry-After on 503) are checked only when sent.
const REQUIRED_WHEN_DECLARED = ['x-request-id', 'etag', 'www-authenticate', 'location'];

// Problems any operation may answer although no operation lists them: an unexpected failure,
// and the database or the instance being unavailable.
const UNDECLARED_PROBLEM_STATUSES = [500, 503];

/**
 * Test-only guard: checks every response against the contract (status, content type, body and
 * the declared headers) and records each mismatch. Responses of routes outside the contract
 * (health probes, test routes) are checked only when they are problems. Never enabled in
 * production: it costs a schema validation per response and changes nothing the client sees.
 */
export class ResponseValidator {
  private readonly ajv = withFormats(new Ajv({ allErrors: true, strict: false }));
  private readonly headerAjv = withFormats(
    new Ajv({ allErrors: true, strict: false, coerceTypes: true }),
  );
  private readonly compiled = new WeakMap<object, ValidateFunction>();
  private readonly problemSchema: OpenAPIV3.SchemaObject;
  private found: ContractMismatch[] = [];

  constructor(contract: Contract) {
    const schemas = contract.document.components?.schemas ?? {};
    this.problemSchema = schemas.Problem as OpenAPIV3.SchemaObject;
  }

  /** The mismatches recorded since the last call, which are then forgotten. */
  takeMismatches(): ContractMismatch[] {
    const taken = this.found;
    this.found = [];
    return taken;
  }

  /** The middleware; mount it outside the problem handler so that it sees the final answer. */
  middleware(): Middleware<TesseraState> {
    return async (ctx, next) => {
      try {
        await next();
      } finally {
        const problems = this.check(ctx);
        if (problems.length > 0) {
          this.found.push({
            method: ctx.method,
            path: ctx.path,
            status: ctx.status,
            operationId: ctx.state.operation?.operationId,
            problems,
          });
        }
      }
    };
  }

  private check(ctx: Context & { state: TesseraState }): string[] {
    const operation = ctx.state.operation;
    if (operation === undefined) {
      return ctx.status >= 400 ? this.checkProblem(ctx) : [];
    }

    const declared = declaredResponse(operation.definition, ctx.status);
    if (declared === undefined) {
      return UNDECLARED_PROBLEM_STATUSES.includes(ctx.status)
        ? this.checkProblem(ctx)
        : [`status ${ctx.status} is not declared for ${operation.operationId}`];
    }
    return [...this.checkHeaders(ctx, declared), ...this.checkContent(ctx, declared)];
  }

  private checkProblem(ctx: Context): string[] {
    if (ctx.response.type !== PROBLEM_MEDIA_TYPE) {
      return [`an error must be ${PROBLEM_MEDIA_TYPE}, not "${ctx.response.type}"`];
    }
    return this.checkBody(ctx, this.problemSchema);
  }

  private checkContent(ctx: Context, declared: OpenAPIV3.ResponseObject): string[] {
    const content = declared.content ?? {};
    const mediaTypes = Object.keys(content);
    if (mediaTypes.length === 0) {
      return ctx.body == null ? [] : ['the response has a body but none is declared'];
    }

    const media = content[ctx.response.type];
    if (media?.schema === undefined) {
      return [`content type "${ctx.response.type}" is not one of ${mediaTypes.join(', ')}`];
    }
    if (ctx.body instanceof Stream) {
      // A streamed body (the CSV exports) cannot be read here without taking it from the
      // client; its media type was checked above, and the tests parse what they receive.
      return [];
    }
    return this.checkBody(ctx, media.schema as OpenAPIV3.SchemaObject);
  }

  private checkBody(ctx: Context, schema: OpenAPIV3.SchemaObject): string[] {
    // Validate what the client receives: Dates and the like as JSON turns them into strings.
    const body: unknown = ctx.body == null ? undefined : JSON.parse(JSON.stringify(ctx.body));
    const validate = this.compile(this.ajv, schema);
    const problems = validate(body) ? [] : describeErrors('body', validate);

    const status = (body as { status?: unknown } | undefined)?.status;
    if (ctx.response.type === PROBLEM_MEDIA_TYPE && status !== ctx.status) {
      problems.push(`the problem's status ${String(status)} is not the HTTP status`);
    }
    return problems;
  }

  private checkHeaders(ctx: Context, declared: OpenAPIV3.ResponseObject): string[] {
    const problems: string[] = [];
    for (const [name, header] of Object.entries(declared.headers ?? {})) {
      // Koa answers undefined (despite its typings) for a header that is not set.
      const value = (ctx.response.get(name) as string | undefined) ?? '';
      const required =
        REQUIRED_WHEN_DECLARED.includes(name.toLowerCase()) ||
        (name.toLowerCase() === 'retry-after' && ctx.status === 429);

      if (value === '') {
        problems.push(...(required ? [`header ${name} is missing`] : []));
        continue;
      }
      const schema = (header as OpenAPIV3.HeaderObject).schema as OpenAPIV3.SchemaObject;
      const validate = this.compile(this.headerAjv, schema ?? {});
      problems.push(...(validate(value) ? [] : describeErrors(`header ${name}`, validate)));
    }
    return problems;
  }

  private compile(ajv: Ajv, schema: OpenAPIV3.SchemaObject): ValidateFunction {
    let validate = this.compiled.get(schema);
    if (validate === undefined) {
      validate = ajv.compile(schema);
      this.compiled.set(schema, validate);
    }
    return validate;
  }
}

function declaredResponse(
  operation: OpenAPIV3.OperationObject,
  status: number,
): OpenAPIV3.ResponseObject | undefined {
  const responses = operation.responses as Record<string, OpenAPIV3.ResponseObject>;
  return responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default;
}

function describeErrors(where: string, validate: ValidateFunction): string[] {
  return (validate.errors ?? []).map(
    (error) => `${where}${error.instancePath || ''}: ${error.message ?? error.keyword}`,
  );
}
