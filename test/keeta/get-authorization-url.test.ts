/**
 * `GET /keeta/oauth/authorization/url`: the docs' link form, the docs' 401, and every rule a
 * redirectUri must meet (docs/provider-docs/keeta-authorization-url.md).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { mockApp, newSession } from '../helpers.ts';
import { LOCKED_APP, SHOP_APP, URL_PATH, addApp, linkFor, type Http } from './keeta-helpers.ts';

const DOCS = readFileSync(new URL('../../docs/provider-docs/keeta-authorization-url.md', import.meta.url), 'utf8');
const DOCS_URL_EXAMPLE = /URL Example: "([^"]+)"/.exec(DOCS)![1]!;

let http: Http;
beforeAll(async () => {
  ({ http } = await mockApp({ providers: ['keeta'], log: () => {} }));
});

describe('the merchant authorization URL', () => {
  it("is the docs' example URL, on the mock, for the docs' request (clientId only)", async () => {
    const response = await http.get(`${URL_PATH}?clientId=keeta-demo`).set('X-Mock-Session', newSession());
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.body).toEqual({
      merchantAuthorizationUrl: DOCS_URL_EXAMPLE.replace('https://merchant.mykeeta.com', 'http://localhost:4010/keeta'),
    });
    expect(DOCS_URL_EXAMPLE).toContain('scope=all/#/app-activation'); // the docs' form, reproduced exactly
  });

  it("carries redirectUri and state, encoded, in the docs' parameter order", async () => {
    const session = newSession();
    const link = await linkFor(http, session, {
      clientId: 'keeta-demo',
      redirectUri: 'https://crm.example.com/cb?x=1&y=2',
      state: 'a b&c=d/é',
    });
    const url = new URL(link);
    expect(url.origin + url.pathname).toBe('http://localhost:4010/keeta/m/web/openapi/authorize');
    expect(url.hash).toBe('#/app-activation');
    expect([...url.searchParams.keys()]).toEqual([
      'locale',
      'region',
      'cityId',
      'risk_cost_id',
      'responseType',
      'appId',
      'redirectUri',
      'state',
      'scope',
    ]);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      locale: 'en',
      region: 'BR',
      cityId: '110200008',
      risk_cost_id: '',
      responseType: 'client_credentials',
      appId: '2123830428',
      redirectUri: 'https://crm.example.com/cb?x=1&y=2',
      state: 'a b&c=d/é',
      scope: 'all/',
    });
  });

  it('describes a shop-level app with its own mode, region, city and locale', async () => {
    const session = newSession();
    await addApp(http, session, SHOP_APP);
    const url = new URL(await linkFor(http, session, { clientId: SHOP_APP.clientId }));
    expect(url.searchParams.get('responseType')).toBe('shop_level_authorization_code');
    expect(url.searchParams.get('appId')).toBe(SHOP_APP.appId);
    expect([url.searchParams.get('region'), url.searchParams.get('cityId'), url.searchParams.get('locale')]).toEqual([
      'HK',
      '810000',
      'zh-HK',
    ]);
  });

  it('fills an app added without region, city and locale with the defaults', async () => {
    const session = newSession();
    await addApp(http, session, { clientId: 'bare', appId: '1', mode: 'client_credentials' });
    const url = new URL(await linkFor(http, session, { clientId: 'bare' }));
    expect(url.search).toBe(
      '?locale=en&region=BR&cityId=110200008&risk_cost_id=&responseType=client_credentials&appId=1&redirectUri=&state=&scope=all/',
    );
  });

  it('builds the link from the configured public URL, never from Host', async () => {
    const { http: other } = await mockApp({
      providers: ['keeta'],
      publicUrl: 'https://mock.example.org/base',
      log: () => {},
    });
    const response = await other
      .get(URL_PATH)
      .set('Host', 'evil.example')
      .set('X-Forwarded-Host', 'evil.example')
      .query({ clientId: 'keeta-demo' });
    expect(response.body.merchantAuthorizationUrl).toMatch(
      /^https:\/\/mock\.example\.org\/base\/keeta\/m\/web\/openapi\/authorize\?/,
    );
  });
});

describe('refusals', () => {
  it('without clientId: 400 problem+json naming it', async () => {
    const response = await http.get(URL_PATH).set('X-Mock-Session', newSession());
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({
      title: 'Bad Request',
      status: 400,
      errors: [{ pointer: '/clientId', detail: 'is required' }],
    });
  });

  it("an unknown clientId: the docs' 401 problem {title, status}", async () => {
    const response = await http.get(URL_PATH).set('X-Mock-Session', newSession()).query({ clientId: 'nobody' });
    expect(response.status).toBe(401);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toEqual({
      type: 'about:blank',
      title: 'Unauthorized',
      status: 401,
      detail: 'Unknown clientId: no Keeta application is registered with it.',
    });
  });

  it('a clientId known only in another session is unknown here', async () => {
    const mine = newSession();
    await addApp(http, mine, SHOP_APP);
    expect((await http.get(URL_PATH).set('X-Mock-Session', mine).query({ clientId: SHOP_APP.clientId })).status).toBe(
      200,
    );
    expect(
      (await http.get(URL_PATH).set('X-Mock-Session', newSession()).query({ clientId: SHOP_APP.clientId })).status,
    ).toBe(401);
  });

  const refused: [string, { clientId: string; redirectUri: string; detail: RegExp }][] = [
    [
      'javascript:',
      { clientId: 'keeta-demo', redirectUri: 'javascript:alert(1)', detail: /redirectUri must match pattern/ },
    ],
    [
      'data:',
      {
        clientId: 'keeta-demo',
        redirectUri: 'data:text/html,<script>alert(1)</script>',
        detail: /redirectUri must match pattern/,
      },
    ],
    ['relative', { clientId: 'keeta-demo', redirectUri: '/keeta/callback', detail: /redirectUri must match pattern/ }],
    [
      'scheme-relative',
      { clientId: 'keeta-demo', redirectUri: '//crm.example.com/cb', detail: /redirectUri must match pattern/ },
    ],
    ['malformed http://', { clientId: 'keeta-demo', redirectUri: 'http://', detail: /not a valid absolute URL/ }],
    [
      'malformed IPv6 host',
      { clientId: 'keeta-demo', redirectUri: 'https://[::1/cb', detail: /redirectUri must match format "uri"/ },
    ],
    [
      'upper-case scheme',
      { clientId: 'keeta-demo', redirectUri: 'HTTPS://crm.example.com/cb', detail: /redirectUri must match pattern/ },
    ],
    ['with a fragment', { clientId: 'keeta-demo', redirectUri: 'https://crm.example.com/cb#frag', detail: /fragment/ }],
    [
      'with a tab inside',
      {
        clientId: 'keeta-demo',
        redirectUri: 'https://crm.exa\tmple.com/cb',
        detail: /redirectUri must match format "uri"/,
      },
    ],
    [
      'unregistered, for a locked app',
      { clientId: LOCKED_APP.clientId, redirectUri: 'https://other.example.com/cb', detail: /not registered/ },
    ],
    [
      'a registered URI plus a suffix',
      {
        clientId: LOCKED_APP.clientId,
        redirectUri: 'https://crm.example.com/keeta/callback/../evil',
        detail: /not registered/,
      },
    ],
    [
      'a registered URI plus a query',
      {
        clientId: LOCKED_APP.clientId,
        redirectUri: 'https://crm.example.com/keeta/callback?next=https://evil.example',
        detail: /not registered/,
      },
    ],
    [
      'a prefix of a registered URI',
      { clientId: LOCKED_APP.clientId, redirectUri: 'https://crm.example.com/keeta', detail: /not registered/ },
    ],
    [
      'a registered URI on another host suffix',
      {
        clientId: LOCKED_APP.clientId,
        redirectUri: 'https://crm.example.com.evil.example/keeta/callback',
        detail: /not registered/,
      },
    ],
    [
      'a registered URI with userinfo',
      {
        clientId: LOCKED_APP.clientId,
        redirectUri: 'https://crm.example.com@evil.example/keeta/callback',
        detail: /not registered/,
      },
    ],
    [
      'a registered URI in other case',
      {
        clientId: LOCKED_APP.clientId,
        redirectUri: 'https://CRM.example.com/keeta/callback',
        detail: /not registered/,
      },
    ],
    [
      'a registered URI re-encoded',
      { clientId: LOCKED_APP.clientId, redirectUri: 'http://127.0.0.1:8080/cb?tenant=a+b', detail: /not registered/ },
    ],
  ];
  it.each(refused)('redirectUri %s: 400 problem+json saying why', async (_title, { clientId, redirectUri, detail }) => {
    const session = newSession();
    await addApp(http, session, LOCKED_APP);
    const response = await http.get(URL_PATH).set('X-Mock-Session', session).query({ clientId, redirectUri });
    expect(response.status, response.text).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ title: 'Bad Request', status: 400 });
    expect(response.body.detail).toMatch(detail);
    expect(response.body.errors[0].pointer).toBe('/redirectUri');
  });

  it.each(LOCKED_APP.redirectUris)('a locked app accepts its registered %s exactly', async (redirectUri) => {
    const session = newSession();
    await addApp(http, session, LOCKED_APP);
    const url = new URL(await linkFor(http, session, { clientId: LOCKED_APP.clientId, redirectUri }));
    expect(url.searchParams.get('redirectUri')).toBe(redirectUri);
  });

  it('an app without registered redirectUris accepts any absolute http(s) URL', async () => {
    const session = newSession();
    for (const redirectUri of ['http://127.0.0.1:3000/cb', 'https://crm.example.com/a/b?c=d']) {
      expect(
        new URL(await linkFor(http, session, { clientId: 'keeta-demo', redirectUri })).searchParams.get('redirectUri'),
      ).toBe(redirectUri);
    }
  });

  it('a refusal changes nothing: the next good request gets the same link as ever', async () => {
    const session = newSession();
    const before = await linkFor(http, session, { clientId: 'keeta-demo' });
    await http.get(URL_PATH).set('X-Mock-Session', session).query({ clientId: 'keeta-demo', redirectUri: 'http://' });
    expect(await linkFor(http, session, { clientId: 'keeta-demo' })).toBe(before);
  });
});
