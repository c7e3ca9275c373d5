/**
 * Loads one provider's OpenAPI document: parse, validate with @readme/openapi-parser, dereference,
 * and index its operations with the mount each one is served under. Done once at startup.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { compileErrors, dereference, validate } from '@readme/openapi-parser';
import { parse as parseYaml } from 'yaml';
import {
  HTTP_METHODS,
  type OpenApiDocument,
  type OperationObject,
  type ParameterObject,
  type RequestBodyObject,
  type ResponseObject,
  type SecurityRequirement,
  type SecuritySchemeObject,
  type ServerObject,
} from './openapi-types.ts';

/** The URL prefix of the spec's server entries that describe this mock (the rest are real hosts). */
export const MOCK_SERVER_PREFIX = 'http://localhost:4010';

export interface SpecOperation {
  operationId: string;
  /** Upper case, e.g. `POST`. */
  method: string;
  /** The spec's path template, e.g. `/users/{id}`. */
  path: string;
  /** Where the operation is served on the mock, e.g. `/just2trade/api`. */
  mount: string;
  parameters: ParameterObject[];
  requestBody?: RequestBodyObject;
  responses: Record<string, ResponseObject>;
  security: SecurityRequirement[];
}

export interface LoadedSpec {
  file: string;
  /** The document as written ($refs intact), for serving to clients. */
  source: OpenApiDocument;
  /** Fully dereferenced, for validators and example answers. */
  document: OpenApiDocument;
  operations: SpecOperation[];
  securitySchemes: Record<string, SecuritySchemeObject>;
}

export async function loadSpec(location: string | URL): Promise<LoadedSpec> {
  const file = location instanceof URL ? fileURLToPath(location) : location;
  const text = await readFile(file, 'utf8');
  const source = (file.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as OpenApiDocument;

  // The parser dereferences in place, so it gets copies; `source` stays as written.
  const result = await validate(structuredClone(source) as never);
  if (!result.valid) {
    throw new Error(`${file} is not a valid OpenAPI document:\n${compileErrors(result)}`);
  }
  const document = (await dereference(structuredClone(source) as never)) as unknown as OpenApiDocument;
  return {
    file,
    source,
    document,
    operations: indexOperations(document, file),
    securitySchemes: document.components?.securitySchemes ?? {},
  };
}

function indexOperations(document: OpenApiDocument, file: string): SpecOperation[] {
  const operations: SpecOperation[] = [];
  for (const [path, pathItem] of Object.entries(document.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method] as OperationObject | undefined;
      if (!operation) continue;
      if (!operation.operationId) {
        throw new Error(
          `${file}: ${method.toUpperCase()} ${path} has no operationId; the harness keys handlers on it.`,
        );
      }
      const servers = operation.servers ?? pathItem.servers ?? document.servers ?? [];
      operations.push({
        operationId: operation.operationId,
        method: method.toUpperCase(),
        path,
        mount: mockMountOf(servers, `${file}: ${operation.operationId}`),
        parameters: mergeParameters(pathItem.parameters ?? [], operation.parameters ?? []),
        ...(operation.requestBody ? { requestBody: operation.requestBody } : {}),
        responses: operation.responses ?? {},
        security: operation.security ?? document.security ?? [],
      });
    }
  }
  return operations;
}

/** The path of the server entry that points at the mock, without a trailing slash. */
function mockMountOf(servers: ServerObject[], where: string): string {
  const mock = servers.find((server) => server.url.startsWith(MOCK_SERVER_PREFIX));
  if (!mock) {
    throw new Error(
      `${where}: no server entry starts with ${MOCK_SERVER_PREFIX}, so the mock cannot tell where to serve it.`,
    );
  }
  const mount = new URL(mock.url).pathname.replace(/\/+$/, '');
  return mount === '' ? '/' : mount;
}

/** Operation-level parameters override path-level ones with the same name and location. */
function mergeParameters(pathLevel: ParameterObject[], operationLevel: ParameterObject[]): ParameterObject[] {
  const key = (parameter: ParameterObject) => `${parameter.in}:${parameter.name.toLowerCase()}`;
  const merged = new Map(pathLevel.map((parameter) => [key(parameter), parameter]));
  for (const parameter of operationLevel) merged.set(key(parameter), parameter);
  return [...merged.values()];
}
