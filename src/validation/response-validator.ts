/**
 * Checks every answer of an operation against the spec: declared status, declared media type,
 * body schema and required headers. Built once per operation at startup. A violation is a bug in
 * the mock (or the spec) and comes back as issues naming the schema path.
 */
import type { ValidateFunction } from 'ajv/dist/2020.js';
import type { ValidationIssue } from '../errors.ts';
import type { SpecOperation } from '../spec/load-spec.ts';
import type { ResponseObject } from '../spec/openapi-types.ts';
import { essence, isJsonMediaType, mediaTypeMatches } from '../http/media-type.ts';
import { compile, toIssues, type SchemaCompilers } from './ajv.ts';

export interface ResponseToCheck {
  status: number;
  contentType?: string;
  headers: Record<string, string>;
  body?: unknown;
}

/** The response object declared for a status: exact, then `4XX`-style range, then `default`. */
export function declaredResponse(
  responses: Record<string, ResponseObject>,
  status: number,
): ResponseObject | undefined {
  return responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default;
}

export class ResponseValidator {
  /** key: `${statusKey} ${mediaType}` */
  readonly #schemas = new Map<string, ValidateFunction>();

  constructor(
    compilers: SchemaCompilers,
    readonly operation: SpecOperation,
  ) {
    for (const [status, response] of Object.entries(operation.responses)) {
      for (const [mediaType, media] of Object.entries(response.content ?? {})) {
        if (media.schema) this.#schemas.set(`${status} ${mediaType}`, compile(compilers.body, media.schema));
      }
    }
  }

  isDeclared(status: number): boolean {
    return declaredResponse(this.operation.responses, status) !== undefined;
  }

  check(response: ResponseToCheck): ValidationIssue[] {
    const { responses } = this.operation;
    const statusKey = [String(response.status), `${String(response.status)[0]}XX`, 'default'].find(
      (key) => responses[key],
    );
    if (!statusKey) {
      return [
        {
          location: '/status',
          message: `${response.status} is not a status the spec declares for ${this.operation.operationId}`,
        },
      ];
    }
    const declared = responses[statusKey]!;
    const issues: ValidationIssue[] = [];
    const required = Object.entries(declared.headers ?? {}).filter(([, header]) => header.required);
    if (required.length) {
      const headerNames = Object.keys(response.headers).map((name) => name.toLowerCase());
      for (const [name] of required) {
        if (!headerNames.includes(name.toLowerCase())) {
          issues.push({ location: `/headers/${name}`, message: 'is required by the spec' });
        }
      }
    }
    const mediaTypes = Object.keys(declared.content ?? {});
    if (response.body === undefined) {
      if (mediaTypes.length)
        issues.push({ location: '/body', message: `is missing; the spec declares ${mediaTypes.join(', ')}` });
      return issues;
    }
    const actual = essence(response.contentType) ?? 'application/json';
    const mediaType = mediaTypes.find((candidate) => mediaTypeMatches(candidate, actual));
    if (!mediaType) {
      issues.push({
        location: '/content-type',
        message: mediaTypes.length
          ? `${actual} is not declared (declared: ${mediaTypes.join(', ')})`
          : 'a body is sent but the spec declares none',
      });
      return issues;
    }
    const validate = this.#schemas.get(`${statusKey} ${mediaType}`);
    const body =
      typeof response.body === 'string' && isJsonMediaType(actual) ? parseJsonOrText(response.body) : response.body;
    if (validate && !validate(body)) issues.push(...toIssues(validate.errors, ''));
    return issues;
  }
}

/** JSON when the text is JSON, else the text itself (a body that claims JSON but is not is checked as text). */
export function parseJsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
