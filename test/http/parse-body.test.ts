import { describe, expect, it } from 'vitest';
import { parseBody, parseForm } from '../../src/http/parse-body.ts';

describe('parseForm', () => {
  it('keeps repeated names as lists', () => {
    expect({ ...parseForm('a=1&a=2&b=3') }).toEqual({ a: ['1', '2'], b: '3' });
  });

  it('treats __proto__ as a plain field, not as the object prototype', () => {
    const form = parseForm('a=1&__proto__=x&__proto__=y');
    expect(Object.getPrototypeOf(form)).toBeNull();
    expect(Object.hasOwn(form, '__proto__')).toBe(true);
    expect(form.__proto__ as unknown).toEqual(['x', 'y']);
    expect(({} as Record<string, unknown>).a).toBeUndefined();
  });
});

describe('parseBody', () => {
  const json = { declared: ['application/json'], required: true };
  it.each([
    [
      'JSON by its content type',
      '{"a":1}',
      'application/json; charset=utf-8',
      json,
      { mediaType: 'application/json', value: { a: 1 } },
    ],
    [
      '+json media types as JSON',
      '{"a":1}',
      'application/merge-patch+json',
      { declared: ['application/merge-patch+json'], required: true },
      { mediaType: 'application/merge-patch+json', value: { a: 1 } },
    ],
    [
      'JSON sent as form when the provider reads JSON regardless',
      '{"a":1}',
      'application/x-www-form-urlencoded',
      { ...json, jsonWithAnyContentType: true },
      { mediaType: 'application/json', value: { a: 1 } },
    ],
    [
      'JSON without a content type when the provider reads JSON regardless',
      '{"a":1}',
      undefined,
      { ...json, jsonWithAnyContentType: true },
      { mediaType: 'application/json', value: { a: 1 } },
    ],
    [
      'no body when none is required',
      '',
      undefined,
      { declared: ['application/json'], required: false },
      { value: undefined },
    ],
  ])('reads %s', (_title, raw, contentType, options, want) => {
    expect(parseBody(raw, contentType, options)).toEqual(want);
  });

  it.each([
    ['a missing required body', '', 'application/json', json, 400, /body is required/],
    ['broken JSON', '{"a":', 'application/json', json, 400, /not valid JSON/],
    ['an undeclared content type', 'a=1', 'application/x-www-form-urlencoded', json, 415, /send application\/json/],
    ['a body without content type', '{}', undefined, json, 415, /no Content-Type/],
  ])('refuses %s', (_title, raw, contentType, options, status, message) => {
    expect(() => parseBody(raw, contentType, options)).toThrow(
      expect.objectContaining({ status, message: expect.stringMatching(message) }),
    );
  });
});
