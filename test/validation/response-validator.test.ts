import { describe, expect, it } from 'vitest';
import type { ValidationIssue } from '../../src/errors.ts';
import type { SpecOperation } from '../../src/spec/load-spec.ts';
import type { ResponseObject } from '../../src/spec/openapi-types.ts';
import {
  ResponseValidator,
  declaredResponse,
  parseJsonOrText,
  type ResponseToCheck,
} from '../../src/validation/response-validator.ts';
import { createSchemaCompilers } from '../../src/validation/ajv.ts';

/** The ajv instances an app makes; one set serves every validator here. */
const COMPILERS = createSchemaCompilers();

const TOKEN = {
  type: 'object',
  required: ['token'],
  properties: { token: { type: 'string', minLength: 1, example: 'abc' }, expiresIn: { type: 'integer' } },
  additionalProperties: false,
};
const PROBLEM = { type: 'object', required: ['title'], properties: { title: { type: 'string' } } };
const OAUTH_ERROR = {
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'string', enum: ['invalid_token'] } },
};

const RESPONSES: Record<string, ResponseObject> = {
  '200': {
    description: 'token',
    headers: {
      'X-Rate-Limit': { required: true, schema: { type: 'integer' } },
      'X-Optional': { schema: { type: 'string' } },
    },
    content: { 'application/json': { schema: TOKEN } },
  },
  '201': { description: 'page', content: { 'text/*': { schema: { type: 'string', minLength: 3 } } } },
  '204': { description: 'nothing' },
  '302': { description: 'redirect', headers: { Location: { required: true, schema: { type: 'string' } } } },
  '401': { description: 'unauthorized', content: { 'application/json': { schema: OAUTH_ERROR } } },
  '4XX': { description: 'client error', content: { 'application/problem+json': { schema: PROBLEM } } },
};

function operation(responses: Record<string, ResponseObject>): SpecOperation {
  return {
    operationId: 'issueToken',
    method: 'POST',
    path: '/token',
    mount: '/test',
    parameters: [],
    responses,
    security: [],
  };
}

const validator = new ResponseValidator(COMPILERS, operation(RESPONSES));
const withDefault = new ResponseValidator(
  COMPILERS,
  operation({
    '200': RESPONSES['200']!,
    default: { description: 'error', content: { 'application/json': { schema: OAUTH_ERROR } } },
  }),
);

const lines = (issues: ValidationIssue[]) => issues.map((issue) => `${issue.location} ${issue.message}`);

describe('declaredResponse', () => {
  const ok = { description: 'ok' };
  const range = { description: 'range' };
  const fallback = { description: 'default' };
  it.each<[string, Record<string, ResponseObject>, number, ResponseObject | undefined]>([
    ['the exact status', { '404': ok, '4XX': range, default: fallback }, 404, ok],
    ['the range when the exact status is missing', { '400': ok, '4XX': range, default: fallback }, 404, range],
    ['default when neither is declared', { '200': ok, '4XX': range, default: fallback }, 503, fallback],
    ['nothing when nothing matches', { '200': ok, '4XX': range }, 503, undefined],
    ['nothing from another range', { '5XX': range }, 404, undefined],
  ])('picks %s', (_title, responses, status, want) => {
    expect(declaredResponse(responses, status)).toBe(want);
  });
});

describe('ResponseValidator.isDeclared', () => {
  it.each<[number, boolean]>([
    [200, true],
    [201, true],
    [204, true],
    [302, true],
    [401, true],
    [404, true],
    [499, true],
    [301, false],
    [500, false],
  ])('%i: %s', (status, declared) => {
    expect(validator.isDeclared(status)).toBe(declared);
  });

  it.each([200, 301, 404, 500])('%i: declared through default', (status) => {
    expect(withDefault.isDeclared(status)).toBe(true);
  });
});

describe('ResponseValidator.check', () => {
  const json = (
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
    contentType = 'application/json',
  ): ResponseToCheck => ({
    status,
    contentType,
    headers,
    body,
  });
  const rate = { 'X-Rate-Limit': '10' };

  it.each<[string, ResponseToCheck]>([
    ['a JSON body that matches, with its required header', json(200, { token: 't', expiresIn: 60 }, rate)],
    ['a header named in another case', json(200, { token: 't' }, { 'x-rate-limit': '10' })],
    ['JSON sent as text', json(200, '{"token":"t"}', rate)],
    [
      'a content type with parameters and in upper case',
      json(200, { token: 't' }, rate, 'Application/JSON; charset=utf-8'),
    ],
    ['a body without a content type (taken as JSON)', { status: 200, headers: rate, body: { token: 't' } }],
    [
      'text matching a wildcard media type',
      { status: 201, contentType: 'text/html; charset=utf-8', headers: {}, body: '<p>hi</p>' },
    ],
    ['no body where none is declared', { status: 204, headers: {} }],
    ['a redirect with its Location', { status: 302, headers: { Location: '/next' } }],
    ['the exact status schema before its range', json(401, { error: 'invalid_token' })],
    ['a status answered by its range', json(404, { title: 'Not found' }, {}, 'application/problem+json')],
  ])('finds nothing wrong with %s', (_title, response) => {
    expect(validator.check(response)).toEqual([]);
  });

  it.each<[string, ResponseValidator, ResponseToCheck, string[]]>([
    [
      'an undeclared status',
      validator,
      json(500, { error: 'x' }),
      ['/status 500 is not a status the spec declares for issueToken'],
    ],
    [
      'a missing required header',
      validator,
      json(200, { token: 't' }),
      ['/headers/X-Rate-Limit is required by the spec'],
    ],
    [
      'a missing Location on a redirect',
      validator,
      { status: 302, headers: { location2: '/x' } },
      ['/headers/Location is required by the spec'],
    ],
    [
      'a missing body',
      validator,
      { status: 200, headers: rate },
      ['/body is missing; the spec declares application/json'],
    ],
    [
      'a missing body and a missing header together',
      validator,
      { status: 200, headers: {} },
      ['/headers/X-Rate-Limit is required by the spec', '/body is missing; the spec declares application/json'],
    ],
    [
      'an undeclared media type',
      validator,
      json(200, '<p>token</p>', rate, 'text/html'),
      ['/content-type text/html is not declared (declared: application/json)'],
    ],
    [
      'a body where the spec declares none',
      validator,
      json(204, { ok: true }),
      ['/content-type a body is sent but the spec declares none'],
    ],
    ['a missing required member', validator, json(200, { expiresIn: 60 }, rate), ['/token is required']],
    [
      'a member of the wrong type',
      validator,
      json(200, { token: 't', expiresIn: '60' }, rate),
      ['/expiresIn must be integer'],
    ],
    ['an undeclared member', validator, json(200, { token: 't', extra: 1 }, rate), [" must not have property 'extra'"]],
    ['text that claims to be JSON but is not', validator, json(200, 'not json', rate), [' must be object']],
    [
      'JSON text that breaks the schema',
      validator,
      json(200, '{"token":""}', rate),
      ['/token must NOT have fewer than 1 characters'],
    ],
    ['the exact status schema, not its range', validator, json(401, { title: 'Unauthorized' }), ['/error is required']],
    [
      'a range answered with the exact status media type',
      validator,
      json(404, { title: 'x' }),
      ['/content-type application/json is not declared (declared: application/problem+json)'],
    ],
    [
      'a range body that breaks its schema',
      validator,
      json(418, {}, {}, 'application/problem+json'),
      ['/title is required'],
    ],
    [
      'text too short for a wildcard media type schema',
      validator,
      { status: 201, contentType: 'text/plain', headers: {}, body: 'hi' },
      [' must NOT have fewer than 3 characters'],
    ],
    [
      'a default answer that breaks its schema',
      withDefault,
      json(503, { error: 'server_down' }),
      ['/error must be one of ["invalid_token"]'],
    ],
  ])('reports %s', (_title, subject, response, want) => {
    expect(lines(subject.check(response))).toEqual(want);
  });

  it('names the schema path that failed', () => {
    expect(validator.check(json(200, { token: 5 }, rate))).toEqual([
      { location: '/token', message: 'must be string', schemaPath: '#/properties/token/type' },
    ]);
  });
});

describe('parseJsonOrText', () => {
  it.each<[string, unknown]>([
    ['{"a":[1,2]}', { a: [1, 2] }],
    ['"quoted"', 'quoted'],
    ['42', 42],
    ['null', null],
    ['not json', 'not json'],
    ['{"a":', '{"a":'],
    ['', ''],
  ])('reads %j as %j', (text, want) => {
    expect(parseJsonOrText(text)).toEqual(want);
  });
});
