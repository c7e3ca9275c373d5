/**
 * The typed client's Just2Trade flow sends PKCE (RFC 7636, S256) by default: `startAuthorization`
 * makes a fresh verifier and challenge, `exchangeCode` sends the verifier back. Against a real server.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError, createJust2TradeClient } from '../../src/client/index.ts';
import { startMockServer, type RunningMockServer } from '../../src/index.ts';
import { newSession } from '../helpers.ts';
import { CLIENT_ID, REDIRECT_URI, ServerFlow } from './flow.ts';

let server: RunningMockServer;
beforeAll(async () => {
  server = await startMockServer({ port: 0, providers: ['just2trade'], log: () => {} });
});
afterAll(() => server.close());

/** A client on a session of its own, and the token request bodies it sent. */
async function sessionClient() {
  const session = newSession();
  const flow = new ServerFlow(server.url, session);
  const tokenForms: URLSearchParams[] = [];
  const fetch = async (input: Request) => {
    const headers = new Headers(input.headers);
    headers.set('X-Mock-Session', session);
    const request = new Request(input, { headers });
    if (request.url.endsWith('/connect/token')) tokenForms.push(new URLSearchParams(await request.clone().text()));
    return globalThis.fetch(request);
  };
  const just2trade = createJust2TradeClient({
    authBaseUrl: `${server.url}/just2trade/auth`,
    apiBaseUrl: `${server.url}/just2trade/api`,
    clientId: CLIENT_ID,
    clientSecret: await flow.secret(),
    redirectUri: REDIRECT_URI,
    fetch,
  });
  /** The user's part: open the URL, sign in; the code from the redirect back. */
  const signIn = async (url: string, state: string) => just2trade.parseCallback(await flow.signIn(url), state).code;
  return { just2trade, signIn, tokenForms };
}

describe('the typed client and PKCE', () => {
  it('startAuthorization adds a fresh S256 challenge and returns its verifier', async () => {
    const { just2trade } = await sessionClient();
    const first = await just2trade.startAuthorization({ state: 's' });
    const second = await just2trade.startAuthorization({ state: 's' });
    const query = new URL(first.url).searchParams;
    expect(Object.fromEntries(query)).toMatchObject({
      response_type: 'code',
      client_id: CLIENT_ID,
      redirect_uri: REDIRECT_URI,
      state: 's',
      code_challenge_method: 'S256',
    });
    expect(first.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(query.get('code_challenge')).toBe(createHash('sha256').update(first.codeVerifier!).digest('base64url'));
    expect(second.codeVerifier).not.toBe(first.codeVerifier);
  });

  it('the whole flow with PKCE: the verifier goes to the token request, and a code exchanged without it is refused', async () => {
    const { just2trade, signIn, tokenForms } = await sessionClient();
    const { url, codeVerifier } = await just2trade.startAuthorization({ state: 'st' });
    const token = await just2trade.exchangeCode(await signIn(url, 'st'), { codeVerifier });
    expect(tokenForms[0]!.get('code_verifier')).toBe(codeVerifier);
    expect(await just2trade.getProfile(token.access_token)).toMatchObject({ login: 'login' });

    const again = await just2trade.startAuthorization({ state: 'st2' });
    const refused = await just2trade.exchangeCode(await signIn(again.url, 'st2')).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ProviderError);
    expect(refused).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('pkce: false leaves PKCE out, as the docs write the request', async () => {
    const { just2trade, signIn, tokenForms } = await sessionClient();
    const authorization = await just2trade.startAuthorization({ state: 'np', pkce: false });
    expect(authorization.codeVerifier).toBeUndefined();
    expect(new URL(authorization.url).searchParams.has('code_challenge')).toBe(false);
    await just2trade.exchangeCode(await signIn(authorization.url, 'np'));
    expect(tokenForms[0]!.has('code_verifier')).toBe(false);
  });
});
