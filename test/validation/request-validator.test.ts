import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockError, type ValidationIssue } from '../../src/errors.ts';
import { parseForm } from '../../src/http/parse-body.ts';
import { loadSpec, type SpecOperation } from '../../src/spec/load-spec.ts';
import type { SecurityRequirement, SecuritySchemeObject } from '../../src/spec/openapi-types.ts';
import { RequestValidator, type RawParameters } from '../../src/validation/request-validator.ts';
import { createSchemaCompilers } from '../../src/validation/ajv.ts';

/** The ajv instances an app makes; one set serves every validator here. */
const COMPILERS = createSchemaCompilers();

function operation(overrides: Partial<SpecOperation> = {}): SpecOperation {
  return {
    operationId: 'testOp',
    method: 'POST',
    path: '/things/{id}',
    mount: '/test',
    parameters: [],
    responses: { '200': { description: 'ok' } },
    security: [],
    ...overrides,
  };
}

/** What a validator method threw, or undefined. */
function thrownBy(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  return undefined;
}

const locations = (issues: ValidationIssue[]) => issues.map((issue) => `${issue.location} ${issue.message}`);

describe('RequestValidator.parameters', () => {
  const validator = new RequestValidator(
    COMPILERS,
    operation({
      parameters: [
        { name: 'id', in: 'path', required: true, schema: { type: 'integer' } },
        { name: 'name', in: 'query', required: true, schema: { type: 'string' } },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1 } },
        { name: 'flag', in: 'query', schema: { type: 'boolean' } },
        { name: 'tags', in: 'query', schema: { type: 'array', items: { type: 'string' } } },
        { name: 'ids', in: 'query', schema: { type: 'array', items: { type: 'integer' } } },
        { name: 'mode', in: 'query', schema: { type: 'string', enum: ['a', 'b'], example: 'a' } },
        { name: 'X-Trace', in: 'header', required: true, schema: { type: 'string', minLength: 2 } },
        { name: 'session', in: 'cookie', required: true, schema: { type: 'string' } },
      ],
    }),
    {},
  );

  const raw = (query: string, changes: Partial<RawParameters> = {}): RawParameters => ({
    path: { id: '42' },
    query: new URLSearchParams(query),
    headers: { 'x-trace': 'tr-1' },
    ...changes,
  });

  it('picks the declared parameters, coerced to their schema types', () => {
    expect(validator.parameters(raw('name=ann&limit=5&flag=true&tags=x&ids=1&ids=2&mode=b&other=ignored'))).toEqual({
      path: { id: 42 },
      query: { name: 'ann', limit: 5, flag: true, tags: ['x'], ids: [1, 2], mode: 'b' },
      header: { 'X-Trace': 'tr-1' },
    });
  });

  it('leaves out optional parameters that are not sent, and never asks for cookie parameters', () => {
    expect(validator.parameters(raw('name=ann'))).toEqual({
      path: { id: 42 },
      query: { name: 'ann' },
      header: { 'X-Trace': 'tr-1' },
    });
  });

  it.each<[string, RawParameters, string[]]>([
    ['a path value of the wrong type', raw('name=a', { path: { id: 'abc' } }), ['/path/id must be integer']],
    ['a missing path value', raw('name=a', { path: {} }), ['/path/id is required']],
    ['a missing required query value', raw(''), ['/query/name is required']],
    ['a scalar query value sent twice', raw('name=a&name=b'), ['/query/name must be string']],
    ['an integer below its minimum', raw('name=a&limit=0'), ['/query/limit must be >= 1']],
    ['a number that is not an integer', raw('name=a&limit=1.5'), ['/query/limit must be integer']],
    ['a boolean that is not one', raw('name=a&flag=maybe'), ['/query/flag must be boolean']],
    ['an array item of the wrong type', raw('name=a&ids=1&ids=x'), ['/query/ids/1 must be integer']],
    ['a value outside its enum', raw('name=a&mode=c'), ['/query/mode must be one of ["a","b"]']],
    ['a missing required header', raw('name=a', { headers: {} }), ['/header/X-Trace is required']],
    [
      'a header that breaks its schema',
      raw('name=a', { headers: { 'x-trace': 't' } }),
      ['/header/X-Trace must NOT have fewer than 2 characters'],
    ],
    [
      'several violations at once (all reported)',
      raw('limit=0', { path: { id: 'x' }, headers: {} }),
      [
        '/path/id must be integer',
        '/query/name is required',
        '/query/limit must be >= 1',
        '/header/X-Trace is required',
      ],
    ],
  ])('refuses %s with a 400 listing each violation', (_title, request, want) => {
    const error = thrownBy(() => validator.parameters(request));
    expect(error).toBeInstanceOf(MockError);
    const mockError = error as MockError;
    expect(mockError.status).toBe(400);
    expect(mockError.code).toBe('invalid_request');
    expect(locations(mockError.details).sort()).toEqual([...want].sort());
    expect(mockError.message).toContain('The request does not match the spec: ');
    for (const line of want) expect(mockError.message).toContain(line);
  });

  it('reads header parameters by their lower-case name', () => {
    const request = raw('name=a', { headers: { 'X-Trace': 'upper-case key' } });
    expect(locations((thrownBy(() => validator.parameters(request)) as MockError).details)).toEqual([
      '/header/X-Trace is required',
    ]);
  });

  it('validates an operation without parameters to empty groups', () => {
    const bare = new RequestValidator(COMPILERS, operation(), {});
    expect(bare.parameters({ path: {}, query: new URLSearchParams('a=1'), headers: { b: '2' } })).toEqual({
      path: {},
      query: {},
      header: {},
    });
  });
});

describe('RequestValidator.checkSecurity', () => {
  const schemes: Record<string, SecuritySchemeObject> = {
    bearer: { type: 'http', scheme: 'bearer' },
    basic: { type: 'http', scheme: 'basic' },
    headerKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
    queryKey: { type: 'apiKey', in: 'query', name: 'api_key' },
    cookieKey: { type: 'apiKey', in: 'cookie', name: 'sid' },
    oauth: { type: 'oauth2' },
    oidc: { type: 'openIdConnect' },
  };
  const check =
    (security: SecurityRequirement[], headers: Record<string, string | undefined>, query = '') =>
    () =>
      new RequestValidator(COMPILERS, operation({ security }), schemes).checkSecurity(
        headers,
        new URLSearchParams(query),
      );

  it.each<[string, SecurityRequirement[], Record<string, string>, string?]>([
    ['no security at all', [], {}],
    ['optional security (an empty requirement)', [{ bearer: [] }, {}], {}],
    ['a bearer token', [{ bearer: [] }], { authorization: 'Bearer abc' }],
    ['a bearer token, scheme in any case', [{ bearer: [] }], { authorization: 'bEARER abc' }],
    ['a bearer token with extra whitespace', [{ bearer: [] }], { authorization: '  Bearer   abc  ' }],
    ['basic credentials', [{ basic: [] }], { authorization: 'Basic dTpw' }],
    ['an API key header', [{ headerKey: [] }], { 'x-api-key': 'k' }],
    ['an API key query value', [{ queryKey: [] }], {}, 'api_key=k'],
    ['a cookie API key (left to the handler)', [{ cookieKey: [] }], {}],
    ['oauth2 (left to the handler)', [{ oauth: [] }], {}],
    ['openIdConnect (left to the handler)', [{ oidc: [] }], {}],
    ['either of two alternatives: the second', [{ bearer: [] }, { headerKey: [] }], { 'x-api-key': 'k' }],
    [
      'both schemes of one requirement',
      [{ bearer: [], headerKey: [] }],
      { authorization: 'Bearer abc', 'x-api-key': 'k' },
    ],
  ])('lets through %s', (_title, security, headers, query) => {
    expect(check(security, headers, query)).not.toThrow();
  });

  it.each<[string, SecurityRequirement[], Record<string, string>, Record<string, string>, string?]>([
    ['no bearer token', [{ bearer: [] }], {}, { 'WWW-Authenticate': 'Bearer' }],
    [
      'a bearer scheme without credentials',
      [{ bearer: [] }],
      { authorization: 'Bearer' },
      { 'WWW-Authenticate': 'Bearer' },
    ],
    [
      'basic credentials where a bearer token is needed',
      [{ bearer: [] }],
      { authorization: 'Basic dTpw' },
      { 'WWW-Authenticate': 'Bearer' },
    ],
    ['a bearer token where basic is needed', [{ basic: [] }], { authorization: 'Bearer abc' }, {}],
    ['no API key header', [{ headerKey: [] }], { 'x-other': 'k' }, {}],
    ['an empty API key header', [{ headerKey: [] }], { 'x-api-key': '' }, {}],
    ['an API key in the header where the query is declared', [{ queryKey: [] }], { api_key: 'k' }, {}],
    [
      'neither of two alternatives (one of them bearer)',
      [{ headerKey: [] }, { bearer: [] }],
      {},
      { 'WWW-Authenticate': 'Bearer' },
    ],
    [
      'only one half of a requirement',
      [{ bearer: [], headerKey: [] }],
      { authorization: 'Bearer abc' },
      { 'WWW-Authenticate': 'Bearer' },
    ],
    ['a scheme the spec does not define', [{ ghost: [] }], { authorization: 'Bearer abc' }, {}],
  ])('refuses %s with a 401', (_title, security, headers, challenge, query) => {
    const error = thrownBy(check(security, headers, query));
    expect(error).toBeInstanceOf(MockError);
    expect(error).toMatchObject({ status: 401, code: 'unauthorized', details: [] });
    expect((error as MockError).headers).toEqual(challenge);
  });
});

describe('RequestValidator.body', () => {
  const validator = new RequestValidator(
    COMPILERS,
    operation({
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['email'],
              properties: {
                email: { type: 'string', format: 'email' },
                age: { type: 'integer' },
                'x-note': { type: 'string' },
              },
              additionalProperties: false,
              'x-internal': true,
            },
          },
          'application/x-www-form-urlencoded': {
            schema: {
              type: 'object',
              required: ['grant_type'],
              properties: {
                grant_type: { type: 'string', enum: ['password', 'refresh_token'] },
                count: { type: 'integer' },
                remember: { type: 'boolean' },
                scope: { type: 'array', items: { type: 'string' } },
              },
            },
          },
          'text/plain': {},
        },
      },
    }),
    {},
  );

  it('lists the declared media types and whether a body is required', () => {
    expect(validator.bodyMediaTypes).toEqual(['application/json', 'application/x-www-form-urlencoded', 'text/plain']);
    expect(validator.bodyRequired).toBe(true);
    expect(new RequestValidator(COMPILERS, operation({ requestBody: { content: {} } }), {}).bodyRequired).toBe(false);
    expect(
      new RequestValidator(COMPILERS, operation({ requestBody: { required: false, content: {} } }), {}).bodyRequired,
    ).toBe(false);
    expect(new RequestValidator(COMPILERS, operation(), {}).bodyMediaTypes).toEqual([]);
  });

  it.each<[string, string | undefined, unknown, unknown]>([
    ['no body (no media type) as it is', undefined, 'anything', 'anything'],
    ['a JSON body that matches', 'application/json', { email: 'a@b.co', age: 3 }, { email: 'a@b.co', age: 3 }],
    [
      'a property named like a vendor keyword',
      'application/json',
      { email: 'a@b.co', 'x-note': 'n' },
      { email: 'a@b.co', 'x-note': 'n' },
    ],
    [
      'a form body, coercing its values',
      'application/x-www-form-urlencoded',
      parseForm('grant_type=password&count=5&remember=true'),
      { grant_type: 'password', count: 5, remember: true },
    ],
    [
      'a form body with a repeated name as a list',
      'application/x-www-form-urlencoded',
      parseForm('grant_type=password&scope=a&scope=b'),
      { grant_type: 'password', scope: ['a', 'b'] },
    ],
    ['a media type declared without a schema', 'text/plain', 'free text', 'free text'],
    [
      'a media type the operation does not declare (parseBody refuses those earlier)',
      'application/xml',
      '<a/>',
      '<a/>',
    ],
  ])('accepts %s', (_title, mediaType, value, want) => {
    expect(validator.body(mediaType, value)).toEqual(want);
  });

  it('coerces a form body in place and hands back the same object', () => {
    const form = parseForm('grant_type=refresh_token&count=12');
    expect(validator.body('application/x-www-form-urlencoded', form)).toBe(form);
    expect(form.count).toBe(12);
  });

  it.each<[string, string, unknown, string[]]>([
    [
      'a JSON number sent as a string (JSON is never coerced)',
      'application/json',
      { email: 'a@b.co', age: '3' },
      ['/body/age must be integer'],
    ],
    ['a missing required JSON member', 'application/json', { age: 3 }, ['/body/email is required']],
    [
      'a JSON member that breaks its format',
      'application/json',
      { email: 'not-an-email' },
      ['/body/email must match format "email"'],
    ],
    [
      'an undeclared JSON member',
      'application/json',
      { email: 'a@b.co', extra: 1 },
      ["/body must not have property 'extra'"],
    ],
    ['a JSON body of the wrong type', 'application/json', ['a'], ['/body must be object']],
    [
      'a form value outside its enum',
      'application/x-www-form-urlencoded',
      parseForm('grant_type=code'),
      ['/body/grant_type must be one of ["password","refresh_token"]'],
    ],
    [
      'a form value that does not coerce',
      'application/x-www-form-urlencoded',
      parseForm('grant_type=password&count=many'),
      ['/body/count must be integer'],
    ],
    [
      'a form without its required field',
      'application/x-www-form-urlencoded',
      parseForm('count=1'),
      ['/body/grant_type is required'],
    ],
  ])('refuses %s with a 400 located under /body', (_title, mediaType, value, want) => {
    const error = thrownBy(() => validator.body(mediaType, value));
    expect(error).toBeInstanceOf(MockError);
    expect(error).toMatchObject({ status: 400, code: 'invalid_request' });
    expect(locations((error as MockError).details)).toEqual(want);
  });
});

describe('RequestValidator over an operation loaded from a spec file', () => {
  let directory: string;
  let op: SpecOperation;
  let validator: RequestValidator;

  beforeAll(async () => {
    directory = mkdtempSync(path.join(tmpdir(), 'partnermock-request-validator-'));
    const file = path.join(directory, 'tiny.yaml');
    writeFileSync(
      file,
      `openapi: 3.1.0
info: { title: Tiny, version: '1' }
servers:
  - url: http://localhost:4010/tiny
security:
  - bearer: []
paths:
  /items/{itemId}:
    parameters:
      - { name: itemId, in: path, required: true, schema: { type: string } }
      - { name: page, in: query, schema: { type: string } }
    put:
      operationId: putItem
      parameters:
        - { name: itemId, in: path, required: true, schema: { $ref: '#/components/schemas/ItemId' } }
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: '#/components/schemas/Item' }
      responses:
        '204': { description: stored }
components:
  securitySchemes:
    bearer: { type: http, scheme: bearer }
  schemas:
    ItemId: { type: integer, minimum: 1 }
    Item:
      type: object
      required: [label]
      properties:
        label: { type: string, example: Lamp }
`,
    );
    const spec = await loadSpec(file, ['/tiny']);
    op = spec.operations[0]!;
    validator = new RequestValidator(COMPILERS, op, spec.securitySchemes);
  });

  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('checks the document-level bearer requirement', () => {
    const error = thrownBy(() => validator.checkSecurity({}, new URLSearchParams()));
    expect(error).toMatchObject({ status: 401, headers: { 'WWW-Authenticate': 'Bearer' } });
    expect(() => validator.checkSecurity({ authorization: 'Bearer t' }, new URLSearchParams())).not.toThrow();
  });

  it('uses the operation-level path parameter over the path-level one, through its $ref', () => {
    expect(validator.parameters({ path: { itemId: '7' }, query: new URLSearchParams('page=2'), headers: {} })).toEqual({
      path: { itemId: 7 },
      query: { page: '2' },
      header: {},
    });
    const error = thrownBy(() =>
      validator.parameters({ path: { itemId: '0' }, query: new URLSearchParams(), headers: {} }),
    ) as MockError;
    expect(locations(error.details)).toEqual(['/path/itemId must be >= 1']);
  });

  it('checks the $ref body schema', () => {
    expect(validator.body('application/json', { label: 'Lamp' })).toEqual({ label: 'Lamp' });
    const error = thrownBy(() => validator.body('application/json', {})) as MockError;
    expect(locations(error.details)).toEqual(['/body/label is required']);
  });
});
