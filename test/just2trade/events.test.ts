/**
 * Just2Trade's partner-side events over a real socket (issue 16): tokens revoked on Just2Trade's side
 * (one, or every token of a user), a client secret rotated, a user disabled and enabled again. Each is
 * seen through what a CRM uses, the typed client and openid-client, in one session while a parallel
 * session goes on unaffected; each event is journaled, and a bad body is a 400 naming the field.
 */
import * as oauth from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJust2TradeClient, ProviderError } from '../../src/client/index.ts';
import { MockControlError, startMockServer, type RunningMockServer } from '../../src/index.ts';
import { PageError } from '../../src/testing/form-browser.ts';
import { completeJust2TradeLogin } from '../../testing/index.ts';
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
const DEFAULT_USER = { login: 'login', password: 'password' };
type User = { login: string; password: string };

/** RFC 6750 §3: the challenge of a token that is no longer good, with the mock's description. */
const INVALID_TOKEN_CHALLENGE = (description: string) =>
  `Bearer realm="just2trade", error="invalid_token", error_description="${description}"`;

/**
 * The typed client for the default client in `session`, with `clientSecret` (default: the session's
 * current one). `last()` is the last answer it got, for the headers the client does not expose.
 */
async function clientIn(session: string, clientSecret?: string) {
  const controls = mock.session(session);
  let last: Response | undefined;
  const recording: typeof fetch = async (input, init) => {
    last = await controls.fetch(input, { ...init, signal: AbortSignal.timeout(10_000) });
    return last.clone();
  };
  const client = createJust2TradeClient({
    authBaseUrl: `${mock.url}/just2trade/auth`,
    apiBaseUrl: `${mock.url}/just2trade/api`,
    clientId: CLIENT_ID,
    clientSecret: clientSecret ?? (await controls.just2trade.clientSecret(CLIENT_ID)),
    redirectUri: REDIRECT_URI,
    fetch: recording,
  });
  return { client, last: () => last! };
}

/** Signs `user` in on the login form in `session` and exchanges the code (with PKCE): an access token. */
async function tokenFor(session: string, user: User = DEFAULT_USER, clientSecret?: string): Promise<string> {
  const { client } = await clientIn(session, clientSecret);
  const { url, codeVerifier } = await client.startAuthorization({ state: `s-${user.login}` });
  const callback = await completeJust2TradeLogin(url, { ...user, session });
  const { code } = client.parseCallback(callback, `s-${user.login}`);
  return (await client.exchangeCode(code, { codeVerifier })).access_token;
}

/** The profile's status for `token` in `session`, over plain fetch. */
async function profileStatus(session: string, token: string): Promise<number> {
  const response = await fetch(`${mock.url}/just2trade/api/auth`, {
    headers: { Authorization: `Bearer ${token}`, 'X-Mock-Session': session },
    signal: AbortSignal.timeout(10_000),
  });
  await response.body?.cancel();
  return response.status;
}

/**
 * The profile of `token` through the typed client is refused as a CRM sees it: ProviderError 401
 * `invalid_token`, and the answer's RFC 6750 challenge with `description`.
 */
async function expectInvalidToken(session: string, token: string, description: string): Promise<void> {
  const { client, last } = await clientIn(session);
  const error = await client.getProfile(token).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ProviderError);
  expect(error).toMatchObject({
    provider: 'just2trade',
    operationId: 'getProfile',
    status: 401,
    body: { error: 'invalid_token', error_description: description },
  });
  expect(last().status).toBe(401);
  expect(last().headers.get('www-authenticate')).toBe(INVALID_TOKEN_CHALLENGE(description));
}

/** A control call over plain fetch in `session`, with a raw JSON text as its body when given. */
function control(session: string, method: string, path: string, body?: string) {
  return fetch(`${mock.url}/__mock/just2trade${path}`, {
    method,
    headers: { 'X-Mock-Session': session, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(body === undefined ? {} : { body }),
    signal: AbortSignal.timeout(10_000),
  });
}

/**
 * A control refusal: the control API's JSON error with `code`, a message matching, and the `location` of
 * each of its `details` (one, or the list of them).
 */
async function expectControlError(
  response: Response,
  status: number,
  code: string,
  location: string | string[],
  message: RegExp,
) {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  const body = JSON.parse(text) as { error: { code: string; message: string; details?: { location: string }[] } };
  expect(body.error.code).toBe(code);
  expect(body.error.message).toMatch(message);
  expect(body.error.details?.map((detail) => detail.location)).toEqual([location].flat());
}

/** openid-client's view of the default client in `session`: its requests carry the session header. */
function openIdConfiguration(session: string, secret: string): oauth.Configuration {
  const config = new oauth.Configuration(
    {
      issuer: `${mock.url}/just2trade/auth`,
      authorization_endpoint: `${mock.url}/just2trade/auth/connect/authorize`,
      token_endpoint: `${mock.url}/just2trade/auth/connect/token`,
    },
    CLIENT_ID,
    { client_secret: secret },
    oauth.ClientSecretPost(secret),
  );
  oauth.allowInsecureRequests(config);
  const sessionFetch = mock.session(session).fetch;
  config[oauth.customFetch] = (url, options) =>
    sessionFetch(url, { ...options, signal: AbortSignal.timeout(10_000) } as RequestInit);
  return config;
}

/** openid-client signs in (the browser's part by completeJust2TradeLogin) and redeems the code: its tokens. */
async function openIdSignIn(session: string, config: oauth.Configuration, secret: string) {
  const state = oauth.randomState();
  const url = oauth.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, client_secret: secret, state });
  const callback = await completeJust2TradeLogin(url, { ...DEFAULT_USER, session });
  return oauth.authorizationCodeGrant(config, callback, { expectedState: state });
}

describe('POST /__mock/just2trade/tokens/revoke', () => {
  it('{ token }: that token is 401 invalid_token via the typed client; the user’s other token lives', async () => {
    const session = newSession();
    const revoked = await tokenFor(session);
    const kept = await tokenFor(session);
    const { client } = await clientIn(session);
    expect((await client.getProfile(revoked)).login).toBe('login');

    expect(await mock.session(session).events.just2trade.revokeTokens({ token: revoked })).toEqual({ revoked: 1 });
    await expectInvalidToken(session, revoked, 'The access token was revoked.');
    expect((await client.getProfile(kept)).login).toBe('login');

    // Idempotent: revoked again, nothing more is revoked, and the token stays refused.
    expect(await mock.session(session).events.just2trade.revokeTokens({ token: revoked })).toEqual({ revoked: 0 });
    await expectInvalidToken(session, revoked, 'The access token was revoked.');
  });

  it('openid-client sees the RFC 6750 challenge: WWWAuthenticateChallengeError, error="invalid_token"', async () => {
    const session = newSession();
    const secret = await mock.session(session).just2trade.clientSecret(CLIENT_ID);
    const config = openIdConfiguration(session, secret);
    const tokens = await openIdSignIn(session, config, secret);
    const profileUrl = new URL(`${mock.url}/just2trade/api/auth`);
    const before = await oauth.fetchProtectedResource(config, tokens.access_token, profileUrl, 'GET');
    expect(before.status).toBe(200);

    await mock.session(session).events.just2trade.revokeTokens({ token: tokens.access_token });
    const error = await oauth
      .fetchProtectedResource(config, tokens.access_token, profileUrl, 'GET')
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
    const challenge = error as oauth.WWWAuthenticateChallengeError;
    expect(challenge.status).toBe(401);
    expect(challenge.cause).toEqual([
      {
        scheme: 'bearer',
        parameters: { realm: 'just2trade', error: 'invalid_token', error_description: 'The access token was revoked.' },
      },
    ]);
  });

  it('{ user }: every token of that user, whichever the client, and none of another user', async () => {
    const session = newSession();
    await mock.session(session).fixtures.add('just2trade', 'users', ALICE);
    await mock.session(session).fixtures.add('just2trade', 'clients', {
      clientId: 'other-crm',
      clientSecret: 'other-secret',
      redirectUris: [REDIRECT_URI],
    });
    const alice = [await tokenFor(session, ALICE), await tokenFor(session, ALICE)];
    // Alice through a second client too: a user's tokens are theirs whatever client holds them.
    const other = createJust2TradeClient({
      authBaseUrl: `${mock.url}/just2trade/auth`,
      apiBaseUrl: `${mock.url}/just2trade/api`,
      clientId: 'other-crm',
      clientSecret: 'other-secret',
      redirectUri: REDIRECT_URI,
      fetch: mock.session(session).fetch,
    });
    const start = await other.startAuthorization({ state: 'o' });
    const callback = await completeJust2TradeLogin(start.url, { ...ALICE, session });
    const viaOther = await other.exchangeCode(other.parseCallback(callback, 'o').code, {
      codeVerifier: start.codeVerifier,
    });
    alice.push(viaOther.access_token);
    const bystander = await tokenFor(session, DEFAULT_USER);

    expect(await mock.session(session).events.just2trade.revokeTokens({ user: 'alice' })).toEqual({ revoked: 3 });
    for (const token of alice) await expectInvalidToken(session, token, 'The access token was revoked.');
    expect(await profileStatus(session, bystander)).toBe(200);

    // Nothing left to revoke: 0, as for a user who never had a token.
    expect(await mock.session(session).events.just2trade.revokeTokens({ user: 'alice' })).toEqual({ revoked: 0 });
    await mock.session(session).fixtures.add('just2trade', 'users', { ...ALICE, login: 'bob' });
    expect(await mock.session(session).events.just2trade.revokeTokens({ user: 'bob' })).toEqual({ revoked: 0 });
    // An expired token is not counted: it was no longer usable.
    const expiring = await tokenFor(session, DEFAULT_USER);
    await mock.session(session).clock.advance(86_400 + 1);
    expect(await mock.session(session).events.just2trade.revokeTokens({ token: expiring })).toEqual({ revoked: 0 });
  });

  it('an unknown token or user is 404 naming it; nothing changes', async () => {
    const session = newSession();
    const token = await tokenFor(session);
    await expectControlError(
      await control(session, 'POST', '/tokens/revoke', JSON.stringify({ token: 'no-such-token' })),
      404,
      'not_found',
      '/body/token',
      /No access token "no-such-token" in this session/,
    );
    await expectControlError(
      await control(session, 'POST', '/tokens/revoke', JSON.stringify({ user: 'nobody' })),
      404,
      'not_found',
      '/body/user',
      /No user "nobody" in this session; users: login/,
    );
    const refused = await mock
      .session(session)
      .events.just2trade.revokeTokens({ token: 'no-such-token' })
      .catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(MockControlError);
    expect(refused).toMatchObject({ status: 404, code: 'not_found' });
    expect(await profileStatus(session, token)).toBe(200);
  });

  const neither = ['/body/token', '/body/user', '/body'];
  it.each([
    ['no body', undefined, neither, /^Not a valid body: \/body\/token is required; \/body\/user is required; /],
    ['an empty object', '{}', neither, /\/body\/token is required; \/body\/user is required; /],
    ['both fields', '{"token":"t","user":"login"}', '/body', /\/body must match exactly one schema in oneOf/],
    ['a token that is a number', '{"token":42}', '/body/token', /\/body\/token must be string/],
    ['an empty user', '{"user":""}', '/body/user', /\/body\/user must NOT have fewer than 1 characters/],
    ['a field of no revocation', '{"token":"t","reason":"x"}', '/body', /\/body must not have property 'reason'/],
    ['a misspelt field', '{"Token":"t"}', [...neither, '/body'], /\/body must not have property 'Token'/],
    ['an array', '[{"token":"t"}]', ['/body', '/body'], /\/body must be object/],
    ['a string', '"t"', ['/body', '/body'], /\/body must be object/],
  ])('a bad body (%s) is 400 naming the field, and revokes nothing', async (_title, body, location, message) => {
    const session = newSession();
    const token = await tokenFor(session);
    await expectControlError(
      await control(session, 'POST', '/tokens/revoke', body),
      400,
      'invalid_request',
      location,
      message,
    );
    expect(await profileStatus(session, token)).toBe(200);
  });
});

describe('POST /__mock/just2trade/clients/:clientId/rotate-secret', () => {
  it('a new secret; the old one is refused at the token endpoint (401 invalid_client) and authorize', async () => {
    const session = newSession();
    const old = await mock.session(session).just2trade.clientSecret(CLIENT_ID);
    const oldClient = (await clientIn(session, old)).client;
    // A sign-in under way when the secret changes: its code is redeemed after the rotation.
    const pending = await oldClient.startAuthorization({ state: 'r' });
    const callback = await completeJust2TradeLogin(pending.url, { ...DEFAULT_USER, session });
    const { code } = oldClient.parseCallback(callback, 'r');

    const response = await control(session, 'POST', `/clients/${CLIENT_ID}/rotate-secret`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toMatch(/no-store/);
    const rotated = (await response.json()) as { clientId: string; clientSecret: string };
    expect(rotated).toEqual({ clientId: CLIENT_ID, clientSecret: expect.stringMatching(/^[A-Za-z0-9]{32}$/) });
    expect(rotated.clientSecret).not.toBe(old);
    expect(await mock.session(session).just2trade.clientSecret(CLIENT_ID)).toBe(rotated.clientSecret);

    // The typed client with the old secret: invalid_client, and the refusal spends nothing.
    const refused = await oldClient
      .exchangeCode(code, { codeVerifier: pending.codeVerifier })
      .catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(ProviderError);
    expect(refused).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    // openid-client with the old secret (client_secret_post): the same.
    const config = openIdConfiguration(session, old);
    const state = oauth.randomState();
    const openIdCallback = await completeJust2TradeLogin(
      oauth.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, client_secret: rotated.clientSecret, state }),
      { ...DEFAULT_USER, session },
    );
    await expect(oauth.authorizationCodeGrant(config, openIdCallback, { expectedState: state })).rejects.toMatchObject({
      error: 'invalid_client',
      status: 401,
    });
    // The authorize URL with the old secret: the error page, never a redirect.
    const atAuthorize = await completeJust2TradeLogin((await oldClient.startAuthorization()).url, {
      ...DEFAULT_USER,
      session,
    }).catch((caught: unknown) => caught);
    expect(atAuthorize).toBeInstanceOf(PageError);
    expect(atAuthorize).toMatchObject({ status: 400, message: expect.stringMatching(/wrong client_secret/) });

    // The new secret: the code from before the rotation redeems, and a whole new sign-in works.
    const newClient = (await clientIn(session, rotated.clientSecret)).client;
    const token = await newClient.exchangeCode(code, { codeVerifier: pending.codeVerifier });
    expect((await newClient.getProfile(token.access_token)).login).toBe('login');
    expect(await profileStatus(session, await tokenFor(session, DEFAULT_USER, rotated.clientSecret))).toBe(200);
    const newConfig = openIdConfiguration(session, rotated.clientSecret);
    expect((await openIdSignIn(session, newConfig, rotated.clientSecret)).token_type).toBe('bearer');
  });

  it('the typed trigger answers the new secret; rotating again retires that one too', async () => {
    const session = newSession();
    const events = mock.session(session).events.just2trade;
    const first = await events.rotateClientSecret(CLIENT_ID);
    const second = await events.rotateClientSecret(CLIENT_ID);
    expect(second).not.toBe(first);
    const { client } = await clientIn(session, first);
    const start = await client.startAuthorization({ state: 'x' });
    const refused = await completeJust2TradeLogin(start.url, { ...DEFAULT_USER, session }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 400 });
    expect(await profileStatus(session, await tokenFor(session, DEFAULT_USER, second))).toBe(200);
  });

  it('an unknown client is 404 naming it; a body is 400 naming its field', async () => {
    const session = newSession();
    await expectControlError(
      await control(session, 'POST', '/clients/nope/rotate-secret'),
      404,
      'not_found',
      '/path/clientId',
      /No client "nope" in this session; clients: crm-demo/,
    );
    await expect(mock.session(session).events.just2trade.rotateClientSecret('nope')).rejects.toMatchObject({
      status: 404,
    });
    const before = await mock.session(session).just2trade.clientSecret(CLIENT_ID);
    await expectControlError(
      await control(session, 'POST', `/clients/${CLIENT_ID}/rotate-secret`, '{"clientSecret":"mine"}'),
      400,
      'invalid_request',
      '/body',
      /\/body must not have property 'clientSecret'/,
    );
    expect(await mock.session(session).just2trade.clientSecret(CLIENT_ID)).toBe(before);
  });
});

describe('a disabled user (PATCH users/{login} {"disabled": true})', () => {
  it('no sign-in (form, auto-login, a code from before), tokens refused; enabled again, all works', async () => {
    const session = newSession();
    const controls = mock.session(session);
    const added = await controls.fixtures.add<{ disabled: boolean }>('just2trade', 'users', ALICE);
    expect(added.disabled).toBe(false);
    const token = await tokenFor(session, ALICE);
    // A sign-in finished before the user is disabled, its code not yet redeemed.
    const { client } = await clientIn(session);
    const early = await client.startAuthorization({ state: 'early' });
    const earlyCode = client.parseCallback(
      await completeJust2TradeLogin(early.url, { ...ALICE, session }),
      'early',
    ).code;

    const updated = await controls.fixtures.update('just2trade', 'users', 'alice', { disabled: true });
    expect(updated).toMatchObject({ login: 'alice', disabled: true });

    await expectInvalidToken(session, token, 'The user this access token was issued for is disabled.');
    const exchange = await client
      .exchangeCode(earlyCode, { codeVerifier: early.codeVerifier })
      .catch((e: unknown) => e);
    expect(exchange).toMatchObject({
      status: 400,
      body: {
        error: 'invalid_grant',
        error_description: 'The user this authorization code was issued for is disabled.',
      },
    });

    // The login form: shown again, saying so, only to whoever knows the password.
    const form = (await clientIn(session)).client;
    const signIn = async (password: string) =>
      completeJust2TradeLogin((await form.startAuthorization()).url, { login: 'alice', password, session }).catch(
        (caught: unknown) => caught,
      );
    const disabledSignIn = await signIn(ALICE.password);
    expect(disabledSignIn).toBeInstanceOf(PageError);
    expect(disabledSignIn).toMatchObject({ status: 200, message: expect.stringMatching(/This account is disabled/) });
    const wrongPassword = await signIn('guess');
    expect(wrongPassword).toBeInstanceOf(PageError);
    expect((wrongPassword as Error).message).toMatch(/The login or password is incorrect/);
    expect((wrongPassword as Error).message).not.toMatch(/disabled/);

    // Auto-login for them: the error page, no redirect.
    await controls.just2trade.autoLogin('alice');
    const auto = await fetch((await form.startAuthorization()).url, {
      redirect: 'manual',
      headers: { 'X-Mock-Session': session },
      signal: AbortSignal.timeout(10_000),
    });
    expect(auto.status).toBe(400);
    expect(auto.headers.get('location')).toBeNull();
    expect(await auto.text()).toMatch(/access_denied.*whose account is disabled/s);

    // Enabled again: the old token is good again (unexpired), and auto-login and the form sign them in.
    await controls.fixtures.update('just2trade', 'users', 'alice', { disabled: false });
    expect((await client.getProfile(token)).login).toBe('alice');
    const autoAgain = await fetch((await form.startAuthorization()).url, {
      redirect: 'manual',
      headers: { 'X-Mock-Session': session },
      signal: AbortSignal.timeout(10_000),
    });
    expect(autoAgain.status).toBe(302);
    await controls.just2trade.stopAutoLogin();
    expect(await profileStatus(session, await tokenFor(session, ALICE))).toBe(200);
  });

  it('disabled must be a boolean: 400 naming /body/disabled, the user unchanged', async () => {
    const session = newSession();
    const response = await fetch(`${mock.url}/__mock/just2trade/users/login`, {
      method: 'PATCH',
      headers: { 'X-Mock-Session': session, 'Content-Type': 'application/json' },
      body: JSON.stringify({ disabled: 'yes' }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await response.json()) as { error: { details: { location: string }[] } };
    expect(response.status).toBe(400);
    expect(body.error.details.map((detail) => detail.location)).toEqual(['/body/disabled']);
    expect(await mock.session(session).fixtures.get('just2trade', 'users', 'login')).toMatchObject({ disabled: false });
  });
});

describe('sessions and the journal', () => {
  it('events in one session leave a parallel session alone', async () => {
    const [a, b] = [newSession(), newSession()];
    const [tokenA, tokenB] = await Promise.all([tokenFor(a), tokenFor(b)]);
    const secretB = await mock.session(b).just2trade.clientSecret(CLIENT_ID);

    await Promise.all([
      mock.session(a).events.just2trade.revokeTokens({ user: 'login' }),
      mock.session(a).events.just2trade.rotateClientSecret(CLIENT_ID),
      mock.session(a).fixtures.update('just2trade', 'users', 'login', { disabled: true }),
      // Session b works meanwhile.
      tokenFor(b),
    ]);
    expect(await profileStatus(a, tokenA)).toBe(401);
    expect(await profileStatus(b, tokenB)).toBe(200);
    expect(await mock.session(b).just2trade.clientSecret(CLIENT_ID)).toBe(secretB);
    expect(await profileStatus(b, await tokenFor(b, DEFAULT_USER, secretB))).toBe(200);
    // b's token is unknown in a, and a's revocation by user never reached it.
    await expect(mock.session(a).events.just2trade.revokeTokens({ token: tokenB })).rejects.toMatchObject({
      status: 404,
    });
  });

  it('each event is in its session’s journal with its control route', async () => {
    const [session, other] = [newSession(), newSession()];
    const token = await tokenFor(session);
    await mock.session(session).events.just2trade.revokeTokens({ token });
    await mock.session(session).events.just2trade.rotateClientSecret(CLIENT_ID);

    const journal = await mock.session(session).journal({ provider: 'just2trade' });
    const events = journal.filter((entry) => entry.control !== undefined);
    expect(
      events.map(({ control, method, path, status, session: of }) => ({ control, method, path, status, of })),
    ).toEqual([
      {
        control: 'clients/:clientId/rotate-secret',
        method: 'POST',
        path: `/__mock/just2trade/clients/${CLIENT_ID}/rotate-secret`,
        status: 200,
        of: session,
      },
      { control: 'tokens/revoke', method: 'POST', path: '/__mock/just2trade/tokens/revoke', status: 200, of: session },
    ]);
    expect((await mock.session(other).journal({ provider: 'just2trade' })).filter((entry) => entry.control)).toEqual(
      [],
    );
  });
});
