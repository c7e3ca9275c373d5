/** The control API at /__mock, exactly as the README documents it, against the built-in providers. */
import { parse as parseYaml } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { mockApp, newSession } from '../helpers.ts';

let http: Awaited<ReturnType<typeof mockApp>>['http'];
beforeAll(async () => {
  ({ http } = await mockApp({ publicUrl: 'http://mock.test:9999' }));
});

describe('GET /__mock/providers', () => {
  it('lists each provider with base URLs, spec URL and operations, each with its stateful handler', async () => {
    const { body } = await http.get('/__mock/providers').expect(200);
    const summary = Object.fromEntries(
      body.map(
        (provider: {
          name: string;
          baseUrls: string[];
          specUrl: string;
          operations: { operationId: string; stateful: boolean }[];
        }) => [
          provider.name,
          {
            baseUrls: provider.baseUrls,
            specUrl: provider.specUrl,
            operations: provider.operations.map((op) => op.operationId).sort(),
          },
        ],
      ),
    );
    for (const provider of body as { operations: { operationId: string; stateful: boolean }[] }[]) {
      for (const operation of provider.operations)
        expect(operation, operation.operationId).toMatchObject({ stateful: true });
    }
    expect(summary).toEqual({
      b2copy: {
        baseUrls: ['http://mock.test:9999/b2copy'],
        specUrl: 'http://mock.test:9999/__mock/openapi/b2copy.json',
        operations: ['authExternalCrm', 'getAuthUrl', 'refreshToken', 'signIn'],
      },
      keeta: {
        baseUrls: ['http://mock.test:9999/keeta'],
        specUrl: 'http://mock.test:9999/__mock/openapi/keeta.json',
        operations: ['getAuthorizationUrl'],
      },
      just2trade: {
        baseUrls: ['http://mock.test:9999/just2trade/auth', 'http://mock.test:9999/just2trade/api'],
        specUrl: 'http://mock.test:9999/__mock/openapi/just2trade.json',
        operations: ['authorize', 'getProfile', 'requestToken'],
      },
    });
  });
});

describe('URLs the mock hands out', () => {
  it('come from the configured public URL, never from Host or X-Forwarded-* headers', async () => {
    // Open on purpose: without it, the control API refuses a request naming a host not its own (403).
    const refused = await http.get('/__mock/providers').set('Host', 'evil.example');
    expect(refused.status).toBe(403);
    const { http: open } = await mockApp({ publicUrl: 'http://mock.test:9999', controlOpen: true });
    const { body } = await open
      .get('/__mock/providers')
      .set('Host', 'evil.example')
      .set('X-Forwarded-Host', 'evil.example')
      .set('X-Forwarded-Proto', 'https');
    expect(JSON.stringify(body)).not.toContain('evil.example');
    const spec = await open.get('/__mock/openapi/b2copy.json').set('Host', 'evil.example');
    expect(spec.body.servers[0].url).toBe('http://mock.test:9999/b2copy');
  });

  it('ignore a trailing slash in the configured public URL', async () => {
    const { http: slash } = await mockApp({ publicUrl: 'http://mock.test:9999///' });
    expect((await slash.get('/__mock/b2copy/settings')).body[0].redirectUrl).toBe('http://mock.test:9999/b2copy/webui');
  });
});

describe('GET /__mock/openapi/{provider}.json|.yaml', () => {
  it('serves the spec with the mock servers pointing at this mock, real hosts kept', async () => {
    const { body } = await http.get('/__mock/openapi/just2trade.json').expect(200);
    expect(body.openapi).toBe('3.1.0');
    expect(body.servers[0].url).toBe('http://mock.test:9999/just2trade/auth');
    expect(body.servers.map((server: { url: string }) => server.url)).toContain('https://auth.just2trade.com');
    expect(body.paths['/auth'].servers[0].url).toBe('http://mock.test:9999/just2trade/api');
  });

  it('serves YAML too', async () => {
    const response = await http.get('/__mock/openapi/keeta.yaml').expect(200);
    expect(response.headers['content-type']).toMatch(/yaml/);
    expect(parseYaml(response.text).servers[0].url).toBe('http://mock.test:9999/keeta');
  });

  it('404s for an unknown provider or format', async () => {
    expect((await http.get('/__mock/openapi/nope.json')).status).toBe(404);
    expect((await http.get('/__mock/openapi/keeta.xml')).status).toBe(404);
  });
});

describe('fixture collections', () => {
  const collections = {
    b2copy: ['users', 'admins', 'integrations', 'accounts', 'settings'],
    keeta: ['apps', 'merchants', 'authorizations'],
    just2trade: ['clients', 'users'],
  };

  it.each(Object.entries(collections))(
    '%s has the collections the README names, each listable',
    async (provider, names) => {
      const providers = (await http.get('/__mock/providers')).body;
      const listed = providers
        .find((p: { name: string }) => p.name === provider)
        .collections.map((c: { name: string }) => c.name);
      expect(listed.sort()).toEqual([...names].sort());
      for (const name of names)
        expect(Array.isArray((await http.get(`/__mock/${provider}/${name}`).expect(200)).body)).toBe(true);
    },
  );

  it('holds the default fixtures the README lists', async () => {
    expect((await http.get('/__mock/b2copy/users')).body).toEqual([
      { email: 'username@example.com', password: 'Secret123', twoFactor: false },
    ]);
    expect((await http.get('/__mock/b2copy/settings')).body).toEqual([
      { name: 'sideAuth', secretKey: 'Password1234!', redirectUrl: 'http://mock.test:9999/b2copy/webui' },
    ]);
    expect((await http.get('/__mock/b2copy/integrations')).body[0]).toMatchObject({
      keyId: 'dev-key',
      allowedIps: ['127.0.0.1', '::1'],
    });
    expect((await http.get('/__mock/keeta/apps')).body[0]).toMatchObject({
      appId: '2123830428',
      region: 'BR',
      cityId: '110200008',
      locale: 'en',
      mode: 'client_credentials',
    });
    expect((await http.get('/__mock/keeta/merchants')).body).toHaveLength(3);
    const [client] = (await http.get('/__mock/just2trade/clients')).body;
    expect(client).toMatchObject({ clientId: 'crm-demo', redirectUris: ['http://localhost:3000/callback'] });
    expect(client.clientSecret).toMatch(/^[A-Za-z0-9]{32}$/);
    expect((await http.get('/__mock/just2trade/users')).body[0]).toMatchObject({
      login: 'login',
      password: 'password',
      email: 'login@email.com',
      accounts: [
        { account_number: '12345678@vision', trade_platform: 'ETNA' },
        { account_number: '11111111@cor', trade_platform: 'ETNA' },
      ],
      applicationStatus: 'process',
    });
  });

  it('makes the same fixtures from the same seed and others from another', async () => {
    const again = await mockApp();
    const otherSeed = await mockApp({ seed: 7 });
    const secret = async (h: typeof http) => (await h.get('/__mock/just2trade/clients')).body[0].clientSecret;
    expect(await secret(again.http)).toBe(await secret(http));
    expect(await secret(otherSeed.http)).not.toBe(await secret(http));
  });

  it('adds an item (201), refuses an invalid one (400) and a duplicate id (409), deletes (204, then 404)', async () => {
    const session = newSession();
    const add = (body: unknown) =>
      http
        .post('/__mock/b2copy/admins')
        .set('X-Mock-Session', session)
        .send(body as object);
    expect((await add({ id: 42 })).status).toBe(201);
    const invalid = await add({ id: 43, extra: true });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error).toMatchObject({
      code: 'invalid_request',
      details: [expect.objectContaining({ location: '/body' })],
    });
    const duplicate = await add({ id: '42' }); // ids compare as strings
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.code).toBe('conflict');
    expect((await http.delete('/__mock/b2copy/admins/42').set('X-Mock-Session', session)).status).toBe(204);
    expect((await http.delete('/__mock/b2copy/admins/42').set('X-Mock-Session', session)).status).toBe(404);
  });

  it('fills the collection schema defaults into an added item, and gets one item by id', async () => {
    const session = newSession();
    const added = await http
      .post('/__mock/b2copy/users')
      .set('X-Mock-Session', session)
      .send({ email: 'new@example.com', password: 'pw' });
    expect(added.status).toBe(201);
    expect(added.body).toEqual({ email: 'new@example.com', password: 'pw', twoFactor: false });
    expect((await http.get('/__mock/b2copy/users/new@example.com').set('X-Mock-Session', session)).body).toEqual(
      added.body,
    );
    expect((await http.get('/__mock/b2copy/users/nobody@example.com').set('X-Mock-Session', session)).status).toBe(404);
  });

  it('answers a known control path with the wrong method 405 and Allow', async () => {
    for (const [method, path, allow] of [
      ['post', '/__mock/health', 'GET'],
      ['put', '/__mock/b2copy/users', 'GET, POST'],
      ['get', '/__mock/reset', 'POST'],
      ['put', '/__mock/b2copy/users/x', 'GET, PATCH, DELETE'],
    ] as const) {
      const response = await http[method](path);
      expect(response.status, `${method} ${path}`).toBe(405);
      expect(response.headers.allow).toBe(allow);
    }
  });

  it('answers client faults in URLs and bodies with 4xx, never 500', async () => {
    expect((await http.get('/__mock/openapi/%zz.json')).status).toBe(400);
    expect((await http.delete('/__mock/b2copy/users/%zz')).status).toBe(400);
    expect(
      (
        await http
          .post('/__mock/clock')
          .set('Content-Type', 'application/json; charset=latin1')
          .send('{"advanceSeconds":1}')
      ).status,
    ).toBe(415);
    expect(
      (
        await http
          .post('/__mock/clock')
          .set('Content-Type', 'application/json')
          .set('Content-Encoding', 'foo')
          .send('{}')
      ).status,
    ).toBe(415);
    const gzip = await http
      .post('/b2copy/api/v2/signin')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .send('not gzip');
    expect(gzip.status).toBe(400);
    expect(gzip.body.errors[0].code).toBe('invalid_request');
  });

  it('refuses writes to a read-only collection with 405', async () => {
    const response = await http.post('/__mock/keeta/authorizations').send({ authId: 'x' });
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('GET');
  });

  it('404s for an unknown provider or collection, 400 for broken JSON, 413 for a body over 1 MB', async () => {
    expect((await http.get('/__mock/nope/users')).status).toBe(404);
    expect((await http.get('/__mock/b2copy/nope')).body.error.message).toMatch(/collections: users, admins/);
    expect(
      (await http.post('/__mock/b2copy/admins').set('Content-Type', 'application/json').send('{"id":')).status,
    ).toBe(400);
    expect((await http.post('/__mock/b2copy/admins').send({ id: 'x'.repeat(1024 * 1024 + 1) })).status).toBe(413);
  });
});

describe('clock, reset and journal', () => {
  it('refuses a clock that goes backwards, a non-number, or past the last representable date, changing nothing', async () => {
    const session = newSession();
    await http.post('/__mock/clock').set('X-Mock-Session', session).send({ advanceSeconds: 30 }).expect(200);
    for (const advanceSeconds of [-1, '10', 1e308, 1e13]) {
      expect((await http.post('/__mock/clock').set('X-Mock-Session', session).send({ advanceSeconds })).status).toBe(
        400,
      );
    }
    const clock = await http.get('/__mock/clock').set('X-Mock-Session', session).expect(200);
    expect(clock.body.offsetSeconds).toBe(30);
  });

  it('moves and resets the default session clock when no session is named', async () => {
    const { http: own } = await mockApp();
    await own.post('/__mock/clock').send({ advanceSeconds: 3600 }).expect(200);
    expect((await own.get('/__mock/clock')).body).toMatchObject({ session: 'default', offsetSeconds: 3600 });
    await own.post('/__mock/b2copy/admins').send({ id: 'temp' }).expect(201);
    await own.post('/__mock/reset').expect(200);
    expect((await own.get('/__mock/clock')).body.offsetSeconds).toBe(0);
    expect((await own.get('/__mock/b2copy/admins')).body).toEqual([{ id: 1 }]);
  });

  it('reset without a session puts every session back', async () => {
    const session = newSession();
    await http.post('/__mock/b2copy/admins').set('X-Mock-Session', session).send({ id: 'temp' }).expect(201);
    await http.post('/__mock/reset').expect(200, { status: 'reset', session: 'all' });
    const admins = (await http.get('/__mock/b2copy/admins').set('X-Mock-Session', session)).body;
    expect(admins).toEqual([{ id: 1 }]);
  });

  it('records provider requests with operation, status and validation errors, per session', async () => {
    const session = newSession();
    await http.post('/b2copy/api/v2/signin').set('X-Mock-Session', session).send({ email: 'x' });
    await http.get('/keeta/oauth/authorization/url').set('X-Mock-Session', session).query({ clientId: 'keeta-demo' });
    const journal = (await http.get('/__mock/journal').set('X-Mock-Session', session)).body;
    expect(journal).toHaveLength(2);
    expect(journal[0]).toMatchObject({
      session,
      provider: 'keeta',
      operationId: 'getAuthorizationUrl',
      method: 'GET',
      path: '/keeta/oauth/authorization/url',
      status: 200,
    });
    expect(journal[1]).toMatchObject({ provider: 'b2copy', operationId: 'signIn', status: 400 });
    expect(journal[1].validationErrors.map((issue: { location: string }) => issue.location)).toEqual([
      '/body/password',
      '/body/email',
    ]);
  });

  it('refuses a malformed X-Mock-Session', async () => {
    const response = await http.get('/__mock/clock').set('X-Mock-Session', 'not ok!');
    expect(response.status).toBe(400);
    const provider = await http
      .get('/keeta/oauth/authorization/url')
      .set('X-Mock-Session', 'x'.repeat(200))
      .query({ clientId: 'a' });
    expect(provider.status).toBe(400);
    expect(provider.headers['content-type']).toMatch(/problem\+json/);
  });
});

describe('the inspector page at /', () => {
  it('is a static shell with a strict Content-Security-Policy, loading only its own files', async () => {
    const page = await http.get('/').expect(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    // Nothing inline for the CSP to allow, and nothing from another origin.
    expect(page.text).not.toMatch(/<style|style=|<script>|\son[a-z]+=/i);
    expect(page.text).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(page.text).toContain('src="__mock/inspector/assets/inspector.js"');
    expect(page.text).toContain('href="__mock/inspector/assets/inspector.css"');
  });

  it('serves the scripts and stylesheet with their types, revalidated by ETag, and nothing else', async () => {
    const script = await http.get('/__mock/inspector/assets/inspector.js').expect(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['cache-control']).toBe('no-cache');
    expect(script.headers['x-content-type-options']).toBe('nosniff');
    // Every module the entry imports is served too.
    const imports = [...script.text.matchAll(/from '\.\/([\w-]+\.js)'/g)].map((match) => match[1]);
    expect(imports.length).toBeGreaterThan(3);
    for (const file of imports) {
      const module = await http.get(`/__mock/inspector/assets/${file}`).expect(200);
      expect(module.headers['content-type']).toBe('text/javascript; charset=utf-8');
    }
    const style = await http.get('/__mock/inspector/assets/inspector.css').expect(200);
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');
    // Gzipped for a client that takes it (a browser does), as it is for one that does not.
    expect(style.headers['content-encoding']).toBe('gzip');
    expect(style.headers.vary).toBe('Accept-Encoding');
    const plain = await http.get('/__mock/inspector/assets/inspector.css').set('Accept-Encoding', 'identity');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.text).toBe(style.text);
    expect(plain.headers.etag).not.toBe(style.headers.etag);
    await http
      .get('/__mock/inspector/assets/inspector.css')
      .set('If-None-Match', style.headers.etag as string)
      .expect(304);

    for (const file of ['serve-page.ts', 'index.html', '..%2Fserve-page.ts', 'nope.js']) {
      const refused = await http.get(`/__mock/inspector/assets/${file}`).expect(404);
      expect(refused.body.error.code).toBe('not_found');
    }
  });
});
