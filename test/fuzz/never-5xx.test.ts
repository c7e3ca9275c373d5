/**
 * Property: whatever a client sends to any operation of any provider — random JSON, random text,
 * random content types, random query strings and headers — the mock answers below 500, without a
 * stack trace, in a declared content type, and stays healthy. Operations come from the loaded specs,
 * so a new operation is fuzzed without touching this file. `FUZZ_RUNS` raises the run count.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type RunningMockServer } from '../../src/index.ts';
import { NOTES_PLUGIN } from '../helpers.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 120);
let server: RunningMockServer;
beforeAll(async () => {
  // The test plugin adds path parameters, which no built-in operation has.
  server = await startMockServer({ port: 0, plugins: [NOTES_PLUGIN] });
});
afterAll(() => server.close());

const contentTypes = fc.constantFrom(
  undefined,
  'application/json',
  'application/json; charset=utf-8',
  'application/x-www-form-urlencoded',
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/json; charset=latin1',
  'application/xml',
  '',
);

const bodies = fc.oneof(
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.string({ maxLength: 200 }),
  fc
    .dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 20 }))
    .map((form) => new URLSearchParams(form).toString()),
  fc.constant(undefined),
);

const queries = fc.oneof(
  fc
    .dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 30 }))
    .map((query) => new URLSearchParams(query).toString()),
  fc.string({ maxLength: 60 }).map((raw) => raw.replace(/#/g, '')), // raw, possibly invalid percent-encoding
);

const headers = fc.record(
  {
    authorization: fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.string({ maxLength: 30 }).map((token) => `Bearer ${token}`),
    ),
    prefer: fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.constantFrom('code=200', 'code=401', 'code=999', 'example=docs', 'dynamic=true', 'example=nope'),
    ),
    'x-mock-session': fc.oneof(fc.string({ maxLength: 20 }), fc.constant('fuzz')),
    'content-encoding': fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'foo'),
  },
  { requiredKeys: [] },
);

/** The test plugin's operations that answer 500 on purpose (to test loud failures), or only wait. */
const NOT_FUZZED = new Set(['broken', 'emptyAnswer', 'crash', 'slow']);

/** Path parameter values: plain, encoded, broken percent-encoding, traversal. */
const pathValues = fc.oneof(
  fc.constantFrom('x', '%zz', '%2F..%2F', '..', '%00', 'a%20b'),
  fc.string({ maxLength: 20 }).map(encodeURIComponent),
);

/** What any answer with a body may be: JSON, problem details, HTML (error pages, login forms). */
const ANSWER_TYPES = /^(application\/json|application\/problem\+json|text\/html)(;|$)/;

/** Header values must be sendable: fetch refuses control characters and non-Latin-1 itself. */
const sendable = (value: string) => /^[\x20-\x7e]*$/.test(value);

describe('no input yields a 5xx', () => {
  it('holds for every operation of every provider', async () => {
    const operations = server.mock.providers
      .flatMap((provider) =>
        [...provider.operations.values()].map((operation) => ({ provider: provider.name, ...operation })),
      )
      .filter((operation) => !(operation.provider === 'notes' && NOT_FUZZED.has(operation.operationId)));
    expect(operations.length).toBeGreaterThanOrEqual(12);

    // Mostly what the spec expects (its method, media types and field names, with hostile values), so
    // requests get past routing and into parsing, validation and answering; sometimes anything at all.
    const requests = fc.constantFrom(...operations).chain((operation) => {
      const declared = Object.keys(operation.requestBody?.content ?? {});
      const fieldNames = declared.flatMap((mediaType) =>
        Object.keys((operation.requestBody?.content[mediaType]?.schema?.properties as object) ?? {}),
      );
      const queryNames = operation.parameters
        .filter((parameter) => parameter.in === 'query')
        .map((parameter) => parameter.name);
      const names = (known: string[]) =>
        known.length ? fc.oneof(fc.constantFrom(...known), fc.string({ maxLength: 12 })) : fc.string({ maxLength: 12 });
      const hostile = fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.jsonValue().map((value) => JSON.stringify(value)),
        fc.constantFrom('', '%zz', 'a\u0000b', 'x'.repeat(3000)),
      );
      const fields = fc.dictionary(names(fieldNames), fc.oneof(fc.jsonValue(), hostile), { maxKeys: 6 });
      return fc.record({
        operation: fc.constant({
          provider: operation.provider,
          operationId: operation.operationId,
          method: operation.method,
          mount: operation.mount,
          path: operation.path,
        }),
        method: fc.oneof(
          { weight: 5, arbitrary: fc.constant(operation.method) },
          { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS') },
        ),
        contentType: declared.length
          ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...declared) }, { weight: 2, arbitrary: contentTypes })
          : contentTypes,
        body: fc.oneof(
          fields.map((value) => JSON.stringify(value)),
          fields.map((value) =>
            new URLSearchParams(
              Object.entries(value).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
            ).toString(),
          ),
          bodies,
        ),
        query: fc.oneof(
          fc
            .dictionary(names(queryNames), hostile, { maxKeys: 5 })
            .map((query) => new URLSearchParams(query).toString()),
          queries,
        ),
        extra: headers,
      });
    });

    await fc.assert(
      fc.asyncProperty(
        requests,
        pathValues,
        async ({ operation, method, contentType, body, query, extra }, pathValue) => {
          const requestHeaders: Record<string, string> = {};
          if (contentType !== undefined) requestHeaders['content-type'] = contentType;
          for (const [name, value] of Object.entries(extra))
            if (value !== undefined && sendable(value)) requestHeaders[name] = value;
          const url = `${server.url}${operation.mount}${operation.path.replace(/\{[^}]+\}/g, pathValue)}?${query}`;
          const hasBody = body !== undefined && method !== 'GET' && method !== 'HEAD';
          const response = await fetch(url, {
            method,
            headers: requestHeaders,
            ...(hasBody ? { body } : {}),
            redirect: 'manual',
          });
          const text = await response.text();
          expect(response.status, `${method} ${url} ${JSON.stringify(requestHeaders)} ${body}\n${text}`).toBeLessThan(
            500,
          );
          expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);
          if (text && method !== 'HEAD') expect(response.headers.get('content-type')).toMatch(ANSWER_TYPES);
        },
      ),
      { numRuns: RUNS * operations.length },
    );
    expect((await fetch(`${server.url}/__mock/health`)).status).toBe(200);
  });

  it('holds for the control API', async () => {
    const paths = fc.oneof(
      fc.constantFrom(
        '/health',
        '/providers',
        '/openapi/b2copy.json',
        '/openapi/%zz.yaml',
        '/reset',
        '/clock',
        '/journal?limit=-5',
        '/b2copy/users',
        '/b2copy/users/%zz',
        '/keeta/authorizations',
        '/notes/stats',
        '/nope/x/y/z',
      ),
      fc.string({ maxLength: 30 }).map((raw) => `/${encodeURIComponent(raw)}`),
    );
    const clockBodies = fc.oneof(
      fc
        .record({
          advanceSeconds: fc.oneof(fc.double(), fc.integer(), fc.constantFrom(1e308, -0, Number.MAX_SAFE_INTEGER)),
        })
        .map((value) => JSON.stringify(value)),
      bodies,
    );
    await fc.assert(
      fc.asyncProperty(
        paths,
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
        contentTypes,
        clockBodies,
        headers,
        async (path, method, contentType, body, extra) => {
          const requestHeaders: Record<string, string> = {};
          if (contentType !== undefined) requestHeaders['content-type'] = contentType;
          for (const [name, value] of Object.entries(extra))
            if (value !== undefined && sendable(value)) requestHeaders[name] = value;
          const hasBody = body !== undefined && method !== 'GET';
          const response = await fetch(`${server.url}/__mock${path}`, {
            method,
            headers: requestHeaders,
            ...(hasBody ? { body } : {}),
          });
          const text = await response.text();
          expect(
            response.status,
            `${method} /__mock${path} ${JSON.stringify(requestHeaders)} ${body}\n${text}`,
          ).toBeLessThan(500);
        },
      ),
      { numRuns: RUNS * 4 },
    );
    expect((await fetch(`${server.url}/__mock/clock`)).status).toBe(200);
  });

  it('holds for fixture writes to every collection', async () => {
    const collections = server.mock.providers.flatMap((provider) =>
      Object.keys(provider.plugin.collections ?? {}).map((collection) => `${provider.name}/${collection}`),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...collections), fc.jsonValue(), async (collection, item) => {
        const response = await fetch(`${server.url}/__mock/${collection}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-mock-session': 'fuzz-fixtures' },
          body: JSON.stringify(item),
        });
        expect([201, 400, 405, 409]).toContain(response.status);
      }),
      { numRuns: RUNS * 4 },
    );
  });
});
