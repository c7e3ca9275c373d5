/**
 * GET /connect/authorize: the client and the redirect URI are verified before anything is sent to
 * the redirect URI; then other errors go back by redirect; a valid request gets the login form.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AUTHORIZE, REDIRECT_URI, expectErrorPage, just2tradeApp, type Flow } from './flow.ts';

let app: Awaited<ReturnType<typeof just2tradeApp>>;
let flow: Flow;
beforeAll(async () => {
  app = await just2tradeApp();
});
beforeEach(() => {
  flow = app.flow();
});

describe('a valid authorize request', () => {
  it('shows a login form with labelled login and password fields, posting to the login page', async () => {
    const { page } = await flow.openLogin();
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toMatch(/<form method="post" action="\/just2trade\/auth\/connect\/authorize\/login">/);
    expect(page.text).toMatch(
      /<label for="login">Login<\/label>\s*<input id="login" name="login" type="text" autocomplete="username"[^>]* autofocus/,
    );
    expect(page.text).toMatch(
      /<label for="password">Password<\/label>\s*<input id="password" name="password" type="password" autocomplete="current-password"/,
    );
    expect(page.text).toContain('<strong>crm-demo</strong> is asking for access');
  });

  it('carries only a pending id and a CSRF token, never the request itself (no secret, no redirect URI)', async () => {
    const { page, pending, csrfToken } = await flow.openLogin({ state: 'xyz' });
    expect(pending).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const hidden = page.text.match(/<input type="hidden"[^>]*>/g) ?? [];
    expect(hidden).toHaveLength(2);
    expect(page.text).not.toContain(await flow.secret());
    expect(page.text).not.toContain(REDIRECT_URI);
    expect(page.text).not.toContain('xyz');
  });

  it('sets the CSRF token as an HttpOnly, SameSite=Lax cookie scoped to the login path', async () => {
    const { page, pending, csrfToken } = await flow.openLogin();
    const [cookie] = ([] as string[]).concat(page.headers['set-cookie'] ?? []);
    expect(cookie).toBe(
      `j2t_csrf_${pending}=${csrfToken}; Path=/just2trade/auth/connect/authorize/login; Max-Age=600; HttpOnly; SameSite=Lax`,
    );
  });

  it('is not cached, cannot be framed, and keeps its URL (with the client secret) out of Referer', async () => {
    const { page } = await flow.openLogin();
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(page.headers['referrer-policy']).toBe('no-referrer');
  });

  it('gives every page its own pending id and CSRF token', async () => {
    const first = await flow.openLogin();
    const second = await flow.openLogin();
    expect(second.pending).not.toBe(first.pending);
    expect(second.csrfToken).not.toBe(first.csrfToken);
  });

  it('ignores unknown parameters and scope (RFC 6749 §3.1)', async () => {
    const page = await flow.authorize(
      await flow.authorizeQuery({ scope: 'openid admin', nonce: 'n', prompt: 'login' }),
    );
    expect(page.status).toBe(200);
  });

  it('escapes what it shows: a client id with markup in it', async () => {
    const clientId = '<script>alert("x")</script>&';
    await flow.add('clients', { clientId, clientSecret: 's3cret', redirectUris: [REDIRECT_URI] });
    const page = await flow.authorize(
      new URLSearchParams({
        response_type: 'code',
        client_id: clientId,
        client_secret: 's3cret',
        redirect_uri: REDIRECT_URI,
      }).toString(),
    );
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('<script>');
    expect(page.text).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;&#38;');
  });
});

describe('an untrusted client or redirect URI gets an HTML error page, never a redirect', () => {
  it.each([
    ['unknown client_id', { client_id: 'nobody' }, /invalid_client/],
    ['wrong client_secret', { client_secret: 'wrong' }, /invalid_client/],
    ['empty client_secret', { client_secret: '' }, /client_secret/],
    ['missing client_secret', { client_secret: undefined }, /client_secret/],
    ['missing client_id', { client_id: undefined }, /client_id/],
    ['missing redirect_uri', { redirect_uri: undefined }, /redirect_uri/],
    ['a relative redirect_uri', { redirect_uri: '/callback' }, /redirect_uri/],
    ['an unregistered redirect_uri', { redirect_uri: 'https://evil.example/callback' }, /not registered/],
    ['wrong secret and a bad response_type', { client_secret: 'wrong', response_type: 'token' }, /invalid_client/],
    [
      'unregistered redirect_uri and a bad response_type',
      { redirect_uri: 'https://evil.example/', response_type: 'token' },
      /not registered/,
    ],
  ])('%s', async (_title, overrides, text) => {
    const response = await flow.authorize(await flow.authorizeQuery(overrides as Record<string, string | undefined>));
    expectErrorPage(response, 400, text);
    expect(response.headers['set-cookie']).toBeUndefined();
  });

  it('a parameter sent twice (RFC 6749 §3.1)', async () => {
    const query = `${await flow.authorizeQuery()}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`;
    expectErrorPage(await flow.authorize(query), 400, /redirect_uri/);
  });

  // Exact string comparison, no normalisation (RFC 9700 §4.1.3): each of these would be "the same"
  // to a lenient matcher, and each could hand the code to someone else.
  it.each([
    ['a prefix of the registered URI', 'http://localhost:3000/call'],
    ['the registered URI as a prefix (suffix added)', 'http://localhost:3000/callback.evil.example'],
    ['an extra path segment', 'http://localhost:3000/callback/x'],
    ['path traversal', 'http://localhost:3000/callback/../x'],
    ['dot segment resolving to the same path', 'http://localhost:3000/./callback'],
    ['percent-encoded path', 'http://localhost:3000/%63allback'],
    ['percent-encoded slash', 'http://localhost:3000%2Fcallback'],
    ['upper-case host', 'http://LOCALHOST:3000/callback'],
    ['upper-case path', 'http://localhost:3000/Callback'],
    ['upper-case scheme', 'HTTP://localhost:3000/callback'],
    ['trailing slash', 'http://localhost:3000/callback/'],
    ['extra query', 'http://localhost:3000/callback?next=https://evil.example'],
    ['empty query', 'http://localhost:3000/callback?'],
    ['fragment', 'http://localhost:3000/callback#x'],
    ['userinfo', 'http://localhost:3000@evil.example/callback'],
    ['default port made explicit elsewhere', 'http://localhost:3000:80/callback'],
    ['another port', 'http://localhost:3001/callback'],
    ['https instead of http', 'https://localhost:3000/callback'],
    ['127.0.0.1 for localhost', 'http://127.0.0.1:3000/callback'],
    ['trailing whitespace', 'http://localhost:3000/callback '],
  ])('%s: %s', async (_title, redirectUri) => {
    const response = await flow.authorize(await flow.authorizeQuery({ redirect_uri: redirectUri, state: 's' }));
    expectErrorPage(response, 400, /redirect_uri/);
  });

  it('a URI registered for another client', async () => {
    await flow.add('clients', {
      clientId: 'other',
      clientSecret: 'other-secret',
      redirectUris: ['https://other.example/cb'],
    });
    const response = await flow.authorize(await flow.authorizeQuery({ redirect_uri: 'https://other.example/cb' }));
    expectErrorPage(response, 400, /not registered/);
  });

  it('escapes the page and sends the same protective headers as the login form', async () => {
    const response = await flow.authorize(await flow.authorizeQuery({ client_id: '<img src=x onerror=alert(1)>' }));
    expectErrorPage(response, 400, /invalid_client/);
    expect(response.text).not.toContain('<img');
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['cache-control']).toBe('no-store');
  });
});

describe('once client and redirect URI are verified, other errors go back by redirect (RFC 6749 §4.1.2.1)', () => {
  it('an unsupported response_type: error, error_description and state, properly encoded', async () => {
    const state = 'a b&c=d#e/ü';
    const response = await flow.authorize(await flow.authorizeQuery({ response_type: 'token', state }));
    expect(response.status).toBe(302);
    const location = new URL(response.headers.location!);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(Object.fromEntries(location.searchParams)).toEqual({
      error: 'unsupported_response_type',
      error_description: 'Only response_type=code is supported.',
      state,
    });
    expect(location.hash).toBe('');
  });

  it('no state on the redirect when the request sent none', async () => {
    const response = await flow.authorize(await flow.authorizeQuery({ response_type: 'token' }));
    expect(response.status).toBe(302);
    const location = new URL(response.headers.location!);
    expect(location.searchParams.get('error')).toBe('unsupported_response_type');
    expect(location.searchParams.has('state')).toBe(false);
  });

  it('a missing response_type is not among them: the spec requires it, so request validation shows the error page', async () => {
    expectErrorPage(
      await flow.authorize(await flow.authorizeQuery({ response_type: undefined, state: 's' })),
      400,
      /response_type/,
    );
  });

  it("keeps a registered redirect URI's own query as registered", async () => {
    const registered = 'https://crm.example/oauth/cb?tenant=a%20b&x=1';
    await flow.add('clients', { clientId: 'tenant-crm', clientSecret: 'tenant-secret', redirectUris: [registered] });
    const response = await flow.authorize(
      new URLSearchParams({
        response_type: 'none',
        client_id: 'tenant-crm',
        client_secret: 'tenant-secret',
        redirect_uri: registered,
        state: 'st',
      }).toString(),
    );
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe(
      `${registered}&error=unsupported_response_type&error_description=Only+response_type%3Dcode+is+supported.&state=st`,
    );
  });
});

describe('HEAD', () => {
  it('is answered from the spec: no login form is started, no cookie set', async () => {
    const response = await flow.http
      .head(`${AUTHORIZE}?${await flow.authorizeQuery()}`)
      .set('X-Mock-Session', flow.session);
    expect(response.status).toBe(200);
    expect(response.headers['set-cookie']).toBeUndefined();
  });
});
