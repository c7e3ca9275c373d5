/**
 * Validates a request against its operation: path, query and header parameters, security
 * presence, and the body for its media type. Built once per operation at startup.
 */
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { MockError, describeIssues, type ValidationIssue } from '../errors.ts';
import type { SpecOperation } from '../spec/load-spec.ts';
import type { JsonSchema, ParameterObject, SecuritySchemeObject } from '../spec/openapi-types.ts';
import { compile, toIssues, type SchemaCompilers } from './ajv.ts';
import { isFormMediaType } from '../http/media-type.ts';

/** Parameters as they came in: strings (or string lists for repeated query names). */
export interface RawParameters {
  path: Record<string, string>;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
}

export interface ValidParameters {
  path: Record<string, unknown>;
  query: Record<string, unknown>;
  header: Record<string, unknown>;
}

export class RequestValidator {
  readonly #parameters: ValidateFunction;
  readonly #bodies = new Map<string, ValidateFunction>();
  readonly #declared: ParameterObject[];

  constructor(
    compilers: SchemaCompilers,
    readonly operation: SpecOperation,
    private readonly securitySchemes: Record<string, SecuritySchemeObject>,
  ) {
    this.#declared = operation.parameters.filter((parameter) => parameter.in !== 'cookie');
    this.#parameters = compile(compilers.param, parametersSchema(this.#declared));
    for (const [mediaType, media] of Object.entries(operation.requestBody?.content ?? {})) {
      if (!media.schema) continue;
      // Form values are strings on the wire; their schema is checked with coercion like query values.
      this.#bodies.set(mediaType, compile(isFormMediaType(mediaType) ? compilers.param : compilers.body, media.schema));
    }
  }

  get bodyMediaTypes(): string[] {
    return Object.keys(this.operation.requestBody?.content ?? {});
  }

  get bodyRequired(): boolean {
    return this.operation.requestBody?.required === true;
  }

  /** The spec's `x-json-with-any-content-type`: read the body as JSON whatever its Content-Type. */
  get jsonWithAnyContentType(): boolean {
    return this.operation.requestBody?.['x-json-with-any-content-type'] === true;
  }

  /** Picks the declared parameters out of the request, checks them, and returns them typed. */
  parameters(raw: RawParameters): ValidParameters {
    const values: ValidParameters = { path: {}, query: {}, header: {} };
    for (const parameter of this.#declared) {
      const value = pick(parameter, raw);
      if (value !== undefined)
        values[parameter.in === 'header' ? 'header' : (parameter.in as 'path' | 'query')][parameter.name] = value;
    }
    if (!this.#parameters(values)) {
      throw invalid(toIssues(this.#parameters.errors, ''));
    }
    return values;
  }

  /** Refuses a request that carries none of the credentials its operation's `security` asks for. */
  checkSecurity(headers: Record<string, string | undefined>, query: URLSearchParams): void {
    const requirements = this.operation.security;
    if (requirements.length === 0) return;
    const satisfied = requirements.some((requirement) =>
      Object.keys(requirement).every((name) => this.#present(name, headers, query)),
    );
    if (satisfied) return;
    const schemes = requirements
      .flatMap((requirement) => Object.keys(requirement))
      .map((name) => this.securitySchemes[name]);
    const bearer = schemes.some((scheme) => scheme?.type === 'http' && scheme.scheme?.toLowerCase() === 'bearer');
    throw new MockError(401, 'unauthorized', 'The request carries no credentials; this operation requires them.', {
      headers: bearer ? { 'WWW-Authenticate': 'Bearer' } : {},
    });
  }

  #present(name: string, headers: Record<string, string | undefined>, query: URLSearchParams): boolean {
    const scheme = this.securitySchemes[name];
    if (!scheme) return false;
    if (scheme.type === 'http') {
      const [type, credentials] = (headers.authorization ?? '').trim().split(/\s+/, 2);
      return type?.toLowerCase() === scheme.scheme?.toLowerCase() && Boolean(credentials);
    }
    if (scheme.type === 'apiKey' && scheme.name) {
      if (scheme.in === 'header') return Boolean(headers[scheme.name.toLowerCase()]);
      if (scheme.in === 'query') return query.has(scheme.name);
      return true;
    }
    // oauth2 / openIdConnect / mutualTLS: presence cannot be told generically; the handler decides.
    return true;
  }

  body(mediaType: string | undefined, value: unknown): unknown {
    if (mediaType === undefined) return value;
    const validate = this.#bodies.get(mediaType);
    if (validate && !validate(value)) throw invalid(toIssues(validate.errors, '/body'));
    return value;
  }
}

function invalid(issues: ValidationIssue[]): MockError {
  return new MockError(400, 'invalid_request', `The request does not match the spec: ${describeIssues(issues)}.`, {
    details: issues,
  });
}

function pick(parameter: ParameterObject, raw: RawParameters): unknown {
  switch (parameter.in) {
    case 'path':
      return raw.path[parameter.name];
    case 'header':
      return raw.headers[parameter.name.toLowerCase()];
    case 'query': {
      const values = raw.query.getAll(parameter.name);
      if (values.length === 0) return undefined;
      // A scalar parameter sent twice stays a list, so a string schema rejects it.
      return parameter.schema?.type === 'array' || values.length > 1 ? values : values[0];
    }
    default:
      return undefined;
  }
}

function parametersSchema(parameters: ParameterObject[]): JsonSchema {
  const group = (location: string): JsonSchema => {
    const members = parameters.filter((parameter) => parameter.in === location);
    return {
      type: 'object',
      properties: Object.fromEntries(members.map((parameter) => [parameter.name, parameter.schema ?? {}])),
      required: members.filter((parameter) => parameter.required).map((parameter) => parameter.name),
    };
  };
  return {
    type: 'object',
    properties: { path: group('path'), query: group('query'), header: group('header') },
  };
}
