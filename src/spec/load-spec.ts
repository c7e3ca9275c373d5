/**
 * Loads one provider's OpenAPI document — from the build's prepared copy, or parsed, validated with
 * @readme/openapi-parser and dereferenced — and indexes its operations with the mount each one is
 * served under. Done once at startup.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
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

/** A spec parsed, validated and dereferenced: what the build stores beside it, and what a start reads back. */
export interface PreparedSpec {
  /** The document as written ($refs intact). */
  source: OpenApiDocument;
  /** Fully dereferenced. */
  document: OpenApiDocument;
  /** SHA-256 of the spec's text it was prepared from: a prepared copy of another text is not used. */
  sha256?: string;
}

/**
 * Where the build puts a spec's prepared form: `openapi/b2copy.yaml` → `openapi/b2copy.prepared.json`.
 * Reading it back costs a JSON.parse and a hash; parsing the YAML, validating it against the OpenAPI
 * schema and dereferencing it costs hundreds of milliseconds of every start.
 */
export function preparedPath(file: string): string {
  return file.replace(/\.(ya?ml|json)$/i, '') + '.prepared.json';
}

/**
 * Parses, validates and dereferences a spec. The parser and the YAML reader are imported here, on
 * demand: a start from the built package never needs them.
 */
export async function prepareSpec(file: string, text?: string): Promise<PreparedSpec> {
  const raw = text ?? (await readFile(file, 'utf8'));
  const { parse: parseYaml } = await import('yaml');
  const source = (file.endsWith('.json') ? JSON.parse(raw) : parseYaml(raw)) as OpenApiDocument;
  const { compileErrors, dereference, validate } = await import('@readme/openapi-parser');
  // The parser dereferences in place, so it gets copies; `source` stays as written.
  const result = await validate(structuredClone(source) as never);
  if (!result.valid) {
    throw new Error(`${file} is not a valid OpenAPI document:\n${compileErrors(result)}`);
  }
  const document = (await dereference(structuredClone(source) as never)) as unknown as OpenApiDocument;
  return { source, document, sha256: sha256(raw) };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The build's prepared copy of the spec, when there is one for exactly this text (a spec edited after
 * the build is prepared afresh); undefined otherwise, or when the copy cannot be read.
 */
async function preparedCopy(file: string, text: string): Promise<PreparedSpec | undefined> {
  try {
    const prepared = JSON.parse(await readFile(preparedPath(file), 'utf8')) as PreparedSpec;
    return prepared.sha256 === sha256(text) ? prepared : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Loads a spec: the build's prepared copy of it when there is one, else the spec itself, validated.
 * `mounts` are the plugin's: an operation is served on the mock under the first of its server entries
 * whose path is one of them (`http://localhost:4010/b2copy`, or just `/b2copy`); entries for the real
 * hosts (`https://auth.just2trade.com`) are documentation.
 */
export async function loadSpec(location: string | URL, mounts: string[]): Promise<LoadedSpec> {
  const file = location instanceof URL ? fileURLToPath(location) : location;
  const text = await readFile(file, 'utf8');
  const { source, document } = (await preparedCopy(file, text)) ?? (await prepareSpec(file, text));
  return {
    file,
    source,
    document,
    operations: indexOperations(document, file, mounts),
    securitySchemes: document.components?.securitySchemes ?? {},
  };
}

function indexOperations(document: OpenApiDocument, file: string, mounts: string[]): SpecOperation[] {
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
        mount: mockMountOf(servers, mounts, `${file}: ${operation.operationId}`),
        parameters: mergeParameters(pathItem.parameters ?? [], operation.parameters ?? []),
        ...(operation.requestBody ? { requestBody: operation.requestBody } : {}),
        responses: operation.responses ?? {},
        security: operation.security ?? document.security ?? [],
      });
    }
  }
  return operations;
}

/** The path of a server entry's URL, without a trailing slash (`/` for none); relative URLs allowed. */
export function serverPath(url: string): string {
  const path = new URL(url, 'http://relative.invalid').pathname.replace(/\/+$/, '');
  return path === '' ? '/' : path;
}

/** The mount an operation is served under: the path of its first server entry that is one of the mounts. */
function mockMountOf(servers: ServerObject[], mounts: string[], where: string): string {
  const mount = servers.map((server) => serverPath(server.url)).find((path) => mounts.includes(path));
  if (!mount) {
    const paths = servers.map((server) => serverPath(server.url)).join(', ') || 'no server';
    throw new Error(
      `${where} is served at ${paths} (from the spec's servers), which is not one of the plugin's mounts ` +
        `${mounts.join(', ')}: the mock cannot tell where to serve it.`,
    );
  }
  return mount;
}

/** Operation-level parameters override path-level ones with the same name and location. */
function mergeParameters(pathLevel: ParameterObject[], operationLevel: ParameterObject[]): ParameterObject[] {
  // Header names are case-insensitive; path, query and cookie names are not.
  const key = (parameter: ParameterObject) =>
    `${parameter.in}:${parameter.in === 'header' ? parameter.name.toLowerCase() : parameter.name}`;
  const merged = new Map(pathLevel.map((parameter) => [key(parameter), parameter]));
  for (const parameter of operationLevel) merged.set(key(parameter), parameter);
  return [...merged.values()];
}
