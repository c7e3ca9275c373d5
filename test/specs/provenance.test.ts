/**
 * (c) Provenance (docs/architecture.md, "Provenance"): every operation, parameter, request body, response, header
 * (under responses and in components), every schema under components/schemas and every schema property,
 * every tag, and every named example that comes from the docs (named `docs…`, or saying it is from the
 * provider documentation) carries `x-provenance` (`documented` or `inferred`) and a non-empty `x-source`;
 * an `x-source` that names a docs page (`<name>.md`) names one that exists in docs/provider-docs. A named
 * `docs…` example is `documented`.
 *
 * `x-inferred` (the keywords a spec adds beyond what the docs state, on an element the docs state): when
 * present it is a non-empty list of distinct keyword names, each present on the same node, none of them an
 * annotation (`description`, `examples`, `x-provenance`...), and it sits only on a `documented` node: a
 * node marked `documented` itself, or the `schema` of a `documented` parameter or header (whose keywords
 * live in its schema).
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
import { builtinProviders } from '../../scripts/providers.ts';
import { parse } from 'yaml';
import { elementsOf } from '../../contracts/support/spec-elements.ts';
import { loadSpec as loadOperations } from '../../src/spec/load-spec.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const docsDir = path.resolve(repoRoot, 'docs/provider-docs');
/** Every built-in provider, from the registry. */
const PROVIDERS = builtinProviders.map((provider) => provider.name);
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const PROVENANCE = new Set(['documented', 'inferred']);
const DOCS_PAGE = /^[a-z0-9]+(-[a-z0-9]+)*\.md$/;

type Obj = Record<string, any>;

function loadSpec(provider: string): Obj {
  return parse(readFileSync(path.join(repoRoot, 'openapi', `${provider}.yaml`), 'utf8')) as Obj;
}

const isObject = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);
const escape = (token: string) => token.replaceAll('~', '~0').replaceAll('/', '~1');
const child = (pointer: string, ...tokens: Array<string | number>) =>
  pointer + tokens.map((token) => `/${escape(String(token))}`).join('');

/** Subschema keywords whose value is one schema, a list of schemas, or a map of names to schemas. */
const SINGLE = [
  'items',
  'additionalProperties',
  'unevaluatedProperties',
  'unevaluatedItems',
  'contains',
  'propertyNames',
  'not',
  'if',
  'then',
  'else',
];
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
    if (!PROVENANCE.has(provenance))
      problems.push(`#${pointer} (${what}): x-provenance is ${JSON.stringify(provenance)}`);
    if (typeof source !== 'string' || source.trim() === '') {
      problems.push(`#${pointer} (${what}): x-source is ${JSON.stringify(source)}`);
    } else if (source.endsWith('.md') && (!DOCS_PAGE.test(source) || !existsSync(path.join(docsDir, source)))) {
      problems.push(`#${pointer} (${what}): x-source ${source} is not a file in docs/provider-docs`);
    }
  };

  const schema = (node: unknown, pointer: string, isProperty: boolean, what = 'property') => {
    if (isProperty) marks(node, pointer, what);
    if (!isObject(node) || '$ref' in node) return; // boolean schema, or checked at its definition
    for (const key of PROPERTY_MAPS) {
      if (isObject(node[key]))
        for (const [name, sub] of Object.entries(node[key])) schema(sub, child(pointer, key, name), true);
    }
    for (const key of SINGLE) if (isObject(node[key])) schema(node[key], child(pointer, key), false);
    for (const key of LISTS) {
      if (Array.isArray(node[key]))
        (node[key] as unknown[]).forEach((sub, i) => schema(sub, child(pointer, key, i), false));
    }
    for (const key of MAPS) {
      if (isObject(node[key]))
        for (const [name, sub] of Object.entries(node[key])) schema(sub, child(pointer, key, name), false);
    }
  };

  const content = (node: unknown, pointer: string) => {
    if (!isObject(node)) return;
    for (const [mediaType, media] of Object.entries(node)) {
      if (!isObject(media)) continue;
      if (media.schema !== undefined) schema(media.schema, child(pointer, mediaType, 'schema'), false);
      if (isObject(media.encoding)) {
        for (const [name, encoding] of Object.entries(media.encoding)) {
          if (isObject(encoding) && isObject(encoding.headers))
            headers(encoding.headers, child(pointer, mediaType, 'encoding', name, 'headers'));
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
    if (Array.isArray(list))
      list.forEach((parameter, i) => parameterOrHeader(parameter, child(pointer, i), 'parameter'));
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
      for (const [status, res] of Object.entries((operation.responses ?? {}) as Obj))
        response(res, child(pointer, 'responses', status));
    }
  }

  const components = (doc.components ?? {}) as Obj;
  for (const [name, node] of Object.entries((components.schemas ?? {}) as Obj))
    schema(node, child('', 'components', 'schemas', name), true, 'schema');
  for (const [name, node] of Object.entries((components.parameters ?? {}) as Obj))
    parameterOrHeader(node, child('', 'components', 'parameters', name), 'parameter');
  for (const [name, node] of Object.entries((components.requestBodies ?? {}) as Obj))
    requestBody(node, child('', 'components', 'requestBodies', name));
  for (const [name, node] of Object.entries((components.responses ?? {}) as Obj))
    response(node, child('', 'components', 'responses', name));
  if (isObject(components.headers)) headers(components.headers, child('', 'components', 'headers'));

  (Array.isArray(doc.tags) ? (doc.tags as unknown[]) : []).forEach((tag, i) => marks(tag, child('', 'tags', i), 'tag'));
  for (const { pointer, name, example } of namedExamples(doc)) {
    if (!claimsDocs(name, example)) continue;
    marks(example, pointer, 'docs example');
    if (/^docs/i.test(name) && isObject(example) && example['x-provenance'] === 'inferred') {
      problems.push(`#${pointer} (docs example): named ${name} but x-provenance is "inferred"`);
    }
  }
  problems.push(...inferredKeywordProblems(doc));

  return problems;
}

/** Every named example (media types, parameters, headers, components/examples) with its JSON pointer. */
function namedExamples(doc: Obj): Array<{ pointer: string; name: string; example: unknown }> {
  const found: Array<{ pointer: string; name: string; example: unknown }> = [];
  const walk = (node: unknown, pointer: string, parentKey: string | undefined) => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, child(pointer, i), undefined));
      return;
    }
    if (!isObject(node)) return;
    for (const [key, value] of Object.entries(node)) {
      // Named examples are a map under `examples` of a media type, parameter or header (not a schema's
      // `examples` list, and not a property called `examples` inside `properties`).
      if (key === 'examples' && isObject(value) && parentKey !== 'properties') {
        for (const [name, example] of Object.entries(value))
          found.push({ pointer: child(pointer, key, name), name, example });
        continue;
      }
      walk(value, child(pointer, key), key);
    }
  };
  walk(doc.paths, child('', 'paths'), undefined);
  walk(doc.components, child('', 'components'), undefined);
  return found;
}

/** An example that says it comes from the docs: named `docs…`, or its summary/description says so. */
function claimsDocs(name: string, example: unknown): boolean {
  if (/^docs/i.test(name)) return true;
  if (!isObject(example)) return false;
  const text = `${example.summary ?? ''} ${example.description ?? ''}`;
  return /provider documentation|verbatim from the docs|from the docs\b/i.test(text);
}

/** Keys that are annotations, never an added constraint. */
const ANNOTATIONS = new Set([
  'description',
  'summary',
  'title',
  'examples',
  'example',
  'x-provenance',
  'x-source',
  'x-inferred',
  '$comment',
]);

/** The `schema` of a parameter (in an operation, a path item or components) or of a header. */
const PARAMETER_OR_HEADER_SCHEMA = /\/(parameters\/[^/]+|headers\/[^/]+)\/schema$/;

/** Every misplaced or malformed `x-inferred` in the document. */
function inferredKeywordProblems(doc: Obj): string[] {
  const problems: string[] = [];
  const walk = (node: unknown, pointer: string, parent: unknown) => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, child(pointer, i), node));
      return;
    }
    if (!isObject(node)) return;
    if ('x-inferred' in node) {
      const listed = node['x-inferred'];
      const provenance =
        node['x-provenance'] ??
        // A parameter's or header's keywords live in its schema; its provenance is on the parameter or header.
        (PARAMETER_OR_HEADER_SCHEMA.test(pointer) && isObject(parent) ? parent['x-provenance'] : undefined);
      if (!Array.isArray(listed) || listed.length === 0 || !listed.every((item) => typeof item === 'string')) {
        problems.push(
          `#${pointer}: x-inferred must be a non-empty list of keyword names, is ${JSON.stringify(listed)}`,
        );
      } else {
        if (new Set(listed).size !== listed.length)
          problems.push(`#${pointer}: x-inferred lists a keyword twice: ${JSON.stringify(listed)}`);
        for (const keyword of listed as string[]) {
          if (ANNOTATIONS.has(keyword))
            problems.push(`#${pointer}: x-inferred lists ${keyword}, an annotation, not an added constraint`);
          else if (!(keyword in node))
            problems.push(`#${pointer}: x-inferred lists ${keyword}, which is not on this node`);
        }
      }
      if (provenance !== 'documented') {
        problems.push(
          `#${pointer}: x-inferred on a node that is not documented (x-provenance ${JSON.stringify(provenance)}); an inferred element needs no x-inferred`,
        );
      }
    }
    for (const [name, value] of Object.entries(node)) walk(value, child(pointer, name), node);
  };
  walk(doc, '', undefined);
  return problems;
}

describe('provenance: x-provenance and x-source everywhere', () => {
  it('the docs folder is where the check looks', () => {
    expect(existsSync(path.join(docsDir, 'README.md')), `${docsDir} not found`).toBe(true);
  });

  it.each(PROVIDERS)('openapi/%s.yaml', (provider) => {
    const problems = provenanceProblems(loadSpec(provider));
    expect(problems, `places without valid provenance in openapi/${provider}.yaml:\n${problems.join('\n')}`).toEqual(
      [],
    );
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
    doc.components.schemas.Application.properties.status['x-source'] = 'just2trade-nowhere.md'; // no such page
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
      '#/components/schemas/Application/properties/status (property): x-source just2trade-nowhere.md is not a file in docs/provider-docs',
      '#/components/responses/TokenBadRequest (response): x-provenance is undefined',
      '#/components/headers/Location (header): x-source is undefined',
      '#/components/schemas/Account: x-inferred on a node that is not documented (x-provenance undefined); an inferred element needs no x-inferred',
    ]);
  });
});

describe('tags, docs examples and x-inferred are checked (negative controls)', () => {
  it('reports each problem at its place', () => {
    const doc = loadSpec('b2copy');
    delete doc.tags[0]['x-provenance']; // tag
    const signIn = doc.paths['/api/v2/signin'].post;
    delete signIn.requestBody.content['application/json'].examples.docs['x-source']; // docs example
    signIn.responses['200'].content['application/json'].examples.docs['x-provenance'] = 'inferred'; // docs example not documented
    const email = doc.components.schemas.SignInRequest.properties.email;
    email['x-provenance'] = 'inferred'; // x-inferred on an inferred node
    email['x-inferred'] = ['format', 'maxLength', 'description']; // not on the node; an annotation
    doc.components.schemas.Token.properties.token['x-inferred'] = []; // empty
    doc.components.schemas.Token.properties.createdAt['x-inferred'] = ['format', 'format']; // twice
    expect(provenanceProblems(doc)).toEqual([
      '#/tags/0 (tag): x-provenance is undefined',
      '#/paths/~1api~1v2~1signin/post/requestBody/content/application~1json/examples/docs (docs example): x-source is undefined',
      '#/paths/~1api~1v2~1signin/post/responses/200/content/application~1json/examples/docs (docs example): named docs but x-provenance is "inferred"',
      '#/components/schemas/SignInRequest/properties/email: x-inferred lists maxLength, which is not on this node',
      '#/components/schemas/SignInRequest/properties/email: x-inferred lists description, an annotation, not an added constraint',
      '#/components/schemas/SignInRequest/properties/email: x-inferred on a node that is not documented (x-provenance "inferred"); an inferred element needs no x-inferred',
      '#/components/schemas/Token/properties/token: x-inferred must be a non-empty list of keyword names, is []',
      '#/components/schemas/Token/properties/createdAt: x-inferred lists a keyword twice: ["format","format"]',
    ]);
  });

  it('a parameter schema takes its provenance from the parameter', () => {
    const doc = loadSpec('just2trade');
    const parameters = doc.paths['/connect/authorize'].get.parameters as Obj[];
    const index = parameters.findIndex((p) => p.name === 'redirect_uri');
    expect(provenanceProblems(doc)).toEqual([]);
    parameters[index]!['x-provenance'] = 'inferred';
    expect(provenanceProblems(doc)).toEqual([
      `#/paths/~1connect~1authorize/get/parameters/${index}/schema: x-inferred on a node that is not documented (x-provenance "inferred"); an inferred element needs no x-inferred`,
    ]);
  });

  it('a docs example is recognised by its name or by saying it is from the provider documentation', () => {
    const doc = loadSpec('keeta');
    const examples = doc.paths['/oauth/authorization/url'].get.responses['200'].content['application/json'].examples;
    examples.fromPage = { summary: 'Example from the provider documentation', value: examples.docs.value };
    examples.ours = { summary: 'Our own example', value: examples.docs.value };
    expect(provenanceProblems(doc)).toEqual([
      '#/paths/~1oauth~1authorization~1url/get/responses/200/content/application~1json/examples/fromPage (docs example): x-provenance is undefined',
      '#/paths/~1oauth~1authorization~1url/get/responses/200/content/application~1json/examples/fromPage (docs example): x-source is undefined',
    ]);
  });
});

describe('what the docs state is documented, what the spec adds is listed in x-inferred', () => {
  // These checks name specific fields of the three providers' specs.
  const specs = { b2copy: loadSpec('b2copy'), keeta: loadSpec('keeta'), just2trade: loadSpec('just2trade') };
  const marksOf = (node: Obj) => ({ provenance: node['x-provenance'], inferred: node['x-inferred'] });

  it.each([
    ['b2copy', '/components/schemas/SignInRequest/properties/email', ['format', 'minLength']],
    ['b2copy', '/components/schemas/SignInRequest/properties/password', ['minLength']],
    ['b2copy', '/components/schemas/TokenPair/properties/2faRequired', ['const']],
    ['b2copy', '/components/schemas/Token/properties/token', ['pattern']],
    ['b2copy', '/components/schemas/Token/properties/createdAt', ['format']],
    ['b2copy', '/components/schemas/Token/properties/expiresAt', ['format']],
    ['b2copy', '/components/schemas/AuthUrlData/properties/url', ['format']],
    ['b2copy', '/components/schemas/ExternalCrmAuthRequest/properties/external_token', ['minLength', 'pattern']],
    [
      'keeta',
      '/components/schemas/AuthorizationUrlResponse/properties/merchantAuthorizationUrl',
      ['format', 'pattern', 'minLength'],
    ],
    ['keeta', '/components/schemas/AuthorizationCallback/properties/timestamp', ['pattern']],
    ['keeta', '/components/schemas/AuthorizationCallback/properties/authId', ['minLength']],
    ['keeta', '/components/schemas/Problem/properties/status', ['minimum', 'maximum']],
    ['just2trade', '/components/schemas/Profile/properties/email', ['format']],
    ['just2trade', '/components/schemas/Profile/properties/id', ['format']],
    ['just2trade', '/components/headers/Location/schema', ['format']],
  ] as const)('%s %s: documented, x-inferred %j', (provider, pointer, keywords) => {
    const node = pointer
      .slice(1)
      .split('/')
      .reduce<any>((value, token) => value?.[token], specs[provider]);
    const owner = pointer.endsWith('/schema')
      ? pointer
          .slice(1)
          .split('/')
          .slice(0, -1)
          .reduce<any>((value, token) => value?.[token], specs[provider])
      : node;
    expect({ provenance: owner['x-provenance'], inferred: node['x-inferred'] }).toEqual({
      provenance: 'documented',
      inferred: keywords,
    });
  });

  it('Keeta redirectUri and Just2Trade redirect_uri are documented parameters with an inferred format', () => {
    const redirectUri = specs.keeta.paths['/oauth/authorization/url'].get.parameters.find(
      (p: Obj) => p.name === 'redirectUri',
    );
    expect({ ...marksOf(redirectUri), schema: redirectUri.schema['x-inferred'] }).toEqual({
      provenance: 'documented',
      inferred: undefined,
      schema: ['format', 'pattern'],
    });
    const redirect_uri = specs.just2trade.paths['/connect/authorize'].get.parameters.find(
      (p: Obj) => p.name === 'redirect_uri',
    );
    expect({ ...marksOf(redirect_uri), schema: redirect_uri.schema['x-inferred'] }).toEqual({
      provenance: 'documented',
      inferred: undefined,
      schema: ['format'],
    });
  });

  it('what the docs do not state stays inferred', () => {
    expect(
      specs.keeta.paths['/oauth/authorization/url'].get.parameters.find((p: Obj) => p.name === 'state')['x-provenance'],
    ).toBe('inferred');
    expect(specs.b2copy.components.schemas.RefreshTokenRequest.properties.refresh_token['x-provenance']).toBe(
      'inferred',
    );
    expect(specs.b2copy.components.schemas.TwoFactorRequired.properties['2faRequired']['x-provenance']).toBe(
      'inferred',
    );
    expect(specs.just2trade.components.schemas.TokenRequest.properties.redirect_uri['x-provenance']).toBe('inferred');
  });

  it('Just2Trade: response_type is required; client_id is required in the form unless the client uses HTTP Basic', () => {
    const authorize = specs.just2trade.paths['/connect/authorize'].get;
    expect(authorize.parameters.find((p: Obj) => p.name === 'response_type').required).toBe(true);
    const tokenRequest = specs.just2trade.components.schemas.TokenRequest;
    const [documented, basic] = tokenRequest.allOf[0].anyOf as Obj[];
    expect(documented!.required).toEqual(['client_id']);
    expect(basic!['x-security']).toBe('clientSecretBasic');
    expect(basic!.required).toBeUndefined();
    expect(Object.keys(specs.just2trade.components.securitySchemes)).toContain(basic!['x-security']);
    expect(specs.just2trade.paths['/connect/token'].post.security).toContainEqual({ clientSecretBasic: [] });
  });

  it('B2COPY: every request body is read as JSON whatever its Content-Type, in a form tools can read', () => {
    for (const [pathName, pathItem] of Object.entries(specs.b2copy.paths as Obj)) {
      const body = pathItem.post?.requestBody;
      if (!body?.content?.['application/json']) continue;
      expect(body['x-json-with-any-content-type'], pathName).toBe(true);
      expect(body.description, pathName).toMatch(/--data-raw/);
      expect(body.description, pathName).toMatch(/application\/x-www-form-urlencoded/);
      // Inferred from the docs' curl examples: named in x-inferred of a documented body, or the body is inferred.
      if (body['x-provenance'] === 'documented')
        expect(body['x-inferred'], pathName).toContain('x-json-with-any-content-type');
      else expect(body['x-provenance'], pathName).toBe('inferred');
    }
  });
});

describe('the contract coverage counts what the docs state as documented (contracts/support/spec-elements.ts)', () => {
  async function provenanceByKey(provider: string): Promise<Map<string, string>> {
    const files = builtinProviders.find((candidate) => candidate.name === provider)!;
    const spec = await loadOperations(files.spec, files.mounts);
    const elements = spec.operations.flatMap((operation) =>
      elementsOf(operation, spec.document.paths?.[operation.path]?.[operation.method.toLowerCase() as 'get']),
    );
    return new Map(elements.map((element) => [element.key, element.provenance]));
  }

  it.each([
    // Documented, though the spec adds a format/pattern/const (x-inferred).
    ['b2copy', 'signIn 200 body/accessToken/createdAt', 'documented'],
    ['b2copy', 'signIn 200 body/accessToken/token', 'documented'],
    ['b2copy', 'getAuthUrl 200 body/data/url', 'documented'],
    // In a oneOf of the documented token pair and our 2FA answer: documented.
    ['b2copy', 'signIn 200 body/2faRequired', 'documented'],
    // The same documented schemas reused where the shape is ours: inferred.
    ['b2copy', 'authExternalCrm 200 body/accessToken/token', 'inferred'],
    ['b2copy', 'refreshToken 200 body/refreshToken', 'inferred'],
    ['b2copy', 'signIn 400 body/meta/status', 'inferred'],
    ['keeta', 'getAuthorizationUrl query:redirectUri', 'documented'],
    ['keeta', 'getAuthorizationUrl 200 body/merchantAuthorizationUrl', 'documented'],
    ['keeta', 'getAuthorizationUrl 401 body/status', 'documented'],
    ['keeta', 'getAuthorizationUrl 401 body/detail', 'inferred'],
    ['keeta', 'getAuthorizationUrl 400 body/title', 'inferred'],
    ['just2trade', 'authorize query:redirect_uri', 'documented'],
    ['just2trade', 'authorize 302 header:location', 'documented'],
    ['just2trade', 'getProfile 200 body/email', 'documented'],
    ['just2trade', 'getProfile 200 body/accounts/*/trade_platform', 'documented'],
    ['just2trade', 'requestToken 401 header:www-authenticate', 'inferred'],
  ])('%s %s: %s', async (provider, key, provenance) => {
    expect((await provenanceByKey(provider)).get(key)).toBe(provenance);
  });
});
