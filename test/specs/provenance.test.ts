/**
 * (c) Provenance (DESIGN.md, "Provenance"): every operation, parameter, request body, response, header
 * (under responses and in components), every schema under components/schemas and every schema property
 * carries `x-provenance` (`documented` or `inferred`) and a non-empty `x-source`; an `x-source` that names
 * a seeds page (NNN_hex.txt) names one that exists in docs/provider-docs.
 *
 * Schemas are walked recursively through properties, items, oneOf/anyOf/allOf (and the other subschema
 * keywords) to reach nested properties; a `$ref` is not followed, the referenced element is checked once
 * at its definition. Composition branches and `items` themselves need no marks (they are parts of the
 * schema that carries them); a property that is a `$ref` needs its own marks, since whether the field
 * belongs to this object is a claim of its own.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const seedsDir = path.resolve(repoRoot, 'docs/provider-docs');
const PROVIDERS = ['b2copy', 'keeta', 'just2trade'] as const;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const PROVENANCE = new Set(['documented', 'inferred']);
const SEED_FILE = /^\d{3}_[0-9a-f]+\.txt$/;

type Obj = Record<string, any>;

function loadSpec(provider: string): Obj {
  return parse(readFileSync(path.join(repoRoot, 'openapi', `${provider}.yaml`), 'utf8')) as Obj;
}

const isObject = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);
const escape = (token: string) => token.replaceAll('~', '~0').replaceAll('/', '~1');
const child = (pointer: string, ...tokens: Array<string | number>) =>
  pointer + tokens.map((token) => `/${escape(String(token))}`).join('');

/** Subschema keywords whose value is one schema, a list of schemas, or a map of names to schemas. */
const SINGLE = ['items', 'additionalProperties', 'unevaluatedProperties', 'unevaluatedItems', 'contains', 'propertyNames', 'not', 'if', 'then', 'else'];
const LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
const MAPS = ['$defs', 'dependentSchemas'];
const PROPERTY_MAPS = ['properties', 'patternProperties'];

/** Every place (JSON pointer) that lacks valid provenance marks, with the reason. */
function provenanceProblems(doc: Obj): string[] {
  const problems: string[] = [];

  const marks = (node: unknown, pointer: string, what: string) => {
    if (!isObject(node)) {
      problems.push(`#${pointer} (${what}): not an object`);
      return;
    }
    const provenance = node['x-provenance'];
    const source = node['x-source'];
    if (!PROVENANCE.has(provenance)) problems.push(`#${pointer} (${what}): x-provenance is ${JSON.stringify(provenance)}`);
    if (typeof source !== 'string' || source.trim() === '') {
      problems.push(`#${pointer} (${what}): x-source is ${JSON.stringify(source)}`);
    } else if (source.endsWith('.txt') && (!SEED_FILE.test(source) || !existsSync(path.join(seedsDir, source)))) {
      problems.push(`#${pointer} (${what}): x-source ${source} is not a file in docs/provider-docs`);
    }
  };

  const schema = (node: unknown, pointer: string, isProperty: boolean, what = 'property') => {
    if (isProperty) marks(node, pointer, what);
    if (!isObject(node) || '$ref' in node) return; // boolean schema, or checked at its definition
    for (const key of PROPERTY_MAPS) {
      if (isObject(node[key])) for (const [name, sub] of Object.entries(node[key])) schema(sub, child(pointer, key, name), true);
    }
    for (const key of SINGLE) if (isObject(node[key])) schema(node[key], child(pointer, key), false);
    for (const key of LISTS) {
      if (Array.isArray(node[key])) (node[key] as unknown[]).forEach((sub, i) => schema(sub, child(pointer, key, i), false));
    }
    for (const key of MAPS) {
      if (isObject(node[key])) for (const [name, sub] of Object.entries(node[key])) schema(sub, child(pointer, key, name), false);
    }
  };

  const content = (node: unknown, pointer: string) => {
    if (!isObject(node)) return;
    for (const [mediaType, media] of Object.entries(node)) {
      if (!isObject(media)) continue;
      if (media.schema !== undefined) schema(media.schema, child(pointer, mediaType, 'schema'), false);
      if (isObject(media.encoding)) {
        for (const [name, encoding] of Object.entries(media.encoding)) {
          if (isObject(encoding) && isObject(encoding.headers)) headers(encoding.headers, child(pointer, mediaType, 'encoding', name, 'headers'));
        }
      }
    }
  };

  const parameterOrHeader = (node: unknown, pointer: string, what: string) => {
    if (isObject(node) && '$ref' in node) return;
    marks(node, pointer, what);
    if (!isObject(node)) return;
    if (node.schema !== undefined) schema(node.schema, child(pointer, 'schema'), false);
    content(node.content, child(pointer, 'content'));
  };

  const headers = (node: Obj, pointer: string) => {
    for (const [name, header] of Object.entries(node)) parameterOrHeader(header, child(pointer, name), 'header');
  };

  const requestBody = (node: unknown, pointer: string) => {
    if (isObject(node) && '$ref' in node) return;
    marks(node, pointer, 'requestBody');
    if (isObject(node)) content(node.content, child(pointer, 'content'));
  };

  const response = (node: unknown, pointer: string) => {
    if (isObject(node) && '$ref' in node) return;
    marks(node, pointer, 'response');
    if (!isObject(node)) return;
    if (isObject(node.headers)) headers(node.headers, child(pointer, 'headers'));
    content(node.content, child(pointer, 'content'));
  };

  const parameters = (list: unknown, pointer: string) => {
    if (Array.isArray(list)) list.forEach((parameter, i) => parameterOrHeader(parameter, child(pointer, i), 'parameter'));
  };

  for (const [pathName, pathItem] of Object.entries((doc.paths ?? {}) as Obj)) {
    if (!isObject(pathItem)) continue;
    const pathPointer = child('', 'paths', pathName);
    parameters(pathItem.parameters, child(pathPointer, 'parameters'));
    for (const method of METHODS) {
      const operation = pathItem[method];
      if (operation === undefined) continue;
      const pointer = child(pathPointer, method);
      marks(operation, pointer, 'operation');
      if (!isObject(operation)) continue;
      parameters(operation.parameters, child(pointer, 'parameters'));
      if (operation.requestBody !== undefined) requestBody(operation.requestBody, child(pointer, 'requestBody'));
      for (const [status, res] of Object.entries((operation.responses ?? {}) as Obj)) response(res, child(pointer, 'responses', status));
    }
  }

  const components = (doc.components ?? {}) as Obj;
  for (const [name, node] of Object.entries((components.schemas ?? {}) as Obj)) schema(node, child('', 'components', 'schemas', name), true, 'schema');
  for (const [name, node] of Object.entries((components.parameters ?? {}) as Obj)) parameterOrHeader(node, child('', 'components', 'parameters', name), 'parameter');
  for (const [name, node] of Object.entries((components.requestBodies ?? {}) as Obj)) requestBody(node, child('', 'components', 'requestBodies', name));
  for (const [name, node] of Object.entries((components.responses ?? {}) as Obj)) response(node, child('', 'components', 'responses', name));
  if (isObject(components.headers)) headers(components.headers, child('', 'components', 'headers'));

  return problems;
}

describe('provenance: x-provenance and x-source everywhere', () => {
  it('the seeds folder is where the check looks', () => {
    expect(existsSync(path.join(seedsDir, 'README.md')), `${seedsDir} not found`).toBe(true);
  });

  it.each(PROVIDERS)('openapi/%s.yaml', (provider) => {
    const problems = provenanceProblems(loadSpec(provider));
    expect(problems, `places without valid provenance in openapi/${provider}.yaml:\n${problems.join('\n')}`).toEqual([]);
  });
});

describe('provenance check catches breakage (negative controls)', () => {
  it('missing and invalid marks, at every kind of place, all reported at once', () => {
    const doc = loadSpec('just2trade');
    const authorize = doc.paths['/connect/authorize'].get;
    delete authorize['x-provenance']; // operation
    authorize.parameters[0]['x-provenance'] = 'guessed'; // parameter
    delete doc.paths['/connect/token'].post.requestBody['x-source']; // request body
    doc.paths['/auth'].get.responses['200']['x-source'] = ''; // response
    delete doc.components.responses.TokenBadRequest['x-provenance']; // component response
    delete doc.components.headers.Location['x-source']; // component header
    delete doc.components.schemas.Account['x-provenance']; // component schema
    delete doc.components.schemas.Account.properties.trade_platform['x-source']; // property
    delete doc.components.schemas.Profile.properties.application['x-provenance']; // $ref property
    doc.components.schemas.Application.properties.status['x-source'] = '004_0000000000000000.txt'; // no such seed
    doc.components.schemas.Profile.properties.accounts.items = {
      type: 'object',
      properties: { nested: { type: 'string' } }, // a property reached through items
    };
    doc.components.schemas.OAuthError.oneOf = [{ properties: { branch: { type: 'string' } } }]; // through oneOf
    expect(provenanceProblems(doc)).toEqual([
      '#/paths/~1connect~1authorize/get (operation): x-provenance is undefined',
      '#/paths/~1connect~1authorize/get/parameters/0 (parameter): x-provenance is "guessed"',
      '#/paths/~1connect~1token/post/requestBody (requestBody): x-source is undefined',
      '#/paths/~1auth/get/responses/200 (response): x-source is ""',
      '#/components/schemas/OAuthError/oneOf/0/properties/branch (property): x-provenance is undefined',
      '#/components/schemas/OAuthError/oneOf/0/properties/branch (property): x-source is undefined',
      '#/components/schemas/Profile/properties/accounts/items/properties/nested (property): x-provenance is undefined',
      '#/components/schemas/Profile/properties/accounts/items/properties/nested (property): x-source is undefined',
      '#/components/schemas/Profile/properties/application (property): x-provenance is undefined',
      '#/components/schemas/Account (schema): x-provenance is undefined',
      '#/components/schemas/Account/properties/trade_platform (property): x-source is undefined',
      '#/components/schemas/Application/properties/status (property): x-source 004_0000000000000000.txt is not a file in docs/provider-docs',
      '#/components/responses/TokenBadRequest (response): x-provenance is undefined',
      '#/components/headers/Location (header): x-source is undefined',
    ]);
  });
});
