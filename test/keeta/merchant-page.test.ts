/**
 * `GET /keeta/m/web/openapi/authorize`: the merchant page works from the link's query alone (no
 * fragment), shows the app and the merchants in a real form, and trusts nothing in the link.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { mockApp, newSession } from '../helpers.ts';
import {
  LOCKED_APP,
  PAGE_PATH,
  SHOP_APP,
  addApp,
  errorMessage,
  linkFor,
  openPage,
  parseForm,
  requestTarget,
  type Http,
} from './keeta-helpers.ts';

const DOCS = readFileSync(new URL('../../docs/provider-docs/keeta-authorization-url.md', import.meta.url), 'utf8');
const DOCS_URL_EXAMPLE = /URL Example: "([^"]+)"/.exec(DOCS)![1]!;

let http: Http;
beforeAll(async () => {
  ({ http } = await mockApp({ providers: ['keeta'], log: () => {} }));
});

/** The page's answer for a raw query (the part of a link a browser sends). */
const page = (session: string, query: string) => http.get(`${PAGE_PATH}?${query}`).set('X-Mock-Session', session);

describe('the merchant page', () => {
  it('opens from the link without its fragment and shows the app and a real form', async () => {
    const session = newSession();
    const link = await linkFor(http, session, {
      clientId: 'keeta-demo',
      redirectUri: 'https://crm.example.com/cb',
      state: 'xyz',
    });
    expect(requestTarget(link)).not.toContain('#');
    const { response, form } = await openPage(http, session, link);
    expect(response.headers['content-type']).toMatch(/^text\/html; charset=utf-8/);
    for (const [id, value] of [
      ['appId', '2123830428'],
      ['mode', 'client_credentials'],
      ['region', 'BR'],
      ['cityId', '110200008'],
      ['locale', 'en'],
    ]) {
      expect(response.text).toContain(`<dd id="${id}">${value}</dd>`);
    }
    expect(response.text).toContain('https://crm.example.com/cb');
    expect(form.method).toBe('post');
    expect(form.action).toBe('http://localhost:4010/keeta/m/web/openapi/authorize');
    expect(Object.keys(form.hidden).sort()).toEqual(['authorizationRequest', 'csrfToken']);
    expect(form.decisions).toEqual(['authorize', 'deny']);
    expect(response.text).toMatch(/<label for="merchantId">Merchant<\/label>/);

    const merchants = (await http.get('/__mock/keeta/merchants').set('X-Mock-Session', session)).body as {
      id: string;
      name: string;
    }[];
    expect(merchants).toHaveLength(3);
    expect(form.merchants.map((option) => option.value)).toEqual(merchants.map((merchant) => merchant.id));
    for (const [index, merchant] of merchants.entries()) expect(form.merchants[index]!.label).toContain(merchant.name);
  });

  it("opens from the docs' example URL itself, host swapped (the link is its own request)", async () => {
    const docsLink = DOCS_URL_EXAMPLE.replace('https://merchant.mykeeta.com', 'http://localhost:4010/keeta');
    const { form } = await openPage(http, newSession(), docsLink);
    expect(form.decisions).toEqual(['authorize', 'deny']);
  });

  it('is never cached or framed, and binds the form to an HttpOnly SameSite=Lax cookie', async () => {
    const session = newSession();
    const { response } = await openPage(http, session, await linkFor(http, session, { clientId: 'keeta-demo' }));
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    const [cookie] = response.headers['set-cookie'] as unknown as string[];
    expect(cookie).toMatch(
      /^keeta_browser=[A-Za-z0-9_-]{43}; Path=\/keeta\/m\/web\/openapi\/authorize; HttpOnly; SameSite=Lax$/,
    );
  });

  it('marks the cookie Secure when the public URL is https', async () => {
    const { http: secure } = await mockApp({
      providers: ['keeta'],
      publicUrl: 'https://mock.example.org',
      log: () => {},
    });
    const response = await secure.get(`${PAGE_PATH}?appId=2123830428`);
    expect(response.status).toBe(200);
    expect((response.headers['set-cookie'] as unknown as string[])[0]).toMatch(/; Secure$/);
    expect(parseForm(response.text, undefined).action).toBe('https://mock.example.org/keeta/m/web/openapi/authorize');
  });

  it("gives every load its own form and CSRF token, and keeps the browser's cookie", async () => {
    const session = newSession();
    const link = await linkFor(http, session, { clientId: 'keeta-demo' });
    const first = await openPage(http, session, link);
    const second = await http.get(requestTarget(link)).set('X-Mock-Session', session).set('Cookie', first.form.cookie);
    const again = parseForm(second.text, second.headers['set-cookie']);
    expect(again.hidden.authorizationRequest).not.toBe(first.form.hidden.authorizationRequest);
    expect(again.hidden.csrfToken).not.toBe(first.form.hidden.csrfToken);
    expect(again.cookie).toBe(first.form.cookie);
  });

  it('escapes everything it shows (merchant names from fixtures, redirectUri from the link)', async () => {
    const session = newSession();
    await http
      .post('/__mock/keeta/merchants')
      .set('X-Mock-Session', session)
      .send({ id: '"><script>alert(1)</script>', name: '<img src=x onerror=alert(1)>', city: 'A&B' });
    const link = await linkFor(http, session, {
      clientId: 'keeta-demo',
      redirectUri: "https://crm.example.com/cb?a=1&b='x'",
    });
    const { response, form } = await openPage(http, session, link);
    expect(response.text).not.toMatch(/<script>|<img/);
    expect(response.text).toContain('&#60;img src=x onerror=alert(1)&#62;');
    expect(response.text).toContain('https://crm.example.com/cb?a=1&#38;b=&#39;x&#39;');
    expect(form.merchants.map((option) => option.value)).toContain('"><script>alert(1)</script>');
  });

  it("shows a shop-level app's mode and says when there is no redirectUri", async () => {
    const session = newSession();
    await addApp(http, session, SHOP_APP);
    const { response } = await openPage(http, session, await linkFor(http, session, { clientId: SHOP_APP.clientId }));
    expect(response.text).toContain('<dd id="mode">shop_level_authorization_code</dd>');
    expect(response.text).toContain('the result will be shown on this page');
  });

  it('does not answer HEAD (a link scanner must not create forms)', async () => {
    const response = await http.head(`${PAGE_PATH}?appId=2123830428`).set('X-Mock-Session', newSession());
    expect(response.status).toBe(405);
  });
});

describe('the page trusts nothing in the link: 400 HTML, no redirect, no form', () => {
  const cases: [string, { query: string; locked?: boolean; message: RegExp }][] = [
    ['no appId', { query: 'locale=en&region=BR', message: /has no appId/ }],
    ['an unknown appId', { query: 'appId=999', message: /No Keeta application has appId 999/ }],
    ['appId twice', { query: 'appId=2123830428&appId=2123830428', message: /appId more than once/ }],
    [
      "a responseType other than the app's mode",
      { query: 'appId=2123830428&responseType=shop_level_authorization_code', message: /not this application's mode/ },
    ],
    ['an unknown scope', { query: 'appId=2123830428&scope=admin', message: /scope admin/ }],
    [
      'a javascript: redirectUri',
      {
        query: `appId=2123830428&redirectUri=${encodeURIComponent('javascript:alert(1)')}`,
        message: /absolute http or https URL/,
      },
    ],
    [
      'a data: redirectUri',
      {
        query: `appId=2123830428&redirectUri=${encodeURIComponent('data:text/html,x')}`,
        message: /absolute http or https URL/,
      },
    ],
    ['a relative redirectUri', { query: 'appId=2123830428&redirectUri=%2Fcb', message: /absolute http or https URL/ }],
    [
      'a malformed redirectUri',
      { query: `appId=2123830428&redirectUri=${encodeURIComponent('http://')}`, message: /not a valid absolute URL/ },
    ],
    [
      'a redirectUri with a tab',
      {
        query: `appId=2123830428&redirectUri=${encodeURIComponent('https://crm.exa\tmple.com/')}`,
        message: /not a valid URI \(RFC 3986\)/,
      },
    ],
    [
      'a redirectUri with a quote and angle brackets',
      {
        query: `appId=2123830428&redirectUri=${encodeURIComponent('https://crm.example.com/?q=<b>"x"</b>')}`,
        message: /not a valid URI/,
      },
    ],
    [
      'a redirectUri with a fragment',
      {
        query: `appId=2123830428&redirectUri=${encodeURIComponent('https://crm.example.com/#x')}`,
        message: /fragment/,
      },
    ],
    [
      'an unregistered redirectUri for a locked app (link edited)',
      {
        locked: true,
        query: `appId=${LOCKED_APP.appId}&redirectUri=${encodeURIComponent('https://evil.example/cb')}`,
        message: /not registered/,
      },
    ],
    [
      'a suffixed registered redirectUri',
      {
        locked: true,
        query: `appId=${LOCKED_APP.appId}&redirectUri=${encodeURIComponent(`${LOCKED_APP.redirectUris[0]}.evil.example`)}`,
        message: /not registered/,
      },
    ],
  ];
  it.each(cases)('%s', async (_title, { query, locked, message }) => {
    const session = newSession();
    if (locked) await addApp(http, session, LOCKED_APP);
    const response = await page(session, query);
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.headers.location).toBeUndefined();
    expect(response.headers['set-cookie']).toBeUndefined();
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.text).not.toContain('<form');
    expect(errorMessage(response.text)).toMatch(message);
  });

  it('escapes what it echoes in an error', async () => {
    const response = await page(newSession(), `appId=${encodeURIComponent('<script>x</script>')}`);
    expect(response.status).toBe(400);
    expect(response.text).not.toContain('<script>');
    expect(response.text).toContain('&#60;script&#62;');
  });

  it("a locked app's registered redirectUri opens the page", async () => {
    const session = newSession();
    await addApp(http, session, LOCKED_APP);
    const response = await page(
      session,
      `appId=${LOCKED_APP.appId}&redirectUri=${encodeURIComponent(LOCKED_APP.redirectUris[1]!)}`,
    );
    expect(response.status).toBe(200);
  });

  it('an app that exists only in another session is unknown here', async () => {
    const mine = newSession();
    await addApp(http, mine, SHOP_APP);
    expect((await page(mine, `appId=${SHOP_APP.appId}`)).status).toBe(200);
    expect((await page(newSession(), `appId=${SHOP_APP.appId}`)).status).toBe(400);
  });
});
