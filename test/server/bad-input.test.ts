/**
 * Bad input gets a 4xx in the provider's own error shape, never a 5xx or a stack trace, and the
 * server stays healthy. Table-driven: [title, { given, want }].
 */
import type { Test } from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { mockApp } from '../helpers.ts';

let http: Awaited<ReturnType<typeof mockApp>>['http'];
beforeAll(async () => {
  ({ http } = await mockApp());
});

type Shape = 'b2copy' | 'keeta' | 'oauth' | 'html';

/** Asserts the body is the provider's error shape and returns its human message. */
function expectShape(shape: Shape, response: Awaited<Test>): string {
  switch (shape) {
    case 'b2copy':
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.body).toMatchObject({
        status: response.status,
        meta: { behaviours: [], status: response.status },
        data: null,
        modules: [],
      });
      expect(response.body.errors.length).toBeGreaterThan(0);
      return response.body.errors.map((error: { message: string }) => error.message).join('; ');
    case 'keeta':
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({ status: response.status, title: expect.any(String) });
      return response.body.detail;
    case 'oauth':
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.body).toEqual({ error: expect.any(String), error_description: expect.any(String) });
      expect(response.headers['cache-control']).toBe('no-store');
      return response.body.error_description;
    case 'html':
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      return response.text;
  }
}

const big = 'x'.repeat(1024 * 1024 + 10);

const cases: [string, { given: (h: typeof http) => Test; want: { status: number; shape: Shape; message: RegExp } }][] =
  [
    [
      'B2COPY broken JSON',
      {
        given: (h) =>
          h.post('/b2copy/api/v2/signin').set('Content-Type', 'application/json').send('{"email": "a@b.c",'),
        want: { status: 400, shape: 'b2copy', message: /not valid JSON/ },
      },
    ],
    [
      'B2COPY wrong type (numeric password)',
      {
        given: (h) => h.post('/b2copy/api/v2/signin').send({ email: 'username@example.com', password: 123 }),
        want: { status: 400, shape: 'b2copy', message: /\/password must be string/ },
      },
    ],
    [
      'B2COPY missing required field',
      {
        given: (h) => h.post('/b2copy/api/v2/signin').send({ email: 'username@example.com' }),
        want: { status: 400, shape: 'b2copy', message: /\/password is required/ },
      },
    ],
    [
      'B2COPY bad email format',
      {
        given: (h) => h.post('/b2copy/api/v2/signin').send({ email: 'not-an-email', password: 'x' }),
        want: { status: 400, shape: 'b2copy', message: /\/email must match format "email"/ },
      },
    ],
    [
      'B2COPY getAuthUrl without any secret key field',
      {
        given: (h) =>
          h
            .post('/b2copy/api/v1/standalone/auth/getAuthUrl')
            .send({ account_id: '77632289', investment_platform_id: '1' }),
        want: { status: 400, shape: 'b2copy', message: /secret/ },
      },
    ],
    [
      'B2COPY JSON array instead of object',
      {
        given: (h) => h.post('/b2copy/api/admin/auth/v2/admin/adminservice/refreshtoken').send([1, 2]),
        want: { status: 400, shape: 'b2copy', message: /must be object/ },
      },
    ],
    [
      'B2COPY empty body',
      {
        given: (h) => h.post('/b2copy/api/admin/auth/v2/admin/adminservice/authexternalcrm'),
        want: { status: 400, shape: 'b2copy', message: /request body is required/ },
      },
    ],
    [
      'B2COPY oversized body',
      {
        given: (h) =>
          h.post('/b2copy/api/v2/signin').set('Content-Type', 'application/json').send(`{"email":"${big}"}`),
        want: { status: 413, shape: 'b2copy', message: /larger/ },
      },
    ],
    [
      'B2COPY unknown route',
      {
        given: (h) => h.get('/b2copy/api/v2/nope'),
        want: { status: 404, shape: 'b2copy', message: /no GET \/b2copy\/api\/v2\/nope/ },
      },
    ],
    [
      'B2COPY wrong method',
      { given: (h) => h.get('/b2copy/api/v2/signin'), want: { status: 405, shape: 'b2copy', message: /use POST/ } },
    ],
    [
      'Keeta missing clientId',
      {
        given: (h) => h.get('/keeta/oauth/authorization/url'),
        want: { status: 400, shape: 'keeta', message: /\/query\/clientId is required/ },
      },
    ],
    [
      'Keeta clientId sent twice',
      {
        given: (h) => h.get('/keeta/oauth/authorization/url?clientId=a&clientId=b'),
        want: { status: 400, shape: 'keeta', message: /clientId must be string/ },
      },
    ],
    [
      'Keeta redirectUri not a URL',
      {
        given: (h) =>
          h.get('/keeta/oauth/authorization/url').query({ clientId: 'keeta-demo', redirectUri: 'javascript:alert(1)' }),
        want: { status: 400, shape: 'keeta', message: /redirectUri/ },
      },
    ],
    [
      'Keeta unknown route',
      { given: (h) => h.get('/keeta/oauth/nope'), want: { status: 404, shape: 'keeta', message: /no GET/ } },
    ],
    [
      'Keeta oversized body',
      {
        given: (h) => h.post('/keeta/oauth/authorization/url').send(big),
        want: { status: 413, shape: 'keeta', message: /larger/ },
      },
    ],
    [
      'Just2Trade token as JSON instead of a form',
      {
        given: (h) =>
          h
            .post('/just2trade/auth/connect/token')
            .send({ grant_type: 'authorization_code', code: 'c', client_id: 'crm-demo' }),
        want: { status: 415, shape: 'oauth', message: /application\/x-www-form-urlencoded/ },
      },
    ],
    [
      'Just2Trade token without code',
      {
        given: (h) =>
          h
            .post('/just2trade/auth/connect/token')
            .type('form')
            .send('grant_type=authorization_code&client_id=crm-demo'),
        want: { status: 400, shape: 'oauth', message: /\/body\/code is required/ },
      },
    ],
    [
      'Just2Trade token with a repeated parameter',
      {
        given: (h) =>
          h
            .post('/just2trade/auth/connect/token')
            .type('form')
            .send('grant_type=authorization_code&code=a&code=b&client_id=crm-demo'),
        want: { status: 400, shape: 'oauth', message: /\/body\/code must be string/ },
      },
    ],
    [
      'Just2Trade profile without a token',
      { given: (h) => h.get('/just2trade/api/auth'), want: { status: 401, shape: 'oauth', message: /no credentials/ } },
    ],
    [
      'Just2Trade profile with a non-bearer scheme',
      {
        given: (h) => h.get('/just2trade/api/auth').set('Authorization', 'Basic Zm9vOmJhcg=='),
        want: { status: 401, shape: 'oauth', message: /no credentials/ },
      },
    ],
    [
      'Just2Trade authorize without client_id shows an HTML page, never a redirect',
      {
        given: (h) =>
          h.get(
            '/just2trade/auth/connect/authorize?response_type=code&client_secret=s&redirect_uri=http://localhost:3000/callback',
          ),
        want: { status: 400, shape: 'html', message: /client_id is required/ },
      },
    ],
    [
      'Just2Trade unknown route on the API host',
      { given: (h) => h.get('/just2trade/api/orders'), want: { status: 404, shape: 'oauth', message: /no GET/ } },
    ],
  ];

describe('bad input gets a 4xx in the provider shape', () => {
  it.each(cases)('%s', async (_title, { given, want }) => {
    const response = await given(http);
    expect(response.status).toBe(want.status);
    expect(response.headers.location).toBeUndefined();
    const message = expectShape(want.shape, response);
    expect(message).toMatch(want.message);
    expect(response.text).not.toMatch(/at .+\.(ts|js):\d+/); // no stack trace
  });

  it('unknown routes outside any provider get a JSON 404', async () => {
    const response = await http.get('/nowhere');
    expect(response.status).toBe(404);
    expect(response.body.error).toMatchObject({ code: 'not_found' });
  });

  it('the server is still healthy after all of it', async () => {
    for (const [, { given }] of cases) await given(http);
    const health = await http.get('/__mock/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', providers: ['b2copy', 'just2trade', 'keeta'] });
    const signIn = await http
      .post('/b2copy/api/v2/signin')
      .send({ email: 'username@example.com', password: 'Secret123' });
    expect(signIn.status).toBe(200);
  });
});
