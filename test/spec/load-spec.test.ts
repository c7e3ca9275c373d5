import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadSpec, prepareSpec, preparedPath, type LoadedSpec } from '../../src/spec/load-spec.ts';

let directory: string;
let counter = 0;

/** Writes a document to a new temp file (YAML unless the name ends in .json) and returns its path. */
function specFile(document: unknown, extension = 'yaml'): string {
  counter += 1;
  const file = path.join(directory, `spec-${counter}.${extension}`);
  writeFileSync(file, extension === 'json' ? JSON.stringify(document) : stringify(document));
  return file;
}

const ok = { '200': { description: 'ok' } };

/** The mounts of the plugin these specs belong to. */
const MOUNTS = ['/tiny/api', '/', '/special'];

/** A minimal valid document around `paths`, with root servers and security that operations may override. */
function document(paths: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    openapi: '3.1.0',
    info: { title: 'Tiny', version: '1' },
    servers: [{ url: 'https://real.example.com/api' }, { url: 'http://localhost:4010/tiny/api/' }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        key: { type: 'apiKey', in: 'header', name: 'X-Key' },
      },
      schemas: { Id: { type: 'integer', minimum: 1 } },
    },
    ...extra,
  };
}

beforeAll(() => {
  directory = mkdtempSync(path.join(tmpdir(), 'partnermock-load-spec-'));
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('loadSpec indexing', () => {
  let spec: LoadedSpec;
  let file: string;

  beforeAll(async () => {
    file = specFile(
      document({
        '/items/{id}': {
          parameters: [
            { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'X-Trace', in: 'header', schema: { type: 'string' } },
            { name: 'page', in: 'query', schema: { type: 'string' } },
          ],
          get: {
            operationId: 'getItem',
            parameters: [
              { name: 'id', in: 'path', required: true, schema: { $ref: '#/components/schemas/Id' } },
              { name: 'x-trace', in: 'header', required: true, schema: { type: 'string' } },
            ],
            responses: ok,
          },
          delete: { operationId: 'deleteItem', security: [], responses: ok },
        },
        '/other': {
          servers: [{ url: 'http://localhost:4010' }],
          post: { operationId: 'postOther', security: [{ key: [] }], responses: ok },
          put: { operationId: 'putOther', servers: [{ url: 'http://localhost:4010/special//' }], responses: ok },
        },
      }),
    );
    spec = await loadSpec(file, MOUNTS);
  });

  it('lists each operation with its upper-case method and path template, in document order', () => {
    expect(spec.file).toBe(file);
    expect(spec.operations.map((op) => `${op.method} ${op.path} ${op.operationId}`)).toEqual([
      'GET /items/{id} getItem',
      'DELETE /items/{id} deleteItem',
      'PUT /other putOther',
      'POST /other postOther',
    ]);
  });

  it.each<[string, string]>([
    ['getItem', '/tiny/api'],
    ['deleteItem', '/tiny/api'],
    ['postOther', '/'],
    ['putOther', '/special'],
  ])('mounts %s under %s (the mock server entry of the nearest servers list)', (operationId, mount) => {
    expect(spec.operations.find((op) => op.operationId === operationId)?.mount).toBe(mount);
  });

  it.each<[string, unknown]>([
    ['getItem', [{ bearer: [] }]],
    ['deleteItem', []],
    ['postOther', [{ key: [] }]],
  ])('gives %s its own security, else the document one', (operationId, security) => {
    expect(spec.operations.find((op) => op.operationId === operationId)?.security).toEqual(security);
  });

  it('merges path-level parameters, the operation winning on the same location and name (any case)', () => {
    const getItem = spec.operations.find((op) => op.operationId === 'getItem')!;
    expect(getItem.parameters).toEqual([
      { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } },
      { name: 'x-trace', in: 'header', required: true, schema: { type: 'string' } },
      { name: 'page', in: 'query', schema: { type: 'string' } },
    ]);
    expect(spec.operations.find((op) => op.operationId === 'postOther')?.parameters).toEqual([]);
  });

  it('dereferences the document but keeps the source as written', () => {
    const sourceId = (spec.source.paths!['/items/{id}']!.get as { parameters: { schema: unknown }[] }).parameters[0]!
      .schema;
    const documentId = (spec.document.paths!['/items/{id}']!.get as { parameters: { schema: unknown }[] })
      .parameters[0]!.schema;
    expect(sourceId).toEqual({ $ref: '#/components/schemas/Id' });
    expect(documentId).toEqual({ type: 'integer', minimum: 1 });
  });

  it('exposes the security schemes', () => {
    expect(spec.securitySchemes).toEqual({
      bearer: { type: 'http', scheme: 'bearer' },
      key: { type: 'apiKey', in: 'header', name: 'X-Key' },
    });
  });
});

describe('loadSpec inputs', () => {
  it('reads JSON by its extension and accepts a file URL', async () => {
    const file = specFile(document({ '/a': { get: { operationId: 'getA', responses: ok } } }), 'json');
    const spec = await loadSpec(pathToFileURL(file), MOUNTS);
    expect(spec.file).toBe(file);
    expect(spec.operations.map((op) => op.operationId)).toEqual(['getA']);
  });

  it('finds the mock server entry by its path, on any host or relative', async () => {
    const file = specFile(
      document(
        { '/a': { get: { operationId: 'getA', responses: ok } } },
        { servers: [{ url: 'https://real.example.com/' }, { url: '/tiny/api' }] },
      ),
    );
    expect((await loadSpec(file, ['/tiny/api'])).operations[0]?.mount).toBe('/tiny/api');
    // A port that merely starts like the usual one is no match for anything but its path.
    const other = specFile(
      document(
        { '/a': { get: { operationId: 'getA', responses: ok } } },
        { servers: [{ url: 'http://localhost:40100/x' }] },
      ),
    );
    await expect(loadSpec(other, ['/tiny/api'])).rejects.toThrow(
      /getA is served at \/x \(from the spec's servers\), which is not one of the plugin's mounts \/tiny\/api/,
    );
  });

  it.each<[string, () => unknown, RegExp]>([
    [
      'an operation without operationId',
      () => document({ '/a': { get: { responses: ok } } }),
      /GET \/a has no operationId/,
    ],
    [
      'an operation without a mock server entry',
      () =>
        document(
          { '/a': { get: { operationId: 'getA', responses: ok } } },
          { servers: [{ url: 'https://real.example.com' }] },
        ),
      /getA is served at \/ \(from the spec's servers\), which is not one of the plugin's mounts \/tiny\/api/,
    ],
    [
      'a document that is not valid OpenAPI',
      () => ({ openapi: '3.1.0', paths: {} }),
      /is not a valid OpenAPI document/,
    ],
  ])('refuses %s', async (_title, build, message) => {
    await expect(loadSpec(specFile(build()), ['/tiny/api'])).rejects.toThrow(message);
  });
});

describe("the build's prepared copy", () => {
  it('is used for exactly the text it was prepared from, and ignored otherwise', async () => {
    const file = specFile(document({ '/a': { get: { operationId: 'getA', responses: ok } } }));
    const prepared = await prepareSpec(file);
    // A copy marked so that using it shows: its title differs from the spec's.
    const marked = { ...prepared, source: { ...prepared.source, info: { title: 'from the copy', version: '1' } } };
    writeFileSync(preparedPath(file), JSON.stringify(marked));
    expect((await loadSpec(file, ['/tiny/api'])).source.info.title).toBe('from the copy');
    // The spec edited after the build: the copy no longer matches it and is not used.
    writeFileSync(file, readFileSync(file, 'utf8').replace('title: Tiny', 'title: Edited'));
    expect((await loadSpec(file, ['/tiny/api'])).source.info.title).toBe('Edited');
    // A truncated copy is not used either.
    writeFileSync(preparedPath(file), '{"source":');
    expect((await loadSpec(file, ['/tiny/api'])).source.info.title).toBe('Edited');
  });
});
