/**
 * Just2Trade contract: the authorization code flow through the login page, the token exchange and the
 * profile, through the typed client. Against the mock by default; set PARTNERMOCK_JUST2TRADE_AUTH_URL
 * and PARTNERMOCK_JUST2TRADE_API_URL (and the credentials below) to run it against Just2Trade.
 */
import { expect } from 'vitest';
import { createJust2TradeClient } from '../src/client/index.ts';
import { refusedWith } from './support/refusal.ts';
import { defineContract, type ScenarioContext } from './support/contract.ts';
import { PageError, completeJust2TradeLogin } from '../testing/index.ts';

type Credential = 'clientId' | 'clientSecret' | 'redirectUri' | 'login' | 'password';
type Context = ScenarioContext<Credential>;

const oauthClient = ['clientId', 'clientSecret', 'redirectUri'] as const;
const everything = [...oauthClient, 'login', 'password'] as const;

function client(t: Context, overrides: { clientSecret?: string } = {}) {
  return createJust2TradeClient({
    authBaseUrl: t.urls['/just2trade/auth']!,
    apiBaseUrl: t.urls['/just2trade/api']!,
    clientId: t.credentials.clientId,
    clientSecret: overrides.clientSecret ?? t.credentials.clientSecret,
    redirectUri: t.credentials.redirectUri,
    fetch: t.fetch,
  });
}

/** The call must fail with this status and RFC 6749/6750 error code. */
const refused = (call: Promise<unknown>, status: number, error: string) => refusedWith(call, status, { error });

/**
 * The user's part: open the authorize URL (with the client's default S256 PKCE challenge), fill the
 * login form, and come back with a code; the code and the PKCE verifier the token exchange needs.
 */
async function signInAs(
  t: Context,
  state: string,
  login = t.credentials.login,
  password = t.credentials.password,
): Promise<{ code: string; codeVerifier?: string }> {
  const just2trade = client(t);
  const { url, codeVerifier } = await just2trade.startAuthorization({ state });
  const back = await completeJust2TradeLogin(url, { login, password, fetch: t.fetch });
  expect(`${back.origin}${back.pathname}`).toBe(t.credentials.redirectUri);
  const { code } = just2trade.parseCallback(back, state);
  return { code, ...(codeVerifier !== undefined ? { codeVerifier } : {}) };
}

/** Signs in and exchanges the code with its verifier. */
async function tokenFor(t: Context, state: string) {
  const { code, codeVerifier } = await signInAs(t, state);
  return client(t).exchangeCode(code, { codeVerifier });
}

defineContract<Credential>(
  {
    provider: 'just2trade',
    spec: new URL('../openapi/just2trade.yaml', import.meta.url),
    urls: {
      '/just2trade/auth': 'PARTNERMOCK_JUST2TRADE_AUTH_URL',
      '/just2trade/api': 'PARTNERMOCK_JUST2TRADE_API_URL',
    },
    credentials: {
      clientId: { env: 'PARTNERMOCK_JUST2TRADE_CLIENT_ID', mock: 'crm-demo' },
      // The default client's secret is generated from the seed: the mock lists it.
      clientSecret: {
        env: 'PARTNERMOCK_JUST2TRADE_CLIENT_SECRET',
        mock: (mock) => mock.just2trade.clientSecret('crm-demo'),
      },
      redirectUri: { env: 'PARTNERMOCK_JUST2TRADE_REDIRECT_URI', mock: 'http://localhost:3000/callback' },
      login: { env: 'PARTNERMOCK_JUST2TRADE_LOGIN', mock: 'login' },
      password: { env: 'PARTNERMOCK_JUST2TRADE_PASSWORD', mock: 'password' },
    },
  },
  (scenario) => {
    scenario(
      'log in on the form, exchange the code, read the profile',
      { covers: ['authorize 200', 'requestToken 200', 'getProfile 200'], credentials: [...everything] },
      async (t) => {
        const just2trade = client(t);
        const token = await tokenFor(t, 'j-1');
        expect(token).toMatchObject({ token_type: 'Bearer', scope: 'email profile', expires_in: 86400 });
        const profile = await just2trade.getProfile(token.access_token);
        expect(profile.login).toBe(t.credentials.login);
      },
    );

    scenario(
      'wrong credentials show the form again, with no redirect',
      { covers: ['authorize 200'], credentials: [...oauthClient] },
      async (t) => {
        const { url } = await client(t).startAuthorization({ state: 'j-2' });
        const login = completeJust2TradeLogin(url, { login: 'nobody', password: 'wrong', fetch: t.fetch });
        // The form again (200), saying why: no redirect, so the application hears nothing.
        await expect(login).rejects.toThrow(PageError);
        await expect(login).rejects.toMatchObject({ status: 200, message: expect.stringMatching(/incorrect/) });
      },
    );

    scenario(
      'a redeemed code is dead, and redeeming it again revokes its token',
      { covers: ['requestToken 200', 'requestToken 400', 'getProfile 401'], credentials: [...everything] },
      async (t) => {
        const just2trade = client(t);
        const { code, codeVerifier } = await signInAs(t, 'j-3');
        const token = await just2trade.exchangeCode(code, { codeVerifier });
        await refused(just2trade.exchangeCode(code, { codeVerifier }), 400, 'invalid_grant');
        await refused(just2trade.getProfile(token.access_token), 401, 'invalid_token');
      },
    );

    scenario(
      'ten simultaneous redemptions of one code: exactly one token',
      { covers: ['requestToken 200', 'requestToken 400'], credentials: [...everything] },
      async (t) => {
        const just2trade = client(t);
        const { code, codeVerifier } = await signInAs(t, 'j-4');
        const redeem = () => just2trade.exchangeCode(code, { codeVerifier });
        const results = await Promise.allSettled(Array.from({ length: 10 }, redeem));
        expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      },
    );

    scenario(
      'an expired code is refused',
      { covers: ['requestToken 400'], mockOnly: 'moves the mock clock', credentials: [...everything] },
      async (t) => {
        const { code, codeVerifier } = await signInAs(t, 'j-5');
        await t.mock!.clock.advance(61);
        await refused(client(t).exchangeCode(code, { codeVerifier }), 400, 'invalid_grant');
      },
    );

    scenario(
      'a wrong client secret at the token endpoint is invalid_client',
      { covers: ['requestToken 401'], credentials: [...everything] },
      async (t) => {
        const { code, codeVerifier } = await signInAs(t, 'j-6');
        await refused(
          client(t, { clientSecret: 'not-the-secret' }).exchangeCode(code, { codeVerifier }),
          401,
          'invalid_client',
        );
      },
    );

    scenario(
      'a grant type other than authorization_code is unsupported',
      { covers: ['requestToken 400'], credentials: ['clientId'] },
      async (t) => {
        const { response, error } = await client(t).auth.POST('/connect/token', {
          body: { grant_type: 'password', code: 'x', client_id: t.credentials.clientId },
          bodySerializer: (body) => new URLSearchParams(body as Record<string, string>).toString(),
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        });
        expect(response.status).toBe(400);
        expect(error).toMatchObject({ error: 'unsupported_grant_type' });
      },
    );

    scenario(
      'a grant type other than authorization_code with a wrong client secret: the client is refused first',
      { covers: ['requestToken 401'], credentials: ['clientId'] },
      async (t) => {
        const { response, error } = await client(t).auth.POST('/connect/token', {
          body: { grant_type: 'password', client_id: t.credentials.clientId, client_secret: 'not-the-secret' } as never,
          bodySerializer: (body) => new URLSearchParams(body as Record<string, string>).toString(),
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        });
        expect(response.status).toBe(401);
        expect(error).toMatchObject({ error: 'invalid_client' });
      },
    );

    scenario(
      'PKCE: a wrong code_verifier is invalid_grant and spends the code',
      { covers: ['requestToken 400'], credentials: [...everything] },
      async (t) => {
        const just2trade = client(t);
        const { code, codeVerifier } = await signInAs(t, 'j-10');
        expect(codeVerifier).toBeDefined();
        await refused(
          just2trade.exchangeCode(code, { codeVerifier: `${codeVerifier!.slice(1)}A` }),
          400,
          'invalid_grant',
        );
        await refused(just2trade.exchangeCode(code, { codeVerifier }), 400, 'invalid_grant');
      },
    );

    scenario(
      'PKCE: an unsupported code_challenge_method is reported on the redirect',
      { covers: ['authorize 302'], credentials: [...oauthClient] },
      async (t) => {
        const url = new URL((await client(t).startAuthorization({ state: 'j-11' })).url);
        url.searchParams.set('code_challenge_method', 'S512');
        const response = await t.fetch(url, { redirect: 'manual' });
        const location = new URL(response.headers.get('location')!);
        expect(`${location.origin}${location.pathname}`).toBe(t.credentials.redirectUri);
        expect(location.searchParams.get('error')).toBe('invalid_request');
        expect(location.searchParams.get('state')).toBe('j-11');
      },
    );

    scenario(
      'a response_type other than code is reported on the redirect',
      { covers: ['authorize 302'], credentials: [...oauthClient] },
      async (t) => {
        const url = new URL((await client(t).startAuthorization({ state: 'j-7' })).url);
        url.searchParams.set('response_type', 'token');
        const response = await t.fetch(url, { redirect: 'manual' });
        const location = new URL(response.headers.get('location')!);
        expect(`${location.origin}${location.pathname}`).toBe(t.credentials.redirectUri);
        expect(location.searchParams.get('error')).toBe('unsupported_response_type');
        expect(location.searchParams.get('state')).toBe('j-7');
      },
    );

    scenario(
      'an unregistered redirect URI gets an error page, never a redirect',
      { covers: ['authorize 400'], credentials: [...oauthClient] },
      async (t) => {
        for (const redirectUri of [
          `${t.credentials.redirectUri}/../evil`,
          `${t.credentials.redirectUri}.evil.example`,
          'https://evil.example/callback',
        ]) {
          const url = new URL((await client(t).startAuthorization({ state: 'j-8' })).url);
          url.searchParams.set('redirect_uri', redirectUri);
          const response = await t.fetch(url, { redirect: 'manual' });
          expect(response.status).toBe(400);
          expect(response.headers.get('location')).toBeNull();
        }
      },
    );

    scenario('a token in the query string is a bad request', { covers: ['getProfile 400'] }, async (t) => {
      const { response } = await client(t).api.GET('/auth', {
        params: { query: { access_token: 'x' } as never },
        headers: { Authorization: 'Bearer x' },
      });
      expect(response.status).toBe(400);
    });

    scenario('an unknown token is refused with WWW-Authenticate', { covers: ['getProfile 401'] }, async (t) => {
      const { response } = await client(t).api.GET('/auth', { headers: { Authorization: 'Bearer not-a-token' } });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
    });

    scenario(
      'each use renews the 24 h token; 25 h idle kills it',
      { covers: ['getProfile 200', 'getProfile 401'], mockOnly: 'moves the mock clock', credentials: [...everything] },
      async (t) => {
        const just2trade = client(t);
        const token = await tokenFor(t, 'j-9');
        await t.mock!.clock.advance(23 * 3600);
        await just2trade.getProfile(token.access_token);
        await t.mock!.clock.advance(23 * 3600);
        await just2trade.getProfile(token.access_token);
        await t.mock!.clock.advance(25 * 3600);
        await refused(just2trade.getProfile(token.access_token), 401, 'invalid_token');
      },
    );
  },
);
