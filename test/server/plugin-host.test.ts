/**
 * The plugin host, through a plugin that lives only in test/ and is loaded by path: stateful
 * handlers, session isolation, the clock, fixtures, pages, control routes, security presence, and
 * response validation that fails loudly.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createB2CopyPlugin } from '../../mocks/b2copy/index.ts';
import { mockApp, newSession, notesApp, NOTES_PLUGIN } from '../helpers.ts';

let http: Awaited<ReturnType<typeof mockApp>>['http'];
let mock: Awaited<ReturnType<typeof mockApp>>['mock'];
beforeAll(async () => {
  ({ http, mock } = await notesApp());
});

describe('a plugin loaded from a file path', () => {
  it('is mounted at its spec server path and listed by the control API', async () => {
    const providers = await http.get('/__mock/providers');
    expect(providers.body).toHaveLength(1);
    expect(providers.body[0]).toMatchObject({ name: 'notes', baseUrls: ['http://localhost:4010/notes-api'] });
    const operations = Object.fromEntries(
      providers.body[0].operations.map((op: { operationId: string; stateful: boolean }) => [
        op.operationId,
        op.stateful,
      ]),
    );
    expect(operations).toEqual({
      createNote: true,
      listNotes: false,
      getNote: true,
      getGenerated: false,
      slow: true,
      broken: true,
      emptyAnswer: true,
      crash: true,
      whoAmI: true,
    });
  });

  it('keeps state per session: a note made in one session is not in another', async () => {
    const a = newSession();
    const b = newSession();
    const created = await http.post('/notes-api/notes').set('X-Mock-Session', a).send({ text: 'hello' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'n1', text: 'hello', author: 'ada' });
    expect((await http.get('/notes-api/notes/n1').set('X-Mock-Session', a)).status).toBe(200);
    const elsewhere = await http.get('/notes-api/notes/n1').set('X-Mock-Session', b);
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body).toEqual({ problem: 'No note n1.', code: 'not_found' });
  });

  it('gives handlers the session clock, which the control API moves for that session only', async () => {
    const a = newSession();
    const b = newSession();
    const before = Date.now();
    await http.post('/__mock/clock').set('X-Mock-Session', a).send({ advanceSeconds: 86_400 }).expect(200);
    const inA = await http.post('/notes-api/notes').set('X-Mock-Session', a).send({ text: 'later' });
    const inB = await http.post('/notes-api/notes').set('X-Mock-Session', b).send({ text: 'now' });
    expect(Date.parse(inA.body.createdAt) - before).toBeGreaterThanOrEqual(86_400_000);
    expect(Date.parse(inB.body.createdAt) - before).toBeLessThan(60_000);
    const clock = await http.get('/__mock/clock').set('X-Mock-Session', a);
    expect(clock.body).toMatchObject({ session: a, offsetSeconds: 86_400 });
  });

  it('lets handlers read fixtures that the control API adds, per session', async () => {
    const a = newSession();
    const refused = await http
      .post('/notes-api/notes')
      .set('X-Mock-Session', a)
      .set('X-Author', 'grace')
      .send({ text: 'hi' });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('unknown_author');
    await http
      .post('/__mock/notes/authors')
      .set('X-Mock-Session', a)
      .send({ name: 'grace' })
      .expect(201, { name: 'grace' });
    expect(
      (await http.post('/notes-api/notes').set('X-Mock-Session', a).set('X-Author', 'grace').send({ text: 'hi' }))
        .status,
    ).toBe(201);
    expect(
      (
        await http
          .post('/notes-api/notes')
          .set('X-Mock-Session', newSession())
          .set('X-Author', 'grace')
          .send({ text: 'hi' })
      ).status,
    ).toBe(400);
  });

  it('reset puts back the fixtures and the clock of that session only', async () => {
    const a = newSession();
    const b = newSession();
    for (const session of [a, b]) {
      await http.post('/__mock/notes/authors').set('X-Mock-Session', session).send({ name: 'grace' }).expect(201);
      await http.post('/__mock/clock').set('X-Mock-Session', session).send({ advanceSeconds: 60 }).expect(200);
    }
    await http.post('/__mock/reset').set('X-Mock-Session', a).expect(200, { status: 'reset', session: a });
    const namesA = (await http.get('/__mock/notes/authors').set('X-Mock-Session', a)).body.map(
      (author: { name: string }) => author.name,
    );
    const namesB = (await http.get('/__mock/notes/authors').set('X-Mock-Session', b)).body.map(
      (author: { name: string }) => author.name,
    );
    expect(namesA).not.toContain('grace');
    expect(namesB).toContain('grace');
    expect((await http.get('/__mock/clock').set('X-Mock-Session', a)).body.offsetSeconds).toBe(0);
    expect((await http.get('/__mock/clock').set('X-Mock-Session', b)).body.offsetSeconds).toBe(60);
  });

  it('serves pages and control routes with the same session state', async () => {
    const a = newSession();
    await http.post('/notes-api/notes').set('X-Mock-Session', a).send({ text: 'on a page' });
    const head = await http.head('/notes-api/pages/n1').set('X-Mock-Session', a);
    expect(head.status).toBe(405); // a page may consume a one-time link: HEAD must not run it
    // The error is written as the page's (a provider may answer its pages' errors in HTML).
    expect((await http.post('/notes-api/pages/n1').set('X-Mock-Session', a)).body).toMatchObject({
      code: 'method_not_allowed',
      page: 'notePage',
    });
    const page = await http.get('/notes-api/pages/n1').set('X-Mock-Session', a);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('on a page');
    expect(page.text).toContain('set up once');
    expect((await http.get('/__mock/notes/stats').set('X-Mock-Session', a)).body).toEqual({ notes: 1 });
  });

  it('refuses a request without the credentials its security asks for, in the plugin shape', async () => {
    const refused = await http.get('/notes-api/me');
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toBe('Bearer');
    expect(refused.body.code).toBe('unauthorized');
    expect((await http.get('/notes-api/me').set('Authorization', 'bearer abc')).body).toEqual({ token: 'abc' });
  });

  it('turns a handler answer that breaks the spec into a loud 500 naming the schema path', async () => {
    const response = await http.get('/notes-api/broken');
    expect(response.status).toBe(500);
    expect(response.body.code).toBe('mock_response_invalid');
    expect(response.body.problem).toContain('broken 200 response breaks the spec');
    expect(response.body.problem).toContain('/id must be string');
    expect(response.body.problem).toContain('/createdAt is required');
    const [entry] = (await http.get('/__mock/journal').query({ provider: 'notes', limit: 1 })).body;
    expect(entry).toMatchObject({ operationId: 'broken', status: 500 });
    expect(entry.validationErrors).toContainEqual(
      expect.objectContaining({ location: '/id', message: 'must be string' }),
    );
  });

  it('passes a violating answer through when response validation is switched off', async () => {
    const { http: lax } = await notesApp({ validateResponses: false });
    const response = await lax.get('/notes-api/broken');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ id: 7, text: 'wrong id type' });
  });

  it('serves a documented path with a trailing slash too', async () => {
    expect(
      (await http.post('/notes-api/notes/').set('X-Mock-Session', newSession()).send({ text: 'slash' })).status,
    ).toBe(201);
  });

  it('counts a missing body where the spec declares one as a violation', async () => {
    const response = await http.get('/notes-api/empty');
    expect(response.status).toBe(500);
    expect(response.body.problem).toContain('/body is missing; the spec declares application/json');
  });

  it('answers HEAD from the spec without running the stateful handler', async () => {
    const session = newSession();
    expect((await http.get('/notes-api/notes/n1').set('X-Mock-Session', session)).status).toBe(404); // the handler: no such note
    expect((await http.head('/notes-api/notes/n1').set('X-Mock-Session', session)).status).toBe(200); // the spec
  });

  it('does not let Prefer reach the prototype chain, and ignores dynamic=false', async () => {
    const proto = await http.get('/notes-api/notes').set('Prefer', 'example=__proto__');
    expect(proto.status).toBe(400);
    expect(proto.body.problem).toMatch(/No example "__proto__"/);
    const session = newSession();
    const created = await http
      .post('/notes-api/notes')
      .set('X-Mock-Session', session)
      .set('Prefer', 'dynamic=false')
      .send({ text: 'real' });
    expect(created.status).toBe(201);
    expect(created.body.text).toBe('real'); // the handler ran
  });

  it('turns an unexpected throw into a generic 500 in the plugin shape, cause logged but never sent', async () => {
    const logged: Record<string, unknown>[] = [];
    const { http: logging } = await notesApp({ log: (level, msg, fields) => logged.push({ level, msg, ...fields }) });
    const response = await logging.get('/notes-api/crash');
    expect(response.status).toBe(500);
    expect(response.body).toEqual({ problem: 'The mock server hit an unexpected error.', code: 'internal_error' });
    expect(response.text).not.toContain('secret internals');
    expect(logged).toContainEqual(
      expect.objectContaining({
        level: 'error',
        provider: 'notes',
        error: expect.stringContaining('secret internals'),
      }),
    );
    expect((await logging.get('/__mock/health')).status).toBe(200);
  });

  it('answers HEAD like GET and a wrong method with 405 and Allow', async () => {
    expect((await http.head('/notes-api/generated')).status).toBe(200);
    const wrong = await http.delete('/notes-api/notes');
    expect(wrong.status).toBe(405);
    expect(String(wrong.headers.allow).split(', ').sort()).toEqual(['GET', 'POST']);
  });

  it('validates path and query parameters with type coercion', async () => {
    expect((await http.get('/notes-api/notes').query({ limit: '10' })).status).toBe(200);
    const bad = await http.get('/notes-api/notes').query({ limit: 'ten' });
    expect(bad.status).toBe(400);
    expect(bad.body.problem).toContain('/query/limit must be integer');
    expect((await http.get('/notes-api/notes').query({ limit: '99' })).body.problem).toContain(
      '/query/limit must be <= 50',
    );
  });

  it('has the setup services built once per server, not per request', () => {
    const runtime = mock.providers.find((provider) => provider.name === 'notes')!;
    expect(runtime.services).toEqual({ greeting: 'set up once' });
  });
});

describe('answers from the spec, chosen with Prefer', () => {
  it('answers the first named example by default', async () => {
    const response = await http.get('/notes-api/notes');
    expect(response.status).toBe(200);
    expect(response.body.map((note: { id: string }) => note.id)).toEqual(['n1', 'n2']);
  });

  it('picks a named example, a status, or generated data', async () => {
    expect((await http.get('/notes-api/notes').set('Prefer', 'example=empty')).body).toEqual([]);
    const unavailable = await http.get('/notes-api/notes').set('Prefer', 'code=503');
    expect(unavailable.status).toBe(503);
    expect(unavailable.body).toEqual(expect.objectContaining({ problem: expect.any(String) }));
    const generated = await http.get('/notes-api/notes').set('Prefer', 'code=200, dynamic=true');
    expect(generated.status).toBe(200);
    expect(Array.isArray(generated.body)).toBe(true);
  });

  it('generates schema-valid data where the spec has no example, the same for the same seed', async () => {
    const first = await http.get('/notes-api/generated');
    expect(first.status).toBe(200); // the response validator would have made it a 500 otherwise
    expect(first.body).toEqual(expect.objectContaining({ id: expect.any(String), author: expect.any(String) }));
    const again = await notesApp();
    expect((await again.http.get('/notes-api/generated')).body).toEqual(first.body);
    const otherSeed = await notesApp({ seed: 2 });
    expect((await otherSeed.http.get('/notes-api/generated')).body).not.toEqual(first.body);
  });

  it('lets Prefer override a stateful handler without touching state', async () => {
    const a = newSession();
    const forced = await http
      .post('/notes-api/notes')
      .set('X-Mock-Session', a)
      .set('Prefer', 'code=400')
      .send({ text: 'x' });
    expect(forced.status).toBe(400);
    expect((await http.get('/__mock/notes/stats').set('X-Mock-Session', a)).body).toEqual({ notes: 0 });
  });

  it('refuses a preference the spec cannot satisfy', async () => {
    const unknownExample = await http.get('/notes-api/notes').set('Prefer', 'example=nope');
    expect(unknownExample.status).toBe(400);
    expect(unknownExample.body.problem).toMatch(/No example "nope".*examples: two, empty/);
    const unknownCode = await http.get('/notes-api/notes').set('Prefer', 'code=418');
    expect(unknownCode.status).toBe(400);
    expect(unknownCode.body.problem).toMatch(/declares no 418 response/);
  });
});

describe('plugins that cannot be served are refused at startup, naming the problem', () => {
  const base = {
    name: 'odd',
    spec: new URL('../fixtures/notes-plugin/notes.yaml', import.meta.url),
    formatError: () => ({ status: 500 }),
  };
  it.each([
    [
      'a mount the spec does not serve',
      { ...base, mounts: ['/elsewhere'] },
      /served at \/notes-api .* not one of the plugin's mounts \/elsewhere/,
    ],
    [
      'a handler for no operationId',
      { ...base, mounts: ['/notes-api'], handlers: { nope: () => ({ status: 200 }) } },
      /handler "nope" matches no operationId/,
    ],
    [
      'a static operation the spec does not have',
      { ...base, mounts: ['/notes-api'], staticOperations: ['nope'] },
      /static operation "nope" matches no operationId/,
    ],
    [
      'an operation both handled and static',
      {
        ...base,
        mounts: ['/notes-api'],
        handlers: { listNotes: () => ({ status: 200 }) },
        staticOperations: ['listNotes'],
      },
      /"listNotes" has a handler and is also listed as static/,
    ],
    [
      'a page on an unknown mount',
      {
        ...base,
        mounts: ['/notes-api'],
        pages: [{ name: 'p', method: 'GET' as const, mount: '/x', path: '/p', handler: () => ({ status: 200 }) }],
      },
      /page "p" names mount \/x/,
    ],
    [
      'a name that cannot be part of a URL',
      { ...base, name: 'Odd Name', mounts: ['/notes-api'] },
      /must be lower-case/,
    ],
    ['a reserved mount', { ...base, mounts: ['/__mock'], spec: base.spec }, /served at \/notes-api/],
    ['a name the control API uses', { ...base, name: 'clock', mounts: ['/notes-api'] }, /taken by the control API/],
  ])('%s', async (_title, plugin, message) => {
    await expect(mockApp({ providers: [], plugins: [plugin] })).rejects.toThrow(message);
  });

  it('drops the least recently used named session past maxSessions, never the default one', async () => {
    const logged: unknown[] = [];
    const { http: small } = await notesApp({
      maxSessions: 2,
      log: (level, msg, fields) => logged.push({ level, msg, ...fields }),
    });
    await small.post('/notes-api/notes').send({ text: 'default keeps this' }).expect(201);
    for (const session of ['s1', 's2', 's3'])
      await small.post('/notes-api/notes').set('X-Mock-Session', session).send({ text: session }).expect(201);
    expect((await small.get('/notes-api/notes/n1')).body.text).toBe('default keeps this');
    expect((await small.get('/notes-api/notes/n1').set('X-Mock-Session', 's3')).body.text).toBe('s3');
    expect((await small.get('/notes-api/notes/n1').set('X-Mock-Session', 's1')).status).toBe(404); // evicted, rebuilt empty
    expect(logged).toContainEqual(expect.objectContaining({ level: 'warn', session: 's1' }));
  });

  it('two plugins on one mount', async () => {
    await expect(mockApp({ providers: [], plugins: [NOTES_PLUGIN, NOTES_PLUGIN] })).rejects.toThrow(
      /Two plugins are named "notes"/,
    );
  });

  it('lets a plugin passed explicitly replace the built-in of the same name (a built-in with other options)', async () => {
    const { http: replaced } = await mockApp({ plugins: [createB2CopyPlugin({ accessTokenTtlSeconds: 60 })] });
    const providers = (await replaced.get('/__mock/providers')).body as { name: string }[];
    expect(providers.map((provider) => provider.name).sort()).toEqual(['b2copy', 'just2trade', 'keeta']);
    const { body } = await replaced
      .post('/b2copy/api/v2/signin')
      .send({ email: 'username@example.com', password: 'Secret123' })
      .expect(200);
    expect(Date.parse(body.accessToken.expiresAt) - Date.parse(body.accessToken.createdAt)).toBe(60_000);
  });
});
