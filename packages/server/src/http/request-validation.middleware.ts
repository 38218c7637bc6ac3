import type { ErrorObject } from 'ajv';
import type { Middleware } from 'koa';
import type { OpenAPIV3 } from 'openapi-types';

import { BadRequestProblem } from '../errors/http-problems';
import type { FieldError } from '../errors/problem';
import type { Contract, ContractOperation } from './contract';
import type { TesseraState } from './state';

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
 * Failures are a 400 problem listing every invalid field.
 */
export function validateRequest(
  contract: Contract,
  operation: ContractOperation,
): Middleware<TesseraState> {
  const headerNames = headerNamesOf(operation);

  return async (ctx, next) => {
    const result = contract.validateRequest(operation.operationId, {
      method: ctx.method,
      path: ctx.path,
      headers: ctx.headers,
      query: ctx.querystring,
      body: ctx.request.body,
    });

    if (!result.valid) {
      const errors = (result.errors ?? []).map((error) => toFieldError(error, headerNames));
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
  const fields = [...new Set(errors.map((error) => error.field || 'the body'))];
  return `The request is invalid: check ${fields.join(', ')}.`;
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
      return rest.map((segment) => `/${escapePointer(segment)}`).join('');
    case 'header':
      return `header.${headers.get(rest[0] ?? '') ?? rest.join('.')}`;
    case 'query':
    case 'path':
      return `${where}.${rest.join('.')}`;
    default:
      // A body that is missing altogether is reported on the body itself.
      return '';
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
    case 'enum': {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
      return `must be one of ${allowed.map((value) => JSON.stringify(value)).join(', ')}`;
    }
    default:
      return error.message ?? 'is invalid';
  }
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
