/**
 * The ajv instances the harness compiles every schema with. Each schema is compiled once, on its
 * operation's first use (see provider-runtime.ts), never per request.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ValidationIssue } from '../errors.ts';
import type { JsonSchema } from '../spec/openapi-types.ts';

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule) as unknown as (ajv: Ajv2020) => Ajv2020;

/** OpenAPI annotation keywords that are not JSON Schema; stripped before compiling. */
const OPENAPI_ONLY_KEYWORDS: ReadonlySet<string> = new Set(['example', 'discriminator', 'xml', 'externalDocs']);

function createAjv(coerceTypes: boolean, useDefaults = false): Ajv2020 {
  const ajv = new Ajv2020({
    allErrors: true,
    coerceTypes,
    useDefaults,
    // Unknown keywords are errors (a typo like `requird` must not pass silently); the OpenAPI and
    // vendor keywords are removed by `toJsonSchema` first.
    strictSchema: true,
    strictTypes: false,
    strictRequired: false,
    strictTuples: false,
    validateFormats: true,
    // Not checked against the JSON Schema meta-schema on every compile: compiling that costs the first
    // request tens of milliseconds, and the specs are validated in the test suite and at build.
    validateSchema: false,
  });
  addFormats(ajv);
  return ajv;
}

/**
 * The three ajv instances one mock app compiles with. Made per app and dropped with it: an ajv instance
 * caches every schema it compiled, so one at module level would grow with every app a process creates.
 */
export interface SchemaCompilers {
  /** For JSON bodies: types must be right as sent. */
  body: Ajv2020;
  /** For path, query, header and form values, which arrive as strings and are coerced to the declared type. */
  param: Ajv2020;
  /** For fixture items added through the control API: the collection schema's defaults fill what is left out. */
  fixture: Ajv2020;
}

export function createSchemaCompilers(): SchemaCompilers {
  return { body: createAjv(false), param: createAjv(true), fixture: createAjv(false, true) };
}

/** A compilable JSON Schema from an OpenAPI schema object: vendor (`x-*`) and OpenAPI-only keywords removed. */
export function toJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (schema === null || typeof schema !== 'object') return schema;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('x-') || OPENAPI_ONLY_KEYWORDS.has(key)) continue;
    if (VALUE_KEYWORDS.has(key)) result[key] = value;
    else if (SCHEMA_MAP_KEYWORDS.has(key) && value && typeof value === 'object') {
      // These hold names (a property called `example` is a property, not a keyword): keep every key.
      result[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, toJsonSchema(sub)]));
    } else result[key] = toJsonSchema(value);
  }
  return result;
}

/** Keywords whose value is data, not a schema: copied as they are. */
const VALUE_KEYWORDS: ReadonlySet<string> = new Set(['examples', 'const', 'enum', 'default', 'required']);
/** Keywords whose value maps names to schemas. */
const SCHEMA_MAP_KEYWORDS: ReadonlySet<string> = new Set([
  'properties',
  'patternProperties',
  '$defs',
  'dependentSchemas',
]);

export function compile(ajv: Ajv2020, schema: JsonSchema): ValidateFunction {
  return ajv.compile(toJsonSchema(schema) as JsonSchema);
}

/** ajv errors as issues, each located under `prefix` (e.g. `/body`). */
export function toIssues(errors: ErrorObject[] | null | undefined, prefix: string): ValidationIssue[] {
  return (errors ?? []).map((error) => {
    if (error.keyword === 'required') {
      // Located at the missing member itself: `/body/email is required`.
      return {
        location: `${prefix}${error.instancePath}/${String(error.params.missingProperty)}`,
        message: 'is required',
        schemaPath: error.schemaPath,
      };
    }
    let message = error.message ?? 'is invalid';
    if (error.keyword === 'additionalProperties')
      message = `must not have property '${String(error.params.additionalProperty)}'`;
    if (error.keyword === 'enum') message = `must be one of ${JSON.stringify(error.params.allowedValues)}`;
    if (error.keyword === 'const') message = `must be ${JSON.stringify(error.params.allowedValue)}`;
    return { location: `${prefix}${error.instancePath}`, message, schemaPath: error.schemaPath };
  });
}
