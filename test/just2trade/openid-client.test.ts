/**
 * A standard OAuth 2.0 client library from npm (openid-client v6, panva) completes the flow against
 * the mock with its ordinary configuration: the mock is just an authorization server to it. The
 * library is told what the Just2Trade docs require and a generic server may lack: the authorize URL
 * carries client_secret (documented), and http is allowed because the mock runs on loopback.
 */
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type RunningMockServer } from '../../src/index.ts';
import { REDIRECT_URI, ServerFlow } from './flow.ts';

// A server of its own, so the library talks to it exactly as to a real provider: no session header,
// the default session.
let server: RunningMockServer;
/** The user's part in a browser (open the authorize URL, submit the login form), on the default session. */
let browser: ServerFlow;
beforeAll(async () => {
  server = await startMockServer({ port: 0, providers: ['just2trade'], log: () => {} });
  browser = new ServerFlow(server.url);
});
afterAll(() => server.close());

/** The Just2Trade server as openid-client sees it (no discovery document: the docs publish none). */
function configuration(secret: string, authentication: client.ClientAuth): client.Configuration {
  const config = new client.Configuration(
    {
      issuer: `${server.url}/just2trade/auth`,
      authorization_endpoint: `${server.url}/just2trade/auth/connect/authorize`,
      token_endpoint: `${server.url}/just2trade/auth/connect/token`,
    },
    'crm-demo',
    { client_secret: secret },
    authentication,
  );
  client.allowInsecureRequests(config);
  return config;
}

describe('openid-client completes the flow', () => {
  it.each([
    ['client_secret_post (the library default)', client.ClientSecretPost],
    ['client_secret_basic', client.ClientSecretBasic],
  ])('%s', async (_title, authentication) => {
    const secret = await browser.secret();
    const config = configuration(secret, authentication(secret));
    const state = client.randomState();
    const authorizationUrl = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      client_secret: secret, // documented: the authorize request carries the secret
      state,
    });

    const callback = await browser.signIn(authorizationUrl);
    const tokens = await client.authorizationCodeGrant(config, callback, { expectedState: state });
    expect(tokens.token_type).toBe('bearer'); // the library normalises the case (RFC 6749 §7.1)
    expect(tokens.expires_in).toBe(86400);
    expect(tokens.scope).toBe('email profile');

    const profile = await client.fetchProtectedResource(
      config,
      tokens.access_token,
      new URL(`${server.url}/just2trade/api/auth`),
      'GET',
    );
    expect(profile.status).toBe(200);
    expect(await profile.json()).toMatchObject({
      login: 'login',
      accounts: [{ account_number: '12345678@vision' }, { account_number: '11111111@cor' }],
    });

    // The same callback URL a second time (a reload): the library sees the RFC 6749 error.
    await expect(client.authorizationCodeGrant(config, callback, { expectedState: state })).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    // ...and the replay revoked the token the code gave (RFC 6749 §4.1.2).
    const after = await fetch(`${server.url}/just2trade/api/auth`, {
      headers: { Authorization: `Bearer ${tokens.access_token}` },
    });
    expect(after.status).toBe(401);
  });
});

describe('openid-client with PKCE (RFC 7636, S256)', () => {
  it('completes the flow with its own verifier and challenge; a wrong verifier is refused and spends the code', async () => {
    const secret = await browser.secret();
    const config = configuration(secret, client.ClientSecretPost(secret));
    const signIn = async (codeVerifier: string) => {
      const state = client.randomState();
      const authorizationUrl = client.buildAuthorizationUrl(config, {
        redirect_uri: REDIRECT_URI,
        client_secret: secret,
        state,
        code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
      });
      expect(authorizationUrl.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      return { state, callback: await browser.signIn(authorizationUrl) };
    };

    const codeVerifier = client.randomPKCECodeVerifier();
    const { state, callback } = await signIn(codeVerifier);
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: codeVerifier,
      expectedState: state,
    });
    expect(tokens.scope).toBe('email profile');
    const profileUrl = new URL(`${server.url}/just2trade/api/auth`);
    expect((await client.fetchProtectedResource(config, tokens.access_token, profileUrl, 'GET')).status).toBe(200);

    // Another sign-in, redeemed with a verifier that is not the one its challenge came from: refused,
    // and the code is spent, so the right verifier does not get it afterwards either.
    const rightVerifier = client.randomPKCECodeVerifier();
    const second = await signIn(rightVerifier);
    const redeem = (pkceCodeVerifier: string) =>
      client.authorizationCodeGrant(config, second.callback, { pkceCodeVerifier, expectedState: second.state });
    await expect(redeem(client.randomPKCECodeVerifier())).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(redeem(rightVerifier)).rejects.toMatchObject({ error: 'invalid_grant' });
  });
});
