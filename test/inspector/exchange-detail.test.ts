/**
 * `GET /__mock/journal/{id}` over a real socket (issue 17, item 1): one exchange whole, as the inspector
 * shows it. Secrets masked wherever they were sent (a password in a JSON body, a client secret in a form,
 * in HTTP Basic and in the authorize query, cookie values both ways) while tokens stay visible; B2COPY's
 * JWTs decoded and verified against the session's keys (a retired key said so) and an external CRM's
 * against its integration's key; times on the session's clock; a fault-answered entry names its rule; an
 * unknown or overwritten id is a 404.
 */
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createB2CopyClient } from '../../src/client/index.ts';
import { startMockServer, type JournalEntry, type RunningMockServer } from '../../src/index.ts';
import type { DecodedToken, ExchangeDetail } from '../../src/inspector/exchange-detail.ts';
import { DEV_KEY_ID, devPrivateKeyPem } from '../../mocks/b2copy/index.ts';
import { completeJust2TradeLogin } from '../../testing/index.ts';
import { newSession } from '../helpers.ts';

const USER = { email: 'username@example.com', password: 'Secret123' };
const J2T_USER = { login: 'login', password: 'password' };
const CLIENT_ID = 'crm-demo';
const REDIRECT_URI = 'http://localhost:3000/callback';
const MASKED = '[masked]';

let mock: RunningMockServer;
beforeAll(async () => {
  mock = await startMockServer({ port: 0, log: () => {} });
});
afterAll(async () => {
  await mock?.close();
});

/** fetch with a bound on every wait. */
const get = (url: string, init: RequestInit = {}) => fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });

/** A control call in `session` with a JSON body; its answer, checked to be a 2xx. */
async function control(session: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await get(`${mock.url}/__mock${path}`, {
    method,
    headers: { 'X-Mock-Session': session, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  expect(response.ok, `${method} ${path}: ${text}`).toBe(true);
  return JSON.parse(text) as unknown;
}

/** The session's newest journal entry that `pick` accepts. */
async function entryOf(session: string, pick: (entry: JournalEntry) => boolean): Promise<JournalEntry> {
  const entries = (await control(session, 'GET', '/journal?limit=1000')) as JournalEntry[];
  const entry = entries.find(pick);
  expect(entry, `no such entry among ${JSON.stringify(entries.map((each) => each.path))}`).toBeDefined();
  return entry!;
}

const byOperation = (operationId: string) => (entry: JournalEntry) => entry.operationId === operationId;
const byPage = (page: string) => (entry: JournalEntry) => entry.page === page;

/** `GET /__mock/journal/{id}`: the detail (200), with the answer's text to search for leaked secrets. */
async function detailOf(id: string): Promise<{ detail: ExchangeDetail; text: string }> {
  const response = await get(`${mock.url}/__mock/journal/${encodeURIComponent(id)}`);
  const text = await response.text();
  expect(response.status, text).toBe(200);
  expect(response.headers.get('cache-control')).toBe('no-store');
  return { detail: JSON.parse(text) as ExchangeDetail, text };
}

function tokenAt(detail: ExchangeDetail, where: string): DecodedToken {
  const token = detail.tokens.find((each) => each.where === where);
  expect(token, `no token at ${where}; found ${detail.tokens.map((each) => each.where).join(', ')}`).toBeDefined();
  return token!;
}

/** The request body as the detail shows it (a JSON or form body comes back structured). */
const requestBody = (detail: ExchangeDetail) => detail.request?.body as Record<string, unknown>;

async function b2copySignIn(session: string) {
  const response = await get(`${mock.url}/b2copy/api/v2/signin`, {
    method: 'POST',
    headers: { 'X-Mock-Session': session, 'Content-Type': 'application/json' },
    body: JSON.stringify(USER),
  });
  expect(response.status).toBe(200);
  const pair = (await response.json()) as { accessToken: { token: string }; refreshToken: { token: string } };
  return { pair, entry: await entryOf(session, byOperation('signIn')) };
}

describe('a B2COPY sign-in', () => {
  it('shows the whole exchange: the password masked, the tokens visible, decoded and verified', async () => {
    const session = newSession();
    const { pair, entry } = await b2copySignIn(session);
    const { detail, text } = await detailOf(entry.id);

    expect(detail.entry).toMatchObject({ id: entry.id, session, provider: 'b2copy', operationId: 'signIn' });
    expect(detail.request).toMatchObject({ method: 'POST', url: '/b2copy/api/v2/signin' });
    expect(detail.request?.headers['x-mock-session']).toBe(session);
    expect(requestBody(detail)).toEqual({ email: USER.email, password: MASKED });
    expect(text).not.toContain(USER.password);
    expect(detail.response?.status).toBe(200);
    expect(detail.response?.body).toMatchObject({
      accessToken: { token: pair.accessToken.token },
      refreshToken: { token: pair.refreshToken.token },
    });

    const access = tokenAt(detail, 'response.body.accessToken.token');
    expect(access.token).toBe(pair.accessToken.token);
    expect(access.header).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(access.claims).toMatchObject({ sub: USER.email, token_use: 'access' });
    expect(typeof access.claims.exp).toBe('number');
    expect(access.times.expiresAt).toBe(new Date((access.claims.exp as number) * 1000).toISOString());
    expect(access.times.issuedAt).toBe(new Date((access.claims.iat as number) * 1000).toISOString());
    expect(access.verified).toBe(true);
    expect(access.verification).toContain(String(access.header.kid));
    expect(tokenAt(detail, 'response.body.refreshToken.token')).toMatchObject({
      verified: true,
      claims: { sub: USER.email, token_use: 'refresh' },
    });
  });

  it('after the session rotates and retires its key, an old token reads unverified, naming the retired key', async () => {
    const session = newSession();
    const { entry } = await b2copySignIn(session);
    const oldKid = String(tokenAt((await detailOf(entry.id)).detail, 'response.body.accessToken.token').header.kid);

    await control(session, 'POST', '/b2copy/signing-keys/rotate', {});
    // Rotated but not yet retired: the old key is still published, and still verifies.
    expect(tokenAt((await detailOf(entry.id)).detail, 'response.body.accessToken.token').verified).toBe(true);
    const retired = (await control(session, 'POST', '/b2copy/signing-keys/retire', {})) as { retired: string[] };
    expect(retired.retired).toContain(oldKid);

    const access = tokenAt((await detailOf(entry.id)).detail, 'response.body.accessToken.token');
    expect(access.verified).toBe(false);
    expect(access.verification).toContain(oldKid);
    expect(access.verification).toMatch(/retired/);

    // A sign-in after the rotation is signed with the new key, which verifies.
    const { entry: after } = await b2copySignIn(session);
    const fresh = tokenAt((await detailOf(after.id)).detail, 'response.body.accessToken.token');
    expect(fresh.header.kid).not.toBe(oldKid);
    expect(fresh.verified).toBe(true);
  });

  it("shows a token's expiry on the session's clock", async () => {
    const session = newSession();
    const { entry } = await b2copySignIn(session);
    const before = tokenAt((await detailOf(entry.id)).detail, 'response.body.accessToken.token');
    // The default access token lives an hour.
    expect(before.times.expiresInSeconds).toBeGreaterThan(3590);
    expect(before.times.expiresInSeconds).toBeLessThanOrEqual(3600);

    await control(session, 'POST', '/clock', { advanceSeconds: 3600 });
    const { detail } = await detailOf(entry.id);
    const after = tokenAt(detail, 'response.body.accessToken.token');
    expect(before.times.expiresInSeconds! - after.times.expiresInSeconds!).toBeGreaterThanOrEqual(3599);
    expect(before.times.expiresInSeconds! - after.times.expiresInSeconds!).toBeLessThanOrEqual(3605);
    expect(after.times.expiresInSeconds).toBeLessThanOrEqual(0);
    // The same instant, now read on a clock an hour ahead.
    expect(after.times.expiresAt).toBe(before.times.expiresAt);
    expect(Date.parse(detail.sessionNow) - Date.now()).toBeGreaterThan(3590_000);
  });
});

describe("an external CRM's sign-in", () => {
  const EXTERNAL = 'request.body.external_token';

  it('shows its ES256 token verified against the integration key', async () => {
    const session = newSession();
    const b2copy = createB2CopyClient({ baseUrl: `${mock.url}/b2copy`, fetch: mock.session(session).fetch });
    await b2copy.signInExternalCrm({
      adminId: 1,
      deviceIp: '127.0.0.1',
      keyId: DEV_KEY_ID,
      privateKeyPem: devPrivateKeyPem(),
    });
    const { detail } = await detailOf((await entryOf(session, byOperation('authExternalCrm'))).id);
    expect(detail.response?.status).toBe(200);
    const external = tokenAt(detail, EXTERNAL);
    expect(external.header.alg).toBe('ES256');
    expect(external.claims).toMatchObject({ admin_id: 1, key_id: DEV_KEY_ID, device_ip: '127.0.0.1' });
    expect(external.verified).toBe(true);
    expect(external.verification).toContain(DEV_KEY_ID);
    // And the pair it bought: the mock's own RS256 tokens, for the admin.
    expect(tokenAt(detail, 'response.body.accessToken.token')).toMatchObject({ verified: true, claims: { sub: '1' } });
  });

  it('shows one signed with another key unverified', async () => {
    const session = newSession();
    const other = await generateKeyPair('ES256');
    // A key the mock never saw, but otherwise a good token for the default integration.
    const iat = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({ admin_id: 1, device_ip: '127.0.0.1', key_id: DEV_KEY_ID })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
      .setIssuedAt(iat)
      .setExpirationTime(iat + 300)
      .sign(other.privateKey);
    const response = await get(`${mock.url}/b2copy/api/admin/auth/v2/admin/adminservice/authexternalcrm`, {
      method: 'POST',
      headers: { 'X-Mock-Session': session, 'Content-Type': 'application/json' },
      body: JSON.stringify({ external_token: forged }),
    });
    expect(response.status).toBe(401);
    await response.body?.cancel();

    const { detail } = await detailOf((await entryOf(session, byOperation('authExternalCrm'))).id);
    expect(detail.response?.status).toBe(401);
    const external = tokenAt(detail, EXTERNAL);
    expect(external.token).toBe(forged);
    expect(external.verified).toBe(false);
    expect(external.verification).toContain(DEV_KEY_ID);
    expect(detail.tokens).toHaveLength(1);
  });
});

describe('Just2Trade', () => {
  /** The authorize URL of the default client, with its secret in the query (as the docs send it). */
  const authorizeUrl = (secret: string, state: string) =>
    `${mock.url}/just2trade/auth/connect/authorize?${new URLSearchParams({
      response_type: 'code',
      client_id: CLIENT_ID,
      client_secret: secret,
      redirect_uri: REDIRECT_URI,
      state,
    })}`;

  async function codeFor(session: string, secret: string, state: string): Promise<string> {
    const callback = await completeJust2TradeLogin(authorizeUrl(secret, state), { ...J2T_USER, session });
    expect(callback.searchParams.get('state')).toBe(state);
    return callback.searchParams.get('code')!;
  }

  async function token(session: string, form: Record<string, string>, headers: Record<string, string> = {}) {
    const response = await get(`${mock.url}/just2trade/auth/connect/token`, {
      method: 'POST',
      headers: { 'X-Mock-Session': session, 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form),
    });
    const text = await response.text();
    expect(response.status, text).toBe(200);
    return JSON.parse(text) as { access_token: string };
  }

  it('masks the client secret in the form, in Basic credentials and in the authorize query; tokens stay', async () => {
    const session = newSession();
    const secret = await mock.session(session).just2trade.clientSecret(CLIENT_ID);
    const grant = { grant_type: 'authorization_code', redirect_uri: REDIRECT_URI };

    const formCode = await codeFor(session, secret, 'in-form');
    const inForm = await token(session, { ...grant, code: formCode, client_id: CLIENT_ID, client_secret: secret });
    const basicCode = await codeFor(session, secret, 'in-basic');
    const basic = `Basic ${Buffer.from(`${CLIENT_ID}:${secret}`).toString('base64')}`;
    const inBasic = await token(session, { ...grant, code: basicCode }, { Authorization: basic });

    const entries = ((await control(session, 'GET', '/journal?limit=1000')) as JournalEntry[]).filter(
      byOperation('requestToken'),
    );
    expect(entries).toHaveLength(2);
    const [basicEntry, formEntry] = entries; // newest first
    const form = await detailOf(formEntry!.id);
    expect(requestBody(form.detail)).toMatchObject({ client_id: CLIENT_ID, client_secret: MASKED, code: formCode });
    expect(form.detail.response?.body).toMatchObject({ access_token: inForm.access_token, token_type: 'Bearer' });
    expect(form.text).not.toContain(secret);

    const viaBasic = await detailOf(basicEntry!.id);
    expect(viaBasic.detail.request?.headers.authorization).toBe(`Basic ${MASKED}`);
    expect(requestBody(viaBasic.detail)).toMatchObject({ code: basicCode });
    expect(viaBasic.detail.response?.body).toMatchObject({ access_token: inBasic.access_token });
    expect(viaBasic.text).not.toContain(secret);
    expect(viaBasic.text).not.toContain(basic.slice('Basic '.length));

    // The authorize request carried the secret in its query.
    const authorize = await detailOf((await entryOf(session, byOperation('authorize'))).id);
    const query = new URL(authorize.detail.request!.url, mock.url).searchParams;
    expect(query.get('client_secret')).toBe(MASKED);
    expect(query.get('client_id')).toBe(CLIENT_ID);
    expect(authorize.text).not.toContain(secret);
  });

  it('masks cookie values both ways on the login form exchanges, keeping their names', async () => {
    const session = newSession();
    const secret = await mock.session(session).just2trade.clientSecret(CLIENT_ID);
    await codeFor(session, secret, 'cookies');

    // The login page (the authorize answer) set the form's CSRF cookie.
    const page = await detailOf((await entryOf(session, byOperation('authorize'))).id);
    const setCookie = page.detail.response?.headers['set-cookie'];
    expect(setCookie).toMatch(/^j2t_csrf_[A-Za-z0-9_-]+=\[masked\]; Path=\/[^;]*; Max-Age=\d+; HttpOnly; SameSite=Lax/);

    // The form's submission sent it back, and the answer cleared it.
    const login = await detailOf((await entryOf(session, byPage('login'))).id);
    const cookie = login.detail.request?.headers.cookie;
    expect(cookie).toMatch(/^j2t_csrf_[A-Za-z0-9_-]+=\[masked\]$/);
    expect(cookie!.split('=')[0]).toBe(setCookie!.split('=')[0]);
    expect(requestBody(login.detail)).toMatchObject({ login: J2T_USER.login, password: MASKED });
    expect(login.detail.response?.status).toBe(302);
    expect(login.detail.response?.headers['set-cookie']).toMatch(/^j2t_csrf_[A-Za-z0-9_-]+=\[masked\]; /);
    // The CSRF token is masked in the form field as in the cookies.
    expect(requestBody(login.detail).csrf_token).toBe(MASKED);
  });
});

describe('entries', () => {
  it('a fault-answered entry shows its fault rule', async () => {
    const session = newSession();
    const rule = (await control(session, 'POST', '/faults', {
      provider: 'b2copy',
      operationId: 'signIn',
      status: 503,
      times: 1,
    })) as { id: string };
    const response = await get(`${mock.url}/b2copy/api/v2/signin`, {
      method: 'POST',
      headers: { 'X-Mock-Session': session, 'Content-Type': 'application/json' },
      body: JSON.stringify(USER),
    });
    expect(response.status).toBe(503);
    await response.body?.cancel();

    const { detail, text } = await detailOf((await entryOf(session, byOperation('signIn'))).id);
    expect(detail.entry).toMatchObject({ fault: rule.id, status: 503, operationId: 'signIn' });
    expect(requestBody(detail)).toEqual({ email: USER.email, password: MASKED });
    expect(text).not.toContain(USER.password);

    // The next sign-in is not faulted, and its entry names no fault.
    const { entry } = await b2copySignIn(session);
    const next = await detailOf(entry.id);
    expect(next.detail.entry.fault).toBeUndefined();
    expect(next.detail.entry.status).toBe(200);
  });

  it('an unknown or overwritten id is a 404', async () => {
    const small = await startMockServer({ port: 0, journalSize: 3, log: () => {} });
    try {
      const call = async () => {
        const response = await get(`${small.url}/keeta/oauth/authorization/url?clientId=keeta-demo`);
        await response.body?.cancel();
      };
      const latestId = async () => (await small.journal({ limit: 1 }))[0]!.id;
      const status = async (id: string) => {
        const response = await get(`${small.url}/__mock/journal/${encodeURIComponent(id)}`);
        const body = (await response.json()) as { error?: { code: string; message: string } };
        return { status: response.status, body };
      };

      await call();
      const first = await latestId();
      expect((await status(first)).status).toBe(200);
      await call();
      await call();
      expect((await status(first)).status).toBe(200); // three kept: the first is still there
      await call();
      const gone = await status(first);
      expect(gone.status).toBe(404);
      expect(gone.body.error).toMatchObject({ code: 'not_found' });
      expect(gone.body.error?.message).toMatch(/overwritten/);
      expect((await status(await latestId())).status).toBe(200);
      expect((await status('999999999')).status).toBe(404);
      expect((await status('not-an-id')).status).toBe(404);
    } finally {
      await small.close();
    }
  });
});

describe('secrets in odd places', () => {
  it('are masked however the request is written, and the query is shown as sent', async () => {
    const session = newSession();
    const post = (path: string, body: string, headers: Record<string, string>) =>
      get(`${mock.url}${path}`, { method: 'POST', headers: { 'X-Mock-Session': session, ...headers }, body });
    const json = { 'Content-Type': 'application/json' };
    // Larger than the journal keeps (cut, so no longer JSON), broken JSON, secrets that are lists or objects.
    await post('/b2copy/api/v2/signin', JSON.stringify({ ...USER, pad: 'x'.repeat(70_000) }), json);
    await post('/b2copy/api/v2/signin', '{"password":"Secret123", broken', json);
    await post(
      '/b2copy/api/v2/signin',
      JSON.stringify({ email: 'a@b.c', password: ['Secret123'], secret: { v: 'S' } }),
      json,
    );
    // A form with a stray & and a bare name; Basic credentials in Proxy-Authorization; a secret in the Referer.
    await post('/just2trade/auth/connect/token', 'grant_type=authorization_code&flag&client_secret=TOPSECRET&', {
      'Content-Type': 'application/x-www-form-urlencoded',
      'Proxy-Authorization': 'Basic dXNlcjpwYXNz',
      Referer: 'http://crm.example/?client_secret=REFSECRET&x=1',
    });
    // A query whose other parameters must read exactly as sent.
    const secret = await mock.session(session).just2trade.clientSecret(CLIENT_ID);
    const query = `response_type=code&client_id=crm-demo&client_secret=${secret}&redirect_uri=http://localhost:3000/callback&state=a~b%2f`;
    await get(`${mock.url}/just2trade/auth/connect/authorize?${query}`, { headers: { 'X-Mock-Session': session } });

    const entries = (await control(session, 'GET', '/journal?limit=10')) as JournalEntry[];
    expect(entries).toHaveLength(5);
    for (const entry of entries) {
      const { text } = await detailOf(entry.id);
      expect(text).not.toMatch(/Secret123|TOPSECRET|REFSECRET|dXNlcjpwYXNz|"v":"S"/);
      expect(text).not.toContain(secret);
    }
    const authorize = await detailOf(entries[0]!.id);
    expect(authorize.detail.request?.url).toBe(
      '/just2trade/auth/connect/authorize?response_type=code&client_id=crm-demo&client_secret=[masked]&redirect_uri=http://localhost:3000/callback&state=a~b%2f',
    );
    // The login form's CSRF field is masked in the page's HTML too.
    expect(String(authorize.detail.response?.body)).toMatch(/name="csrf_token" value="\[masked\]"/);
    const token = await detailOf(entries[1]!.id);
    expect(token.detail.request?.headers['proxy-authorization']).toBe(`Basic ${MASKED}`);
    expect(token.detail.request?.headers.referer).toBe(`http://crm.example/?client_secret=${MASKED}&x=1`);
  });

  it('a crafted exp far beyond any date is shown raw, never a 500', async () => {
    const session = newSession();
    const jwt = await new SignJWT({ exp: 1e300 })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('k'.repeat(32)));
    await get(`${mock.url}/just2trade/api/auth`, {
      headers: { 'X-Mock-Session': session, Authorization: `Bearer ${jwt}` },
    });
    const [entry] = (await control(session, 'GET', '/journal?limit=1')) as JournalEntry[];
    const { detail } = await detailOf(entry!.id);
    expect(detail.tokens[0]).toMatchObject({ claims: { exp: 1e300 }, times: {} });
  });
});
