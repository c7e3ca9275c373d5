import { describe, expect, it } from 'vitest';
import { MockError } from '../../src/errors.ts';
import type { SpecOperation } from '../../src/spec/load-spec.ts';
import type { ResponseObject } from '../../src/spec/openapi-types.ts';
import { loadSchemaGenerator, SpecAnswers } from '../../src/spec/spec-answers.ts';
import { compile, createSchemaCompilers } from '../../src/validation/ajv.ts';

/** json-schema-faker with faker, as the runtime loads it on its first request. */
const generate = await loadSchemaGenerator();

const USER = {
  type: 'object',
  required: ['id', 'name', 'age', 'email'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string', minLength: 1 },
    age: { type: 'integer', minimum: 0, maximum: 150 },
    email: { type: 'string', format: 'email' },
    nickname: { type: 'string' },
  },
  additionalProperties: false,
};

const RESPONSES: Record<string, ResponseObject> = {
  '200': {
    description: 'named examples',
    headers: {
      'X-Example': { example: 'from-example' },
      'X-Named': { examples: { first: { value: 7 } } },
      'X-Required': { required: true, schema: { type: 'string', minLength: 4, maxLength: 4, pattern: '^[a-z]+$' } },
      'X-Optional': { schema: { type: 'string' } },
    },
    content: {
      'application/json': {
        schema: USER,
        examples: {
          external: { summary: 'no inline value' },
          ann: { value: { id: 'u-1', name: 'Ann', age: 30, email: 'ann@example.com' } },
          bob: { value: { id: 'u-2', name: 'Bob', age: 40, email: 'bob@example.com' } },
        },
        example: { id: 'never', name: 'single example loses to named ones', age: 1, email: 'x@example.com' },
      },
      'text/plain': { example: 'never: only the first media type answers' },
    },
  },
  '201': {
    description: 'one example',
    content: {
      'application/json': { schema: USER, example: { id: 'u-3', name: 'Cy', age: 1, email: 'cy@example.com' } },
    },
  },
  '202': {
    description: 'schema examples',
    content: {
      'application/json': {
        schema: { ...USER, examples: [{ id: 'u-4', name: 'Di', age: 2, email: 'di@example.com' }] },
      },
    },
  },
  '203': { description: 'schema only', content: { 'application/json': { schema: USER } } },
  '204': { description: 'no body', headers: { Location: { required: true, example: '/next' } } },
  '4XX': {
    description: 'client error',
    content: { 'application/problem+json': { examples: { missing: { value: { title: 'Not here' } } } } },
  },
};

function operation(responses: Record<string, ResponseObject>, operationId = 'getUser'): SpecOperation {
  return { operationId, method: 'GET', path: '/users/{id}', mount: '/test', parameters: [], responses, security: [] };
}

const validUser = compile(createSchemaCompilers().body, USER);

function thrownBy(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('SpecAnswers.defaultStatus', () => {
  it.each<[string[], number]>([
    [['404', '201', '200'], 200],
    [['204', '202'], 202],
    [['302', '404'], 302],
    [['404', '301', '303'], 301],
    [['101', '404', '302'], 302],
    [['500', '404', '400'], 400],
    [['4XX', '500'], 500],
    [['default'], 200],
    [['2XX', 'default'], 200],
  ])('of %j is %i', (statuses, want) => {
    const responses = Object.fromEntries(statuses.map((status) => [status, { description: status }]));
    expect(new SpecAnswers(operation(responses), 1, generate).defaultStatus()).toBe(want);
  });
});

describe('SpecAnswers.answer: examples and statuses', () => {
  const answers = new SpecAnswers(operation(RESPONSES), 1, generate);

  it.each<[string, Parameters<SpecAnswers['answer']>[0], number, unknown]>([
    [
      'the first named example with a value, for the default status',
      {},
      200,
      { id: 'u-1', name: 'Ann', age: 30, email: 'ann@example.com' },
    ],
    ['a named example', { example: 'bob' }, 200, { id: 'u-2', name: 'Bob', age: 40, email: 'bob@example.com' }],
    [
      'a named example for an explicit status',
      { status: 200, example: 'ann' },
      200,
      { id: 'u-1', name: 'Ann', age: 30, email: 'ann@example.com' },
    ],
    ['the media type example', { status: 201 }, 201, { id: 'u-3', name: 'Cy', age: 1, email: 'cy@example.com' }],
    ['the first schema example', { status: 202 }, 202, { id: 'u-4', name: 'Di', age: 2, email: 'di@example.com' }],
    ['a status answered by its range, keeping the status asked for', { status: 404 }, 404, { title: 'Not here' }],
    ['a named example of a range', { status: 409, example: 'missing' }, 409, { title: 'Not here' }],
  ])('answers %s', (_title, choice, status, body) => {
    const response = answers.answer(choice);
    expect(response.status).toBe(status);
    expect(response.body).toEqual(body);
  });

  it('names the first declared media type as the content type', () => {
    expect(answers.answer().contentType).toBe('application/json');
    expect(answers.answer({ status: 418 }).contentType).toBe('application/problem+json');
  });

  it('answers a status without content with headers only', () => {
    expect(answers.answer({ status: 204 })).toStrictEqual({ status: 204, headers: { Location: '/next' } });
  });

  it('fills headers from examples, generates required ones and leaves optional ones out', () => {
    const { headers } = answers.answer();
    expect(Object.keys(headers ?? {}).sort()).toEqual(['X-Example', 'X-Named', 'X-Required']);
    expect(headers?.['X-Example']).toBe('from-example');
    expect(headers?.['X-Named']).toBe('7');
    expect(headers?.['X-Required']).toMatch(/^[a-z]{4}$/);
  });

  it.each<[string, Parameters<SpecAnswers['answer']>[0], string]>([
    [
      'an undeclared status',
      { status: 500 },
      'getUser declares no 500 response; it declares 200, 201, 202, 203, 204, 4XX.',
    ],
    [
      'an unknown example name',
      { example: 'carol' },
      'No example "carol" for getUser 200 application/json; examples: external, ann, bob.',
    ],
    [
      'an example named like an Object.prototype member',
      { example: '__proto__' },
      'No example "__proto__" for getUser 200 application/json; examples: external, ann, bob.',
    ],
    [
      'constructor as an example name',
      { example: 'constructor' },
      'No example "constructor" for getUser 200 application/json; examples: external, ann, bob.',
    ],
    [
      'an example where the media type has none',
      { status: 201, example: 'cy' },
      'No example "cy" for getUser 201 application/json; it has none.',
    ],
    [
      'an example of a status without a body',
      { status: 204, example: 'x' },
      'getUser 204 has no body, so no example "x".',
    ],
  ])('refuses %s with a 400 unknown_preference', (_title, choice, message) => {
    const error = thrownBy(() => answers.answer(choice));
    expect(error).toBeInstanceOf(MockError);
    expect(error).toMatchObject({ status: 400, code: 'unknown_preference', message });
  });

  it.each<[string, Parameters<SpecAnswers['answer']>[0]]>([
    ['a named example', { example: 'ann' }],
    ['the media type example', { status: 201 }],
    ['a generated body', { status: 203 }],
  ])('hands out a copy of %s each time, never the spec object', (_title, choice) => {
    const first = answers.answer(choice).body as Record<string, unknown>;
    const snapshot = structuredClone(first);
    first.name = 'changed by a handler';
    expect(answers.answer(choice).body).toEqual(snapshot);
  });

  it('leaves the spec examples unchanged', () => {
    (answers.answer({ example: 'bob' }).body as Record<string, unknown>).age = 99;
    expect((RESPONSES['200']!.content!['application/json']!.examples!.bob!.value as { age: number }).age).toBe(40);
  });
});

describe('SpecAnswers.answer: generated (dynamic) answers', () => {
  const generated = (
    seed: number,
    choice: Parameters<SpecAnswers['answer']>[0] = { status: 203 },
    operationId = 'getUser',
  ) => new SpecAnswers(operation(RESPONSES, operationId), seed, generate).answer(choice).body;

  it.each<[string, Parameters<SpecAnswers['answer']>[0]]>([
    ['a status without examples', { status: 203 }],
    ['dynamic=true over named examples', { dynamic: true }],
    ['dynamic=true over a media type example', { status: 201, dynamic: true }],
  ])('generates a schema-valid body for %s', (_title, choice) => {
    const body = generated(42, choice);
    expect(validUser(body), JSON.stringify(validUser.errors)).toBe(true);
    expect(Object.keys(body as object).sort()).toEqual(['age', 'email', 'id', 'name', 'nickname']);
    expect((body as { id: string }).id).not.toMatch(/^u-\d$/);
  });

  it('prefers a named example over dynamic', () => {
    expect(generated(42, { example: 'bob', dynamic: true })).toEqual({
      id: 'u-2',
      name: 'Bob',
      age: 40,
      email: 'bob@example.com',
    });
  });

  it.each([1, 42, 2_147_483_646])('gives the same body for the same seed (%i) from separate instances', (seed) => {
    const first = generated(seed);
    expect(generated(seed)).toEqual(first);
    expect(generated(seed, { status: 200, dynamic: true })).toEqual(generated(seed, { status: 200, dynamic: true }));
  });

  it('gives different bodies for different seeds, operations and statuses', () => {
    const base = JSON.stringify(generated(1));
    expect(JSON.stringify(generated(2))).not.toBe(base);
    expect(JSON.stringify(generated(1, { status: 203 }, 'otherOperation'))).not.toBe(base);
    expect(JSON.stringify(generated(1, { status: 200, dynamic: true }))).not.toBe(base);
  });

  it('does not depend on what else was generated first', () => {
    const inOrder = new SpecAnswers(operation(RESPONSES), 5, generate);
    const a200 = inOrder.answer({ dynamic: true }).body;
    const a203 = inOrder.answer({ status: 203 }).body;

    const reversed = new SpecAnswers(operation(RESPONSES), 5, generate);
    Math.random();
    expect(reversed.answer({ status: 203 }).body).toEqual(a203);
    expect(reversed.answer({ dynamic: true }).body).toEqual(a200);
  });

  it('keeps the same generated header for the same seed', () => {
    const header = (seed: number) =>
      new SpecAnswers(operation(RESPONSES), seed, generate).answer().headers?.['X-Required'];
    expect(header(9)).toBe(header(9));
    expect(header(9)).toMatch(/^[a-z]{4}$/);
  });
});
