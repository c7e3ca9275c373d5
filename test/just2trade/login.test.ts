/**
 * The login form's POST (/connect/authorize/login): credentials checked against the `users`
 * fixtures; wrong ones show the form again; right ones redirect with a one-time code and the state.
 * A form that is unknown, expired, used or not verifiable (CSRF) gets an error page, never a redirect.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LOGIN, REDIRECT_URI, expectErrorPage, just2tradeApp, readForm, type Flow, type LoginForm } from './flow.ts';

type Form = Omit<LoginForm, 'page'>;

let app: Awaited<ReturnType<typeof just2tradeApp>>;
let flow: Flow;
beforeAll(async () => {
  app = await just2tradeApp();
});
beforeEach(() => {
  flow = app.flow();
});

describe('right credentials', () => {
  it('redirect with 302 Found to {redirect_uri}?code=… (documented), nothing else when there was no state', async () => {
    const response = await flow.submitLogin(await flow.openLogin());
    expect(response.status).toBe(302);
    const location = response.headers.location!;
    expect(location).toMatch(/^http:\/\/localhost:3000\/callback\?code=[A-Za-z0-9_-]{43}$/);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
  });

  it('return the state untouched (RFC 6749 §4.1.2)', async () => {
    const state = 'opaque+/=&?#%20 value ü';
    const response = await flow.submitLogin(await flow.openLogin({ state }));
    const location = new URL(response.headers.location!);
    expect([...location.searchParams.keys()]).toEqual(['code', 'state']);
    expect(location.searchParams.get('state')).toBe(state);
  });

  it('return an empty state as sent', async () => {
    const response = await flow.submitLogin(await flow.openLogin({ state: '' }));
    expect(new URL(response.headers.location!).searchParams.get('state')).toBe('');
  });

  it('clear the CSRF cookie', async () => {
    const form = await flow.openLogin();
    const response = await flow.submitLogin(form);
    const [cookie] = ([] as string[]).concat(response.headers['set-cookie'] ?? []);
    expect(cookie).toMatch(
      new RegExp(`^j2t_csrf_${form.pending}=; Path=/just2trade/auth/connect/authorize/login; Max-Age=0`),
    );
  });

  it('work for a user added through the control API', async () => {
    await flow.add('users', { login: 'ann', password: 'pa55 word', email: 'ann@example.com' });
    const response = await flow.submitLogin(await flow.openLogin(), 'ann', 'pa55 word');
    expect(response.status).toBe(302);
  });

  it('use up the form: submitting it again is an error page, not a second code', async () => {
    const form = await flow.openLogin();
    expect((await flow.submitLogin(form)).status).toBe(302);
    expectErrorPage(await flow.submitLogin(form), 400, /unknown, has expired or was already used/);
  });
});

describe('wrong credentials', () => {
  it.each([
    ['a wrong password', 'login', 'wrong'],
    ['an unknown login', 'nobody', 'password'],
    ['the password in another case', 'login', 'PASSWORD'],
    ['an empty password', 'login', ''],
  ])('%s shows the form again with a message, no redirect', async (_title, login, password) => {
    const form = await flow.openLogin();
    const response = await flow.submitLogin(form, login, password);
    expect(response.status).toBe(200);
    expect(response.headers.location).toBeUndefined();
    expect(response.text).toContain('The login or password is incorrect.');
    expect(response.text).toMatch(/<input id="password" name="password" type="password"[^>]* autofocus>/);
    expect(response.text).toContain(`value="${login}"`);
    // The same pending sign-in, still usable with the right password.
    expect(readForm(response)).toMatchObject({ pending: form.pending, csrfToken: form.csrfToken });
    expect((await flow.submitLogin(form)).status).toBe(302);
  });

  it('escapes the login shown again', async () => {
    const response = await flow.submitLogin(await flow.openLogin(), '"><script>alert(1)</script>', 'x');
    expect(response.text).not.toContain('<script>alert');
    expect(response.text).toContain('value="&#34;&#62;&#60;script&#62;alert(1)&#60;/script&#62;"');
  });
});

describe('a form that cannot be trusted or is no longer valid gets an error page, never a redirect', () => {
  it('an unknown pending id', async () => {
    const form = await flow.openLogin();
    expectErrorPage(await flow.submitLogin({ ...form, pending: 'A'.repeat(22) }), 400, /unknown/);
  });

  it('a form from another session', async () => {
    const form = await flow.openLogin();
    expectErrorPage(await app.flow().submitLogin(form), 400, /unknown/);
  });

  it('an expired form (the login form lives 10 minutes)', async () => {
    const form = await flow.openLogin();
    await flow.advance(601);
    expectErrorPage(await flow.submitLogin(form), 400, /expired/);
  });

  it('a form just within its lifetime still works', async () => {
    const form = await flow.openLogin();
    await flow.advance(599);
    expect((await flow.submitLogin(form)).status).toBe(302);
  });

  it.each([
    ['no CSRF cookie (a cross-site post)', (form: Form) => ({ ...form, cookie: '' })],
    ['a wrong form token', (form: Form) => ({ ...form, csrfToken: 'x'.repeat(43) })],
    ['a wrong cookie value', (form: Form) => ({ ...form, cookie: form.cookie.replace(/=.*/, `=${'y'.repeat(43)}`) })],
    [
      "cookie and form agreeing on a value of the attacker's",
      (form: Form) => ({
        ...form,
        csrfToken: 'z'.repeat(43),
        cookie: form.cookie.replace(/=.*/, `=${'z'.repeat(43)}`),
      }),
    ],
  ])('%s: 403, and the real form still works afterwards', async (_title, tamper) => {
    const form = await flow.openLogin();
    expectErrorPage(await flow.submitLogin(tamper(form)), 403, /could not be verified/);
    expect((await flow.submitLogin(form)).status).toBe(302);
  });

  it('the CSRF cookie and token of another form', async () => {
    const first = await flow.openLogin();
    const second = await flow.openLogin();
    const response = await flow.submitLogin({
      pending: first.pending,
      csrfToken: second.csrfToken,
      cookie: second.cookie.replace(second.pending, first.pending),
    });
    expectErrorPage(response, 403, /could not be verified/);
  });

  it('two forms open in two tabs both work (one cookie per form)', async () => {
    const first = await flow.openLogin({ state: 'one' });
    const second = await flow.openLogin({ state: 'two' });
    const cookies = `${first.cookie}; ${second.cookie}`;
    const a = await flow.submitLogin(first, 'login', 'password', cookies);
    const b = await flow.submitLogin(second, 'login', 'password', cookies);
    expect(new URL(a.headers.location!).searchParams.get('state')).toBe('one');
    expect(new URL(b.headers.location!).searchParams.get('state')).toBe('two');
  });

  it.each([
    ['no body', ''],
    ['a field sent twice', 'pending=a&pending=b&csrf_token=c&login=login&password=password'],
    ['a missing field', 'pending=a&csrf_token=c&login=login'],
    [
      'JSON with a non-string field',
      JSON.stringify({ pending: 1, csrf_token: 'c', login: 'login', password: 'password' }),
    ],
  ])('a malformed post: %s', async (_title, body) => {
    const post = flow.http.post(LOGIN).set('X-Mock-Session', flow.session).redirects(0);
    const response = await (body.startsWith('{')
      ? post.set('Content-Type', 'application/json').send(body)
      : post.type('form').send(body));
    expectErrorPage(response, 400, /not sent as expected/);
  });

  it('a client removed after the form was shown', async () => {
    await flow.add('clients', { clientId: 'gone', clientSecret: 'gone-secret', redirectUris: [REDIRECT_URI] });
    const form = await flow.openLogin({ client_id: 'gone', client_secret: 'gone-secret' });
    await flow.http.delete('/__mock/just2trade/clients/gone').set('X-Mock-Session', flow.session).expect(204);
    expectErrorPage(await flow.submitLogin(form), 400, /no longer registered/);
  });

  it('GET of the login URL (back button) explains instead of a bare 405', async () => {
    const response = await flow.http.get(LOGIN).set('X-Mock-Session', flow.session);
    expectErrorPage(response, 405, /can only be submitted/);
    expect(response.headers.allow).toBe('POST');
  });

  it('a body the mock cannot read is an HTML page too', async () => {
    const response = await flow.http
      .post(LOGIN)
      .set('X-Mock-Session', flow.session)
      .set('Content-Type', 'application/json')
      .send('{"pending":');
    expectErrorPage(response, 400, /not valid JSON/);
  });
});
