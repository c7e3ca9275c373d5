/**
 * (d) Every named example (the `examples` maps of media types, parameters and headers; also a single
 * `example` there) validates against its schema, with the ajv 2020 instance the mock validates JSON
 * bodies with (strict, ajv-formats; vendor `x-*` and OpenAPI-only keywords stripped by `compile`). And
 * the JSON Schema `examples` arrays inside schemas validate against the schema that holds them.
 *
 * The spec is dereferenced first (@readme/openapi-parser, as src/spec/load-spec.ts does), so `$ref`s to
 * components are inlined and an example held by a shared component is checked once.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dereference } from '@readme/openapi-parser';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { builtinProviders } from '../../scripts/providers.ts';
import { parse } from 'yaml';
import { compile, createSchemaCompilers } from '../../src/validation/ajv.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Every built-in provider, from the registry. */
const PROVIDERS = builtinProviders.map((provider) => provider.name);
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

type Obj = Record<string, any>;

const isObject = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);
const escape = (token: string) => token.replaceAll('~', '~0').replaceAll('/', '~1');
const child = (pointer: string, ...tokens: Array<string | number>) =>
  pointer + tokens.map((token) => `/${escape(String(token))}`).join('');

function loadSpec(provider: string): Obj {
  return parse(readFileSync(path.join(repoRoot, 'openapi', `${provider}.yaml`), 'utf8')) as Obj;
}

async function dereferenced(doc: Obj): Promise<Obj> {
  return (await dereference(structuredClone(doc) as never)) as unknown as Obj;
}

interface Result {
  checked: string[];
  problems: string[];
}

function validator(cache: Map<object, ValidateFunction>, schema: unknown): ValidateFunction {
  const key = isObject(schema) ? schema : { schema };
  let validate = cache.get(key);
  if (!validate) {
    validate = compile(createSchemaCompilers().body, schema as never);
    cache.set(key, validate);
  }
  return validate;
}

function check(cache: Map<object, ValidateFunction>, result: Result, schema: unknown, value: unknown, where: string) {
  result.checked.push(where);
  let validate: ValidateFunction;
  try {
    validate = validator(cache, schema);
  } catch (error) {
    result.problems.push(`${where}: schema does not compile: ${(error as Error).message}`);
    return;
  }
  if (!validate(value)) {
    const errors = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim());
    result.problems.push(`${where}: ${errors.join('; ')}`);
  }
}

/** Named examples of media types, parameters and headers, each checked against the schema next to it. */
function namedExamples(doc: Obj): Result {
  const result: Result = { checked: [], problems: [] };
  const cache = new Map<object, ValidateFunction>();
  const seen = new Set<object>();

  const holder = (node: unknown, pointer: string) => {
    if (!isObject(node) || seen.has(node)) return;
    seen.add(node);
    if (node.schema !== undefined) {
      if (node.example !== undefined) check(cache, result, node.schema, node.example, `#${child(pointer, 'example')}`);
      for (const [name, example] of Object.entries((node.examples ?? {}) as Obj)) {
        const where = `#${child(pointer, 'examples', name)}`;
        if (!isObject(example) || !('value' in example)) result.problems.push(`${where}: no value`);
        else check(cache, result, node.schema, example.value, where);
      }
    } else if (node.examples !== undefined || node.example !== undefined) {
      result.problems.push(`#${pointer}: examples without a schema`);
    }
    if (isObject(node.content))
      for (const [mediaType, media] of Object.entries(node.content))
        holder(media, child(pointer, 'content', mediaType));
    if (isObject(node.headers))
      for (const [name, header] of Object.entries(node.headers)) holder(header, child(pointer, 'headers', name));
    if (isObject(node.encoding)) {
      for (const [name, encoding] of Object.entries(node.encoding)) {
        if (isObject(encoding) && isObject(encoding.headers)) {
          for (const [header, value] of Object.entries(encoding.headers))
            holder(value, child(pointer, 'encoding', name, 'headers', header));
        }
      }
    }
  };

  for (const [pathName, pathItem] of Object.entries((doc.paths ?? {}) as Obj)) {
    const pathPointer = child('', 'paths', pathName);
    ((pathItem.parameters ?? []) as unknown[]).forEach((p, i) => holder(p, child(pathPointer, 'parameters', i)));
    for (const method of METHODS) {
      const operation = pathItem[method] as Obj | undefined;
      if (!operation) continue;
      const pointer = child(pathPointer, method);
      ((operation.parameters ?? []) as unknown[]).forEach((p, i) => holder(p, child(pointer, 'parameters', i)));
      if (operation.requestBody) holder(operation.requestBody, child(pointer, 'requestBody'));
      for (const [status, response] of Object.entries((operation.responses ?? {}) as Obj))
        holder(response, child(pointer, 'responses', status));
    }
  }
  const components = (doc.components ?? {}) as Obj;
  for (const kind of ['parameters', 'requestBodies', 'responses', 'headers']) {
    for (const [name, node] of Object.entries((components[kind] ?? {}) as Obj))
      holder(node, child('', 'components', kind, name));
  }
  return result;
}

/** JSON Schema `examples` arrays, each entry checked against the schema that holds it. */
function schemaExamples(doc: Obj): Result {
  const result: Result = { checked: [], problems: [] };
  const cache = new Map<object, ValidateFunction>();
  const seen = new Set<object>();
  const visit = (node: unknown, pointer: string) => {
    if (!isObject(node) || seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node.examples)) {
      node.examples.forEach((value: unknown, i: number) =>
        check(cache, result, node, value, `#${child(pointer, 'examples', i)}`),
      );
    }
    for (const [key, value] of Object.entries(node)) {
      // Named examples (maps) and example values are data, not schemas.
      if (key === 'examples' || key === 'example' || key === 'const' || key === 'enum' || key === 'default') continue;
      if (Array.isArray(value)) value.forEach((item, i) => visit(item, child(pointer, key, i)));
      else visit(value, child(pointer, key));
    }
  };
  visit(doc.components, '/components');
  visit(doc.paths, '/paths');
  return result;
}

describe.each(PROVIDERS)('openapi/%s.yaml examples', (provider) => {
  it('every named example validates against its schema', async () => {
    const { checked, problems } = namedExamples(await dereferenced(loadSpec(provider)));
    expect(checked.length).toBeGreaterThan(0);
    expect(problems, `examples that do not validate:\n${problems.join('\n')}`).toEqual([]);
  });

  it('every schema `examples` entry validates against its schema', async () => {
    const { checked, problems } = schemaExamples(await dereferenced(loadSpec(provider)));
    expect(checked.length).toBeGreaterThan(0);
    expect(problems, `schema examples that do not validate:\n${problems.join('\n')}`).toEqual([]);
  });
});

describe('example checks catch breakage (negative controls)', () => {
  it('an invalid media-type, parameter and header example', async () => {
    const doc = loadSpec('just2trade');
    doc.paths['/auth'].get.responses['200'].content['application/json'].examples.docs.value.domestic = 'yes';
    doc.paths['/connect/authorize'].get.parameters[1].examples.docs.value = '';
    doc.components.headers.CacheControlNoStore.example = 'no-cache';
    doc.components.schemas.Account.properties.account_number.examples.push('');
    const named = namedExamples(await dereferenced(doc));
    expect(named.problems).toEqual([
      '#/paths/~1connect~1authorize/get/parameters/1/examples/docs: / must NOT have fewer than 1 characters',
      '#/paths/~1connect~1token/post/responses/200/headers/Cache-Control/example: / must be equal to constant',
      '#/paths/~1auth/get/responses/200/content/application~1json/examples/docs: /domestic must be boolean',
    ]);
    expect(schemaExamples(await dereferenced(doc)).problems).toEqual([
      '#/components/schemas/Profile/properties/accounts/items/properties/account_number/examples/1: / must NOT have fewer than 1 characters',
    ]);
  });
});
