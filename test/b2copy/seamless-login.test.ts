/**
 * The standalone seamless login: POST /api/v1/standalone/auth/getAuthUrl checks the Side Auth secret
 * key and the account and hands out a one-time, short-lived Web UI URL; GET /b2copy/webui/{token}
 * consumes it and signs the account in with a session cookie.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createB2CopyPlugin } from '../../mocks/b2copy/index.ts';
import { mockApp, newSession } from '../helpers.ts';
import { AUTH_URL_REQUEST, PATHS, advanceClock, expectB2CopyError, type Http } from './b2copy-helpers.ts';

let http: Http;
beforeAll(async () => {
  ({ http } = await mockApp({ providers: ['b2copy'], publicUrl: 'http://crm-mock.test:4010' }));
});

const getAuthUrl = (session: string, body: object = AUTH_URL_REQUEST) =>
  http.post(PATHS.getAuthUrl).set('X-Mock-Session', session).send(body);
const visit = (session: string, url: string) => http.get(new URL(url).pathname).set('X-Mock-Session', session);

async function newLink(session: string, body?: object): Promise<string> {
  return (await getAuthUrl(session, body).expect(200)).body.data.url;
}

describe('getAuthUrl', () => {
  it('answers the documented envelope with <Redirect URL setting>/<32 hex token>', async () => {
    const response = await getAuthUrl(newSession()).expect(200);
    expect(response.body).toEqual({
      status: 200,
      meta: { behaviours: [], status: 200 },
      data: { url: expect.any(String) },
      modules: [],
    });
    expect(response.body.data.url).toMatch(/^http:\/\/crm-mock\.test:4010\/b2copy\/webui\/[0-9a-f]{32}$/);
  });

  it('accepts the docs example verbatim (curl --data-raw: JSON sent as form content) and the table spelling secrete_key', async () => {
    const session = newSession();
    await http
      .post(PATHS.getAuthUrl)
      .set('X-Mock-Session', session)
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send('{\n  "account_id": "77632289",\n  "secret_key": "Password1234!",\n  "investment_platform_id": "1"\n}')
      .expect(200);
    await getAuthUrl(session, {
      account_id: '77632289',
      secrete_key: 'Password1234!',
      investment_platform_id: '1',
    }).expect(200);
    await getAuthUrl(session, { ...AUTH_URL_REQUEST, secrete_key: 'Password1234!' }).expect(200);
  });

  it('a fresh token every time', async () => {
    const session = newSession();
    const urls = new Set(await Promise.all(Array.from({ length: 5 }, () => newLink(session))));
    expect(urls.size).toBe(5);
  });

  it('uses the Redirect URL setting as it is in the session', async () => {
    const session = newSession();
    await http.delete('/__mock/b2copy/settings/sideAuth').set('X-Mock-Session', session).expect(204);
    await http
      .post('/__mock/b2copy/settings')
      .set('X-Mock-Session', session)
      .send({ name: 'sideAuth', secretKey: 'k', redirectUrl: 'https://my4.b2copy-demo.com/' })
      .expect(201);
    expect(await newLink(session, { ...AUTH_URL_REQUEST, secret_key: 'k' })).toMatch(
      /^https:\/\/my4\.b2copy-demo\.com\/[0-9a-f]{32}$/,
    );
  });

  it.each([
    [
      'a wrong secret key',
      { ...AUTH_URL_REQUEST, secret_key: 'Password1234' },
      401,
      'invalid_secret_key',
      /secret key is invalid/,
      '/secret_key',
    ],
    [
      'a wrong secret key in the table spelling',
      { account_id: '77632289', secrete_key: 'nope', investment_platform_id: '1' },
      401,
      'invalid_secret_key',
      /secret key is invalid/,
      '/secrete_key',
    ],
    [
      'both spellings, different values',
      { ...AUTH_URL_REQUEST, secrete_key: 'other' },
      400,
      'secret_key_mismatch',
      /must be equal/,
      '/secrete_key',
    ],
    [
      'an unknown account',
      { ...AUTH_URL_REQUEST, account_id: '77632290' },
      404,
      'account_not_found',
      /Account 77632290 was not found on investment platform 1/,
      '/account_id',
    ],
    [
      'the account on another investment platform',
      { ...AUTH_URL_REQUEST, investment_platform_id: '2' },
      404,
      'account_not_found',
      /investment platform 2/,
      '/account_id',
    ],
  ])('refuses %s', async (_title, body, status, code, message, field) => {
    const error = expectB2CopyError(await getAuthUrl(newSession(), body), status, code, message);
    expect(error.field).toBe(field);
  });

  it('checks the secret key before the account, so accounts cannot be probed without it', async () => {
    expectB2CopyError(
      await getAuthUrl(newSession(), { ...AUTH_URL_REQUEST, account_id: '1', secret_key: 'guess' }),
      401,
      'invalid_secret_key',
    );
  });

  it('refuses every call while the Secret Key setting is empty (the docs warn it can be reset), whatever key is sent', async () => {
    const session = newSession();
    await http.delete('/__mock/b2copy/settings/sideAuth').set('X-Mock-Session', session).expect(204);
    expectB2CopyError(
      await getAuthUrl(session),
      403,
      'secret_key_not_set',
      /Secret Key is not set in System > Settings/,
    );
    await http
      .post('/__mock/b2copy/settings')
      .set('X-Mock-Session', session)
      .send({ name: 'sideAuth', secretKey: '', redirectUrl: 'http://localhost:4010/b2copy/webui' })
      .expect(201);
    expectB2CopyError(await getAuthUrl(session), 403, 'secret_key_not_set');
    // The body never gets an empty key past validation either.
    expectB2CopyError(await getAuthUrl(session, { ...AUTH_URL_REQUEST, secret_key: '' }), 400, 'invalid_request');
  });

  it('knows accounts added through the control API', async () => {
    const session = newSession();
    await http
      .post('/__mock/b2copy/accounts')
      .set('X-Mock-Session', session)
      .send({ accountId: '500100', investmentPlatformId: '2' })
      .expect(201);
    await getAuthUrl(session, {
      account_id: '500100',
      secret_key: 'Password1234!',
      investment_platform_id: '2',
    }).expect(200);
  });
});

describe('GET /b2copy/webui/{token}', () => {
  it('scopes the cookie to the Web UI path of the public URL (prefix included) and marks it Secure behind https', async () => {
    const { http: behindProxy } = await mockApp({
      providers: ['b2copy'],
      publicUrl: 'https://crm-mock.test/tools/mock',
    });
    const session = newSession();
    const { url } = (
      await behindProxy.post(PATHS.getAuthUrl).set('X-Mock-Session', session).send(AUTH_URL_REQUEST).expect(200)
    ).body.data;
    expect(url).toMatch(/^https:\/\/crm-mock\.test\/tools\/mock\/b2copy\/webui\/[0-9a-f]{32}$/);
    // The proxy strips its prefix: the mock itself serves /b2copy/webui/{token}.
    const landing = await behindProxy
      .get(`/b2copy/webui/${url.split('/').pop()}`)
      .set('X-Mock-Session', session)
      .expect(200);
    const [cookie] = landing.headers['set-cookie'] as unknown as string[];
    expect(cookie).toMatch(/; Path=\/tools\/mock\/b2copy\/webui;/);
    expect(cookie).toMatch(/; Secure$/);
  });

  it('signs the account in once: 200 HTML with a session cookie, then 409 "already used"', async () => {
    const session = newSession();
    const url = await newLink(session);
    const first = await visit(session, url);
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toMatch(/^text\/html/);
    expect(first.text).toMatch(/Signed in as account 77632289/);
    const [cookie] = first.headers['set-cookie'] as unknown as string[];
    expect(cookie).toMatch(/^b2copy_webui_session=[0-9a-f]{32}; /);
    expect(cookie).toMatch(/; Path=\/b2copy\/webui(;|$)/);
    expect(cookie).toMatch(/; HttpOnly(;|$)/);
    expect(cookie).toMatch(/; SameSite=Lax(;|$)/);
    expect(cookie).not.toMatch(/Secure/); // the public URL is http
    expect(first.headers['cache-control']).toBe('no-store');
    expect(first.headers['x-frame-options']).toBe('DENY');
    expect(first.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(first.headers['referrer-policy']).toBe('no-referrer');

    const again = await visit(session, url);
    expect(again.status).toBe(409);
    expect(again.headers['content-type']).toMatch(/^text\/html/);
    expect(again.text).toMatch(/already used/);
    expect(again.headers['set-cookie']).toBeUndefined();
  });

  it('404 for an unknown token, a malformed one, and a token of another session', async () => {
    const session = newSession();
    for (const path of [
      '/b2copy/webui/0123456789abcdef0123456789abcdef',
      '/b2copy/webui/not-a-token',
      '/b2copy/webui/%3Cscript%3E',
    ]) {
      const response = await http.get(path).set('X-Mock-Session', session);
      expect(response.status).toBe(404);
      expect(response.text).toMatch(/not known/);
      expect(response.text).not.toMatch(/<script>/);
    }
    const url = await newLink(session);
    expect((await visit(newSession(), url)).status).toBe(404);
    expect((await visit(session, url)).status).toBe(200); // the other session's miss did not touch it
  });

  it('410 "expired" after 5 minutes on the session clock, without consuming the token', async () => {
    const session = newSession();
    const early = await newLink(session);
    const late = await newLink(session);
    await advanceClock(http, session, 299);
    expect((await visit(session, early)).status).toBe(200);
    await advanceClock(http, session, 1);
    const expired = await visit(session, late);
    expect(expired.status).toBe(410);
    expect(expired.text).toMatch(/expired/);
    expect((await visit(session, late)).status).toBe(410); // still "expired", not "used"
  });

  it('honours authUrlTtlSeconds', async () => {
    const { http: short } = await mockApp({ providers: [], plugins: [createB2CopyPlugin({ authUrlTtlSeconds: 10 })] });
    const session = newSession();
    const url = (await short.post(PATHS.getAuthUrl).set('X-Mock-Session', session).send(AUTH_URL_REQUEST).expect(200))
      .body.data.url;
    await short.post('/__mock/clock').set('X-Mock-Session', session).send({ advanceSeconds: 10 }).expect(200);
    expect((await short.get(new URL(url).pathname).set('X-Mock-Session', session)).status).toBe(410);
  });

  it('does not answer HEAD (a link scanner must not use the token up)', async () => {
    const session = newSession();
    const url = await newLink(session);
    const head = await http.head(new URL(url).pathname).set('X-Mock-Session', session);
    expect(head.status).toBe(405);
    expect((await visit(session, url)).status).toBe(200);
  });

  it('escapes what it writes into the page', async () => {
    const session = newSession();
    const accountId = '<img src=x onerror=alert(1)>"&\'';
    await http
      .post('/__mock/b2copy/accounts')
      .set('X-Mock-Session', session)
      .send({ accountId, investmentPlatformId: '1' })
      .expect(201);
    const page = await visit(session, await newLink(session, { ...AUTH_URL_REQUEST, account_id: accountId }));
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('<img');
    expect(page.text).toContain('Signed in as account &#60;img src=x onerror=alert(1)&#62;&#34;&#38;&#39;');
  });

  it('of simultaneous visits with one link exactly one signs in', async () => {
    const session = newSession();
    const url = await newLink(session);
    const responses = await Promise.all(Array.from({ length: 10 }, () => visit(session, url)));
    expect(responses.map((response) => response.status).sort()).toEqual([
      200, 409, 409, 409, 409, 409, 409, 409, 409, 409,
    ]);
  });
});
