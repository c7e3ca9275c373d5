/**
 * The client helpers against a listening mock: every flow and error path CRM code relies on, and the
 * parts that are the client's own (the refreshing session, callback parsing, form encoding, errors).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ProviderError,
  createB2CopyClient,
  createJust2TradeClient,
  createKeetaClient,
  parseKeetaCallback,
  type B2CopyTokenPair,
} from '../../src/client/index.ts';
import { createB2CopyPlugin } from '../../mocks/b2copy/index.ts';
import { startMockServer, type RunningMockServer } from '../../src/index.ts';
import { newSession } from '../helpers.ts';

const DEV_KEY = readFileSync(
  new URL('../../mocks/b2copy/dev-keys/external-crm-dev-key.private.pem', import.meta.url),
  'utf8',
);
let server: RunningMockServer;

beforeAll(async () => {
  server = await startMockServer({ port: 0 });
});
afterAll(() => server.close());

/** A fetch that puts every request in its own mock session and remembers what it sent. */
function sessionFetch() {
  const session = newSession();
  const sent: Request[] = [];
  const fetch = async (input: Request | string | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    request.headers.set('X-Mock-Session', session);
    sent.push(request.clone());
    return globalThis.fetch(request);
  };
  return { session, sent, fetch };
}

async function caught(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error,
  );
}

async function signedInPair(b2copy: ReturnType<typeof createB2CopyClient>): Promise<B2CopyTokenPair> {
  const result = await b2copy.signIn({ email: 'username@example.com', password: 'Secret123' });
  if (result['2faRequired']) throw new Error('unexpected 2FA');
  return result;
}

describe('B2COPY client', () => {
  it('signs in, refreshes, and reports a reused refresh token as a ProviderError', async () => {
    const b2copy = createB2CopyClient({ baseUrl: `${server.url}/b2copy/`, fetch: sessionFetch().fetch });
    const pair = await signedInPair(b2copy);
    const next = await b2copy.refresh(pair.refreshToken.token);
    expect(next.accessToken.token).not.toBe(pair.accessToken.token);
    const error = await caught(b2copy.refresh(pair.refreshToken.token));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({
      provider: 'b2copy',
      operationId: 'refreshToken',
      status: 401,
      body: { status: 401, errors: [{ code: 'refresh_token_reused' }] },
    });
    expect((error as Error).message).toMatch(/^b2copy refreshToken failed with 401: refresh_token was already used/);
  });

  it('a wrong password is a 401 ProviderError carrying B2COPY’s envelope', async () => {
    const b2copy = createB2CopyClient({ baseUrl: `${server.url}/b2copy`, fetch: sessionFetch().fetch });
    expect(await caught(b2copy.signIn({ email: 'username@example.com', password: 'nope' }))).toMatchObject({
      operationId: 'signIn',
      status: 401,
      body: { data: null },
    });
  });

  it('signs the external-CRM JWT with ES256 and exchanges it; a key the mock does not know is refused', async () => {
    const { fetch, sent } = sessionFetch();
    const b2copy = createB2CopyClient({ baseUrl: `${server.url}/b2copy`, fetch });
    const pair = await b2copy.signInExternalCrm({
      privateKeyPem: DEV_KEY,
      keyId: 'dev-key',
      adminId: 1,
      deviceIp: '127.0.0.1',
    });
    expect(JSON.parse(Buffer.from(pair.accessToken.token.split('.')[1]!, 'base64url').toString())).toMatchObject({
      sub: '1',
    });
    const token = ((await sent.at(-1)!.json()) as { external_token: string }).external_token;
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).toMatchObject({ alg: 'ES256' });
    expect(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())).toMatchObject({
      admin_id: 1,
      device_ip: '127.0.0.1',
      key_id: 'dev-key',
      exp: expect.any(Number),
    });
    expect(
      await caught(
        b2copy.signInExternalCrm({ privateKeyPem: DEV_KEY, keyId: 'unknown-key', adminId: 1, deviceIp: '127.0.0.1' }),
      ),
    ).toMatchObject({ operationId: 'authExternalCrm', status: 401 });
  });

  it('getAuthUrl returns the one-time Web UI URL; a wrong secret is a ProviderError', async () => {
    const { fetch, session } = sessionFetch();
    const b2copy = createB2CopyClient({ baseUrl: `${server.url}/b2copy`, fetch });
    const { url } = await b2copy.getAuthUrl({
      accountId: 77632289,
      secretKey: 'Password1234!',
      investmentPlatformId: 1,
    });
    expect(url).toMatch(new RegExp(`^${server.url}/b2copy/webui/[0-9a-f]{32}$`));
    expect((await globalThis.fetch(url, { headers: { 'X-Mock-Session': session } })).status).toBe(200);
    expect(
      await caught(b2copy.getAuthUrl({ accountId: 77632289, secretKey: 'wrong', investmentPlatformId: 1 })),
    ).toMatchObject({ operationId: 'getAuthUrl', status: 401 });
  });

  it('the session keeps a token that is far from expiry and refreshes one that is close, once for concurrent callers', async () => {
    const { fetch, sent } = sessionFetch();
    const b2copy = createB2CopyClient({ baseUrl: `${server.url}/b2copy`, fetch });
    const pair = await signedInPair(b2copy);
    const refreshed: B2CopyTokenPair[] = [];
    let now = Date.parse(pair.accessToken.createdAt);
    const session = b2copy.session(pair, {
      refreshBeforeSeconds: 60,
      now: () => now,
      onRefresh: (next) => refreshed.push(next),
    });

    expect(await session.accessToken()).toBe(pair.accessToken.token);
    now = Date.parse(pair.accessToken.expiresAt) - 30_000; // inside the 60 s margin
    const tokens = await Promise.all(Array.from({ length: 5 }, () => session.accessToken()));
    const refreshes = sent.filter((request) => request.url.endsWith('/refreshtoken'));
    expect(refreshes).toHaveLength(1); // a second refresh with the same token would revoke the family
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(pair.accessToken.token);
    expect(refreshed).toHaveLength(1);
    expect(session.tokens.accessToken.token).toBe(tokens[0]);
    // The new refresh token works: the session spent the old one exactly once.
    await expect(b2copy.refresh(session.tokens.refreshToken.token)).resolves.toMatchObject({
      accessToken: expect.any(Object),
    });
  });

  it('the session does not refresh a fresh token even when its lifetime is shorter than the margin', async () => {
    const short = await startMockServer({
      port: 0,
      providers: [],
      plugins: [createB2CopyPlugin({ accessTokenTtlSeconds: 60 })],
    });
    try {
      const { fetch, sent } = sessionFetch();
      const b2copy = createB2CopyClient({ baseUrl: `${short.url}/b2copy`, fetch });
      const pair = await signedInPair(b2copy);
      let now = Date.parse(pair.accessToken.createdAt);
      const session = b2copy.session(pair, { refreshBeforeSeconds: 60, now: () => now });
      for (let call = 0; call < 5; call += 1) expect(await session.accessToken()).toBe(pair.accessToken.token);
      now += 31_000; // past half the 60 s lifetime
      expect(await session.accessToken()).not.toBe(pair.accessToken.token);
      expect(sent.filter((request) => request.url.endsWith('/refreshtoken'))).toHaveLength(1);
    } finally {
      await short.close();
    }
  });

  it('a failing onRefresh fails the callers, yet the session keeps the new pair', async () => {
    const b2copy = createB2CopyClient({ baseUrl: `${server.url}/b2copy`, fetch: sessionFetch().fetch });
    const pair = await signedInPair(b2copy);
    const session = b2copy.session(pair, {
      now: () => Date.parse(pair.accessToken.expiresAt),
      onRefresh: () => {
        throw new Error('disk full');
      },
    });
    await expect(session.accessToken()).rejects.toThrow('disk full');
    expect(session.tokens.refreshToken.token).not.toBe(pair.refreshToken.token);
    await expect(b2copy.refresh(session.tokens.refreshToken.token)).resolves.toMatchObject({
      accessToken: expect.any(Object),
    });
  });

  it('a failed refresh surfaces to every waiting caller and the next call may retry', async () => {
    const b2copy = createB2CopyClient({ baseUrl: `${server.url}/b2copy`, fetch: sessionFetch().fetch });
    const pair = await signedInPair(b2copy);
    await b2copy.refresh(pair.refreshToken.token); // the session's refresh token is now spent
    const session = b2copy.session(pair, { now: () => Date.parse(pair.accessToken.expiresAt) });
    const results = await Promise.allSettled([session.accessToken(), session.accessToken()]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect(await caught(session.refresh())).toBeInstanceOf(ProviderError);
  });
});

describe('Keeta client', () => {
  it('gets the merchant authorization URL; an unknown client is a 401 problem', async () => {
    const keeta = createKeetaClient({ baseUrl: `${server.url}/keeta`, fetch: sessionFetch().fetch });
    const { merchantAuthorizationUrl } = await keeta.getAuthorizationUrl({
      clientId: 'keeta-demo',
      redirectUri: 'https://crm.example/cb',
      state: 'a b&c',
    });
    const url = new URL(merchantAuthorizationUrl);
    expect(url.searchParams.get('appId')).toBe('2123830428');
    expect(url.searchParams.get('state')).toBe('a b&c');
    expect(await caught(keeta.getAuthorizationUrl({ clientId: 'nope' }))).toMatchObject({
      operationId: 'getAuthorizationUrl',
      status: 401,
      body: { status: 401, title: expect.any(String) },
    });
  });

  it('parseKeetaCallback types the redirect and refuses errors, missing parameters and a foreign state', () => {
    expect(
      parseKeetaCallback(
        'https://crm.example/cb?authId=A1&state=s&appId=2123830428&timestamp=1700000000000&keetaMerchantId=M9&code=C7',
        's',
      ),
    ).toEqual({
      authId: 'A1',
      state: 's',
      appId: '2123830428',
      timestamp: '1700000000000',
      keetaMerchantId: 'M9',
      code: 'C7',
    });
    // A link made without a state comes back with `state=` (as in the docs' example URL).
    expect(
      parseKeetaCallback(new URL('https://crm.example/cb?authId=A1&state=&appId=2&timestamp=3'), undefined),
    ).toEqual({ authId: 'A1', state: '', appId: '2', timestamp: '3' });
    expect(() => parseKeetaCallback('https://crm.example/cb?authId=A1&appId=2', undefined)).toThrow(
      expect.objectContaining({ reason: 'missing_parameter', message: expect.stringMatching(/state, timestamp/) }),
    );
    expect(() =>
      parseKeetaCallback('https://crm.example/cb?error=access_denied&error_description=no&state=s', 's'),
    ).toThrow(expect.objectContaining({ reason: 'access_denied' }));
    expect(() => parseKeetaCallback('https://crm.example/cb?authId=A1&state=evil&appId=2&timestamp=3', 's')).toThrow(
      expect.objectContaining({ reason: 'state_mismatch' }),
    );
    expect(() => parseKeetaCallback('https://crm.example/cb?authId=A1&state=s&appId=2&timestamp=3', undefined)).toThrow(
      expect.objectContaining({ reason: 'state_mismatch' }),
    );
    // A redirect URI that already carried `authId` must not shadow Keeta's.
    expect(() =>
      parseKeetaCallback('https://crm.example/cb?authId=planted&authId=A1&state=s&appId=2&timestamp=3', 's'),
    ).toThrow(expect.objectContaining({ reason: 'duplicate_parameter' }));
  });
});

describe('Just2Trade client', () => {
  async function demoClient(fetch: typeof globalThis.fetch) {
    const clients = (await (await globalThis.fetch(`${server.url}/__mock/just2trade/clients`)).json()) as {
      clientId: string;
      clientSecret: string;
    }[];
    const secret = clients.find((client) => client.clientId === 'crm-demo')!.clientSecret;
    return createJust2TradeClient({
      authBaseUrl: `${server.url}/just2trade/auth`,
      apiBaseUrl: `${server.url}/just2trade/api`,
      clientId: 'crm-demo',
      clientSecret: secret,
      redirectUri: 'http://localhost:3000/callback',
      fetch,
    });
  }

  it('builds the documented authorize URL', async () => {
    const just2trade = await demoClient(sessionFetch().fetch);
    const url = new URL(just2trade.authorizeUrl({ state: 'x y' }));
    expect(`${url.origin}${url.pathname}`).toBe(`${server.url}/just2trade/auth/connect/authorize`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: 'crm-demo',
      redirect_uri: 'http://localhost:3000/callback',
      state: 'x y',
      client_secret: expect.any(String),
    });
  });

  it('parseCallback returns the code and refuses an error, a missing code and a mismatched or absent state', async () => {
    const just2trade = await demoClient(sessionFetch().fetch);
    expect(just2trade.parseCallback('http://localhost:3000/callback?code=abc&state=s1', 's1')).toEqual({
      code: 'abc',
      state: 's1',
    });
    expect(() => just2trade.parseCallback('http://localhost:3000/callback?code=abc&state=other', 's1')).toThrow(
      expect.objectContaining({ reason: 'state_mismatch' }),
    );
    expect(() => just2trade.parseCallback('http://localhost:3000/callback?code=abc', 's1')).toThrow(
      expect.objectContaining({ reason: 'state_mismatch' }),
    );
    expect(() => just2trade.parseCallback('http://localhost:3000/callback?state=s1', 's1')).toThrow(
      expect.objectContaining({ reason: 'missing_parameter' }),
    );
    expect(() => just2trade.parseCallback('http://localhost:3000/callback?error=access_denied&state=s1', 's1')).toThrow(
      expect.objectContaining({ reason: 'access_denied' }),
    );
    expect(() =>
      just2trade.parseCallback('http://localhost:3000/callback?code=planted&code=abc&state=s1', 's1'),
    ).toThrow(expect.objectContaining({ reason: 'duplicate_parameter' }));
  });

  it('exchanges a code with a form-encoded request and reads the profile; errors are ProviderErrors', async () => {
    const { fetch, sent, session } = sessionFetch();
    const just2trade = await demoClient(fetch);
    // The user's part of the flow: the login form, as a browser would submit it.
    const page = await globalThis.fetch(just2trade.authorizeUrl({ state: 'st' }), {
      headers: { 'X-Mock-Session': session },
    });
    const html = await page.text();
    const hidden = Object.fromEntries(
      [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((match) => [match[1]!, match[2]!]),
    );
    const cookie = page.headers
      .getSetCookie()
      .map((line) => line.split(';')[0])
      .join('; ');
    const action = /<form[^>]*action="([^"]*)"/.exec(html)?.[1]?.replace(/&amp;/g, '&') ?? '';
    const login = await globalThis.fetch(new URL(action, page.url), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'X-Mock-Session': session, Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...hidden, login: 'login', password: 'password' }),
    });
    const { code } = just2trade.parseCallback(login.headers.get('location')!, 'st');

    const token = await just2trade.exchangeCode(code);
    const tokenRequest = sent.find((request) => request.url.endsWith('/connect/token'))!;
    expect(tokenRequest.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(await tokenRequest.text()))).toMatchObject({
      grant_type: 'authorization_code',
      code,
      client_id: 'crm-demo',
      redirect_uri: 'http://localhost:3000/callback',
    });
    expect(token).toMatchObject({ token_type: 'Bearer', expires_in: 86400, scope: 'email profile' });
    expect(await just2trade.getProfile(token.access_token)).toMatchObject({
      login: 'login',
      email: 'login@email.com',
      application: { status: 'process' },
    });

    expect(await caught(just2trade.exchangeCode(code))).toMatchObject({
      operationId: 'requestToken',
      status: 400,
      body: { error: 'invalid_grant' },
    });
    expect(await caught(just2trade.getProfile(token.access_token))).toMatchObject({
      operationId: 'getProfile',
      status: 401,
      body: { error: 'invalid_token' },
    });
  });
});
