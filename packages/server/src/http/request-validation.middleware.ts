import type { RouterContext } from '@koa/router';
import type { ErrorObject } from 'ajv';
import type { Middleware } from 'koa';
import type { OpenAPIV3 } from 'openapi-types';

import { BadRequestProblem } from '../errors/http-problems';
import type { FieldError } from '../errors/problem';
import { escapePointer, unescapePointer } from '../util/json-pointer';
import { findNulCharacters, hasNulCharacter } from '../util/nul-character';
import type { Contract, ContractOperation } from './contract';
import type { TesseraState } from './state';

/** The `field` of an error about the body as a whole, whose JSON pointer ("") reads as none. */
const BODY_FIELD = 'body';

const NUL_IN_VALUE = 'must not contain the NUL character (U+0000)';
const NUL_IN_NAME = 'must not have the NUL character (U+0000) in its name';

/** A request's inputs after contract validation, typed by the route that reads them. */
export interface ValidatedInput {
  /** Path parameters, coerced to their schema types. */
  params: Record<string, unknown>;
  /** Query parameters, coerced, with schema defaults filled in (e.g. `limit`). */
  query: Record<string, unknown>;
  body: unknown;
}

/**
 * Validates the request against `operation` in the contract (path, query, headers and body, by
 * the Ajv validators compiled at start) and stores the coerced inputs in `ctx.state.input`.
 * Failures are a 400 problem listing every invalid field, NUL characters included (see
 * `util/nul-character.ts`): every input the handlers read passes here first.
 */
export function validateRequest(
  contract: Contract,
  operation: ContractOperation,
): Middleware<TesseraState> {
  const headerNames = headerNamesOf(operation);
  const bodyType = bodyTypeOf(operation);

  return async (ctx, next) => {
    refuseScalarBody(ctx.request.body, bodyType);
    const result = contract.validateRequest(operation.operationId, {
      method: ctx.method,
      path: ctx.path,
      headers: ctx.headers,
      query: ctx.querystring,
      body: ctx.request.body,
    });

    const nuls = nulCharacterErrors(ctx as RouterContext<TesseraState>, headerNames);
    if (!result.valid || nuls.length > 0) {
      const invalid = (result.errors ?? []).map((error) => toFieldError(error, headerNames));
      const errors = [...invalid, ...nuls];
      throw new BadRequestProblem(describe(errors), { errors });
    }

    const coerced = result.coerced as { params?: object; query?: object };
    ctx.state.input = {
      params: { ...coerced.params },
      query: { ...coerced.query },
      body: ctx.request.body,
    };
    await next();
  };
}

function describe(errors: FieldError[]): string {
  const [first] = errors;
  // One problem with the body as a whole says it all: "The request body is required."
  if (errors.length === 1 && first?.field === BODY_FIELD) {
    return `The request body ${first.message}.`;
  }

  const fields = errors.map((error) => (error.field === BODY_FIELD ? 'the body' : error.field));
  return `The request is invalid: check ${[...new Set(fields)].join(', ')}.`;
}

/** The JSON type of the operation's request body, `object` or `array`; undefined for none. */
function bodyTypeOf(operation: ContractOperation): string | undefined {
  const body = operation.definition.requestBody as OpenAPIV3.RequestBodyObject | undefined;
  const media = Object.values(body?.content ?? {})[0];
  const type = (media?.schema as OpenAPIV3.SchemaObject | undefined)?.type;
  return type === 'object' || type === 'array' ? type : undefined;
}

/**
 * Refuses a body that is JSON but neither object nor array (`null`, `"x"`, `42`) where the
 * operation takes one. openapi-backend would parse a string body again, as JSON text, so such a
 * body must not reach it.
 */
function refuseScalarBody(body: unknown, expected: string | undefined): void {
  if (expected === undefined || body === undefined || (typeof body === 'object' && body !== null)) {
    return;
  }
  const errors = [{ field: BODY_FIELD, message: `must be a JSON ${expected}` }];
  throw new BadRequestProblem(describe(errors), { errors });
}

/**
 * The inputs holding a NUL character: body strings and property names, and the path, query
 * and contract header parameters, as decoded for the handlers.
 */
function nulCharacterErrors(
  ctx: RouterContext<TesseraState>,
  headerNames: Map<string, string>,
): FieldError[] {
  const inBody = findNulCharacters(ctx.request.body).map(({ pointer, inName }) => ({
    field: pointer === '' ? BODY_FIELD : pointer,
    message: inName ? NUL_IN_NAME : NUL_IN_VALUE,
  }));
  const headers = [...headerNames].map(([lower, name]) => [name, ctx.headers[lower]] as const);
  return [
    ...inBody,
    ...nulParameters('path', Object.entries(ctx.params)),
    ...nulParameters('query', Object.entries(ctx.query)),
    ...nulParameters('header', headers),
  ];
}

function nulParameters(
  where: string,
  parameters: (readonly [string, string | string[] | undefined])[],
): FieldError[] {
  return parameters
    .filter(([, value]) => [value ?? []].flat().some(hasNulCharacter))
    .map(([name]) => ({ field: `${where}.${name}`, message: NUL_IN_VALUE }));
}

/** The lower-case header names the validator reports, mapped back to the contract's spelling. */
function headerNamesOf(operation: ContractOperation): Map<string, string> {
  const parameters = (operation.definition.parameters ?? []) as OpenAPIV3.ParameterObject[];
  return new Map(
    parameters
      .filter((parameter) => parameter.in === 'header')
      .map((parameter) => [parameter.name.toLowerCase(), parameter.name]),
  );
}

/**
 * Maps an Ajv error to the contract's `FieldError`: a JSON pointer into the body, or
 * `query.NAME` / `header.NAME` / `path.NAME` for parameters.
 */
export function toFieldError(error: ErrorObject, headerNames: Map<string, string>): FieldError {
  const segments = error.instancePath.split('/').slice(1).map(unescapePointer);
  const property = propertyOf(error);
  if (property !== undefined) {
    segments.push(property);
  }

  const [where, ...rest] = segments;
  return { field: fieldName(where, rest, headerNames), message: messageOf(error) };
}

function fieldName(where: string | undefined, rest: string[], headers: Map<string, string>) {
  switch (where) {
    case 'requestBody':
      // The body as a whole (missing, or of the wrong type) has a name, not the pointer "".
      return rest.length === 0
        ? BODY_FIELD
        : rest.map((segment) => `/${escapePointer(segment)}`).join('');
    case 'header':
      return `header.${headers.get(rest[0] ?? '') ?? rest.join('.')}`;
    case 'query':
    case 'path':
      return `${where}.${rest.join('.')}`;
    default:
      // An error about the request as a whole (e.g. a body that does not parse) is the body's.
      return BODY_FIELD;
  }
}

function propertyOf(error: ErrorObject): string | undefined {
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  return params.missingProperty ?? params.additionalProperty;
}

function messageOf(error: ErrorObject): string {
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not allowed here';
    case 'type':
      // The body as a whole, in the words of its media type: "must be a JSON object".
      return error.instancePath === '/requestBody'
        ? `must be a JSON ${String((error.params as { type: unknown }).type)}`
        : (error.message ?? 'is invalid');
    case 'enum': {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
      return `must be one of ${allowed.map((value) => JSON.stringify(value)).join(', ')}`;
    }
    default:
      return error.message ?? 'is invalid';
  }
}
