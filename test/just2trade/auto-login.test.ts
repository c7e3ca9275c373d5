/**
 * Auto-login (`/__mock/just2trade/auto-login`), over HTTP against a listening mock: a suite that wants
 * no HTML turns it on for its session, and the authorize URL the client builds comes straight back with
 * a code for that user, which exchanges (with the PKCE verifier) like one from the login form. Every
 * other check of the authorize request still applies; other sessions, a DELETE and a reset see the form.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJust2TradeClient, ProviderError } from '../../src/client/index.ts';
import { startMockServer, type RunningMockServer } from '../../src/index.ts';
import { pageMessage } from '../../src/testing/form-browser.ts';
import { newSession } from '../helpers.ts';
import { CLIENT_ID, REDIRECT_URI } from './flow.ts';

let mock: RunningMockServer;
beforeAll(async () => {
  mock = await startMockServer({ port: 0, providers: ['just2trade'], log: () => {} });
});
afterAll(async () => {
  await mock?.close();
});

const ALICE = { login: 'alice', password: 'alice-password', email: 'alice@example.com' };

/** A call to the auto-login control route in `session`: a JSON body, or a raw one when given as a string. */
function autoLogin(session: string, method: string, body?: unknown, contentType = 'application/json') {
  return fetch(`${mock.url}/__mock/just2trade/auto-login`, {
    method,
    headers: { 'X-Mock-Session': session, ...(body === undefined ? {} : { 'Content-Type': contentType }) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
}

async function autoLoginState(session: string): Promise<unknown> {
  const response = await autoLogin(session, 'GET');
  expect(response.status).toBe(200);
  return response.json();
}

/** The typed client for the default client, in `session` (its calls carry the session header). */
async function clientIn(session: string, clientSecret?: string) {
  const controls = mock.session(session);
  return createJust2TradeClient({
    authBaseUrl: `${mock.url}/just2trade/auth`,
    apiBaseUrl: `${mock.url}/just2trade/api`,
    clientId: CLIENT_ID,
    clientSecret: clientSecret ?? (await controls.just2trade.clientSecret(CLIENT_ID)),
    redirectUri: REDIRECT_URI,
    fetch: controls.fetch,
  });
}

/** What a browser gets for an authorize URL in `session`, redirects not followed. */
function openAuthorize(session: string, url: string) {
  return fetch(url, { redirect: 'manual', headers: { 'X-Mock-Session': session } });
}

/** The authorize URL in `session` shows the login form (a 200 HTML page with the CSRF field), no redirect. */
async function expectLoginForm(session: string): Promise<void> {
  const { url } = await (await clientIn(session)).startAuthorization({ state: 'form?' });
  const response = await openAuthorize(session, url);
  const html = await response.text();
  expect(response.status, html).toBe(200);
  expect(response.headers.get('location')).toBeNull();
  expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  expect(html).toContain('name="csrf_token"');
}

/** A 400 control answer: JSON `{ error: { code, message } }`. */
async function expectControlError(response: Response, status: number, code: string, message: RegExp) {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = JSON.parse(text) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.message).toMatch(message);
}

describe('auto-login on', () => {
  it('POST answers what is set; authorize is a 302 straight to the redirect URI with code and state', async () => {
    const session = newSession();
    await mock.session(session).fixtures.add('just2trade', 'users', ALICE);
    const set = await autoLogin(session, 'POST', { login: 'alice' });
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual({ autoLogin: { login: 'alice' } });
    expect(await autoLoginState(session)).toEqual({ autoLogin: { login: 'alice' } });

    const just2trade = await clientIn(session);
    const { url, codeVerifier } = await just2trade.startAuthorization({ state: 'crm state/1 &x' });
    const response = await openAuthorize(session, url);
    expect(response.status, await response.text()).toBe(302);
    const location = new URL(response.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get('state')).toBe('crm state/1 &x');
    expect(location.searchParams.get('code')).toMatch(/^\S{20,}$/);
    expect(location.searchParams.has('error')).toBe(false);

    // The code is the user's: it exchanges, with the verifier, for a token whose profile is alice's.
    const { code } = just2trade.parseCallback(location, 'crm state/1 &x');
    const token = await just2trade.exchangeCode(code, { codeVerifier });
    const profile = await just2trade.getProfile(token.access_token);
    expect(profile.login).toBe('alice');
    expect(profile.email).toBe('alice@example.com');
  });

  it("binds the code to the request's PKCE challenge: another verifier is refused", async () => {
    const session = newSession();
    await mock.session(session).just2trade.autoLogin('login');
    const just2trade = await clientIn(session);
    const { url } = await just2trade.startAuthorization({ state: 's' });
    const response = await openAuthorize(session, url);
    expect(response.status).toBe(302);
    const { code } = just2trade.parseCallback(response.headers.get('location')!, 's');
    const other = (await just2trade.startAuthorization()).codeVerifier;
    const refusal = await just2trade.exchangeCode(code, { codeVerifier: other }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ProviderError);
    expect(refusal).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('each authorize gets its own code, and each code exchanges once', async () => {
    const session = newSession();
    await mock.session(session).just2trade.autoLogin('login');
    const just2trade = await clientIn(session);
    const codes: string[] = [];
    for (const state of ['a', 'b']) {
      const { url, codeVerifier } = await just2trade.startAuthorization({ state });
      const response = await openAuthorize(session, url);
      const { code } = just2trade.parseCallback(response.headers.get('location')!, state);
      codes.push(code);
      expect((await just2trade.exchangeCode(code, { codeVerifier })).access_token).toBeTruthy();
      await expect(just2trade.exchangeCode(code, { codeVerifier })).rejects.toMatchObject({ status: 400 });
    }
    expect(codes[0]).not.toBe(codes[1]);
  });

  it('still checks the authorize request: a wrong client_secret or redirect_uri is the error page, no redirect', async () => {
    const session = newSession();
    await mock.session(session).just2trade.autoLogin('login');

    const wrongSecret = await clientIn(session, 'not-the-secret');
    const refused = await openAuthorize(session, (await wrongSecret.startAuthorization({ state: 's' })).url);
    const html = await refused.text();
    expect(refused.status, html).toBe(400);
    expect(refused.headers.get('location')).toBeNull();
    expect(refused.headers.get('content-type')).toMatch(/^text\/html/);
    expect(pageMessage({ url: new URL(refused.url), status: 400, headers: refused.headers, html })).toMatch(
      /wrong client_secret/,
    );

    const { url } = await (await clientIn(session)).startAuthorization({ state: 's' });
    const elsewhere = new URL(url);
    elsewhere.searchParams.set('redirect_uri', 'https://evil.example/callback');
    const unregistered = await openAuthorize(session, elsewhere.href);
    expect(unregistered.status).toBe(400);
    expect(unregistered.headers.get('location')).toBeNull();
    expect(await unregistered.text()).toMatch(/redirect_uri is not registered/);
  });

  it('still reports a bad response_type or PKCE parameter on the redirect, with no code', async () => {
    const session = newSession();
    await mock.session(session).just2trade.autoLogin('login');
    const { url } = await (await clientIn(session)).startAuthorization({ state: 'st' });
    for (const [name, value, error] of [
      ['response_type', 'token', 'unsupported_response_type'],
      ['code_challenge_method', 'S512', 'invalid_request'],
    ] as const) {
      const altered = new URL(url);
      altered.searchParams.set(name, value);
      const response = await openAuthorize(session, altered.href);
      expect(response.status).toBe(302);
      const location = new URL(response.headers.get('location')!);
      expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
      expect(location.searchParams.get('error')).toBe(error);
      expect(location.searchParams.get('state')).toBe('st');
      expect(location.searchParams.has('code')).toBe(false);
    }
  });

  it('is for its session only: another session (and the default one) shows the login form', async () => {
    const session = newSession();
    await mock.session(session).just2trade.autoLogin('login');
    await expectLoginForm(newSession());
    await expectLoginForm('default');
    expect(await autoLoginState(newSession())).toEqual({ autoLogin: null });
  });

  it('a user removed after auto-login was set: authorize answers the 400 error page naming the login', async () => {
    const session = newSession();
    const controls = mock.session(session);
    await controls.fixtures.add('just2trade', 'users', ALICE);
    await controls.just2trade.autoLogin('alice');
    await controls.fixtures.remove('just2trade', 'users', 'alice');

    const { url } = await (await clientIn(session)).startAuthorization({ state: 's' });
    const response = await openAuthorize(session, url);
    const html = await response.text();
    expect(response.status, html).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const message = pageMessage({ url: new URL(url), status: 400, headers: response.headers, html });
    expect(message).toContain('"alice"');
    expect(message).toMatch(/no longer a user/);
  });
});

describe('turning it off', () => {
  it('DELETE answers { autoLogin: null } and authorize shows the form again', async () => {
    const session = newSession();
    await mock.session(session).just2trade.autoLogin('login');
    const off = await autoLogin(session, 'DELETE');
    expect(off.status).toBe(200);
    expect(await off.json()).toEqual({ autoLogin: null });
    expect(await autoLoginState(session)).toEqual({ autoLogin: null });
    await expectLoginForm(session);
  });

  it("POST /__mock/reset with the session header turns it off (and leaves another session's on)", async () => {
    const session = newSession();
    const other = newSession();
    await mock.session(session).just2trade.autoLogin('login');
    await mock.session(other).just2trade.autoLogin('login');
    const reset = await fetch(`${mock.url}/__mock/reset`, { method: 'POST', headers: { 'X-Mock-Session': session } });
    expect(reset.status).toBe(200);
    expect(await autoLoginState(session)).toEqual({ autoLogin: null });
    await expectLoginForm(session);
    expect(await autoLoginState(other)).toEqual({ autoLogin: { login: 'login' } });
  });

  it('the typed controls turn it on and off', async () => {
    const session = newSession();
    const controls = mock.session(session);
    await controls.just2trade.autoLogin('login');
    expect(await autoLoginState(session)).toEqual({ autoLogin: { login: 'login' } });
    await controls.just2trade.stopAutoLogin();
    expect(await autoLoginState(session)).toEqual({ autoLogin: null });
  });
});

describe('refusals', () => {
  it('a body without a string login is 400 naming the field, and changes nothing', async () => {
    const session = newSession();
    await mock.session(session).just2trade.autoLogin('login');
    const bodies: [unknown, RegExp][] = [
      [{}, /^Not a valid body: \/body\/login is required\.$/],
      [{ login: 42 }, /\/body\/login must be string/],
      [{ login: ['login'] }, /\/body\/login must be string/],
      [{ login: null }, /\/body\/login must be string/],
      [{ login: '' }, /\/body\/login must NOT have fewer than 1 characters/],
      [[], /\/body must be object/],
      ['null', /^Not a valid body: \/body\/login is required\.$/], // JSON null reads as no body
    ];
    for (const [body, message] of bodies) {
      await expectControlError(await autoLogin(session, 'POST', body), 400, 'invalid_request', message);
    }
    const none = await autoLogin(session, 'POST');
    await expectControlError(none, 400, 'invalid_request', /\/body\/login is required/);
    expect(await autoLoginState(session)).toEqual({ autoLogin: { login: 'login' } });
  });

  it('a field besides login is refused, named in details, and changes nothing', async () => {
    const session = newSession();
    for (const [body, field] of [
      [{ login: 'login', extra: 1 }, 'extra'],
      [{ Login: 'login' }, 'Login'],
    ] as const) {
      const response = await autoLogin(session, 'POST', body);
      await expectControlError(
        response.clone(),
        400,
        'invalid_request',
        new RegExp(`must not have property '${field}'`),
      );
      const { error } = (await response.json()) as { error: { details: { location: string; message: string }[] } };
      expect(error.details).toContainEqual(
        expect.objectContaining({ location: '/body', message: `must not have property '${field}'` }),
      );
    }
    expect(await autoLoginState(session)).toEqual({ autoLogin: null });
    await expectLoginForm(session);
  });

  it('a body that is not JSON is 400 and changes nothing (off stays off)', async () => {
    const session = newSession();
    for (const [body, type] of [
      ['{"login": "login"', 'application/json'],
      ['login=login', 'application/x-www-form-urlencoded'],
    ] as const) {
      await expectControlError(await autoLogin(session, 'POST', body, type), 400, 'malformed_body', /JSON/);
    }
    expect(await autoLoginState(session)).toEqual({ autoLogin: null });
    await expectLoginForm(session);
  });

  it('an unknown user is 404 naming the users, and changes nothing', async () => {
    const session = newSession();
    await mock.session(session).fixtures.add('just2trade', 'users', ALICE);
    await mock.session(session).just2trade.autoLogin('alice');
    const response = await autoLogin(session, 'POST', { login: 'nobody' });
    await expectControlError(response.clone(), 404, 'not_found', /"nobody"/);
    const { error } = (await response.json()) as { error: { message: string } };
    expect(error.message).toMatch(/users: login, alice/);
    expect(await autoLoginState(session)).toEqual({ autoLogin: { login: 'alice' } });
    await expect(mock.session(session).just2trade.autoLogin('nobody')).rejects.toMatchObject({ status: 404 });
  });

  it('another method is 405 with Allow', async () => {
    const session = newSession();
    const response = await autoLogin(session, 'PUT', { login: 'login' });
    await expectControlError(response.clone(), 405, 'method_not_allowed', /PUT/);
    const allowed = response.headers.get('allow')!.split(/,\s*/);
    expect(allowed.sort()).toEqual(['DELETE', 'GET', 'POST']);
    expect(await autoLoginState(session)).toEqual({ autoLogin: null });
  });
});

describe('the journal', () => {
  it("has the session's POST and DELETE with control 'auto-login', method and status; not the GET", async () => {
    const session = newSession();
    await autoLogin(session, 'POST', { login: 'login' });
    await autoLoginState(session);
    await autoLogin(session, 'DELETE');
    const journal = await mock.session(session).journal();
    const entries = journal.filter((entry) => entry.control === 'auto-login');
    expect(entries).toEqual([
      expect.objectContaining({
        session,
        provider: 'just2trade',
        method: 'DELETE',
        path: '/__mock/just2trade/auto-login',
        status: 200,
      }),
      expect.objectContaining({
        session,
        provider: 'just2trade',
        method: 'POST',
        path: '/__mock/just2trade/auto-login',
        status: 200,
      }),
    ]);
    expect(journal.some((entry) => entry.method === 'GET' && entry.path.endsWith('/auto-login'))).toBe(false);
    // Another session's journal does not show them.
    const other = await mock.session(newSession()).journal();
    expect(other.some((entry) => entry.control === 'auto-login')).toBe(false);
  });
});
