/**
 * Fault rules as CRM code meets them (issue 16, item 5): the typed clients of `partnermock/client` and a
 * standard OAuth library (openid-client v6) against a listening mock, each test in a session of its own.
 * "The partner said no" is a ProviderError; "the partner is down" (reset, timeout, a body that is not
 * JSON, no body) a ProviderUnavailableError with its reason.
 */
import { randomUUID } from 'node:crypto';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError, ProviderUnavailableError, type B2CopyTokenPair } from '../../src/client/index.ts';
import type { RunningMockServer } from '../../src/index.ts';
import { completeJust2TradeLogin } from '../../testing/index.ts';
import {
  B2COPY_USER,
  SOCKET_ERRORS,
  causeCode,
  JUST2TRADE_CLIENT_ID,
  JUST2TRADE_REDIRECT_URI,
  JUST2TRADE_USER,
  b2copyClient,
  closeServers,
  keetaClient,
  newSession,
  rejectionOf,
  signedIn,
  startServer,
  timed,
  type Session,
} from './support.ts';

let server: RunningMockServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(closeServers);

/** The session's fetch, giving up after `ms` (as a CRM's HTTP layer with a timeout does). */
function withTimeout(session: Session, ms: number): typeof globalThis.fetch {
  return (input, init) => session.fetch(input, { ...init, signal: AbortSignal.timeout(ms) });
}

/** The session's fetch, counting the requests to paths ending in `suffix`. */
function counting(session: Session, suffix: string) {
  const counter = { calls: 0 };
  const fetch: typeof globalThis.fetch = (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (new URL(url).pathname.endsWith(suffix)) counter.calls += 1;
    return session.fetch(input, init);
  };
  return { counter, fetch };
}

describe('the typed clients', () => {
  it('a 503 on sign-in is a ProviderError with the status and B2COPY’s body', async () => {
    const session = newSession(server);
    await session.faults.add({ provider: 'b2copy', operationId: 'signIn', status: 503 });
    const error = await rejectionOf(b2copyClient(server, session).signIn(B2COPY_USER));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({
      provider: 'b2copy',
      operationId: 'signIn',
      status: 503,
      code: 'temporarily_unavailable',
      body: { status: 503, data: null, errors: [{ code: 'temporarily_unavailable' }] },
    });
  });

  it('a 429 with Retry-After gives the ProviderError its retryAfter', async () => {
    const session = newSession(server);
    await session.faults.add({ provider: 'keeta', status: 429, headers: { 'Retry-After': '12' } });
    const error = await rejectionOf(keetaClient(server, session).getAuthorizationUrl({ clientId: 'keeta-demo' }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 429, retryAfter: 12, body: { status: 429, title: 'Too Many Requests' } });
  });

  it('the B2COPY session helper retries a refresh the partner failed, and recovers when the rule is spent', async () => {
    const session = newSession(server);
    const { counter, fetch } = counting(session, '/refreshtoken');
    const b2copy = b2copyClient(server, session, fetch);
    const pair = await signedIn(b2copy);
    const refreshed: B2CopyTokenPair[] = [];
    // The access token is due: accessToken() refreshes.
    const tokens = b2copy.session(pair, {
      now: () => Date.parse(pair.accessToken.expiresAt),
      onRefresh: (next) => refreshed.push(next),
      retryDelayMs: () => 10,
    });
    const rule = await session.faults.add({ provider: 'b2copy', operationId: 'refreshToken', status: 503, times: 2 });

    // Two 503s, then the real refresh: one call, retried within the helper's two retries.
    const token = await tokens.accessToken();
    expect(token).not.toBe(pair.accessToken.token);
    expect(await rule.hits()).toBe(2);
    expect(counter.calls).toBe(3);
    expect(refreshed).toHaveLength(1);
    expect(tokens.tokens.accessToken.token).toBe(token);
    // The faulted refreshes spent nothing; the real one rotated the pair, and the new refresh token works.
    await expect(b2copy.refresh(tokens.tokens.refreshToken.token)).resolves.toMatchObject({
      accessToken: { token: expect.any(String) },
    });
  });

  it('the session helper gives up after its retries, and never retries what may have spent the token', async () => {
    const session = newSession(server);
    const { counter, fetch } = counting(session, '/refreshtoken');
    const b2copy = b2copyClient(server, session, fetch);
    const pair = await signedIn(b2copy);
    const due = { now: () => Date.parse(pair.accessToken.expiresAt), retryDelayMs: () => 10 };
    const always = await session.faults.add({ provider: 'b2copy', operationId: 'refreshToken', status: 503 });
    await expect(b2copy.session(pair, { ...due, retries: 1 }).accessToken()).rejects.toMatchObject({ status: 503 });
    expect(counter.calls).toBe(2);
    await always.remove();

    // A 502 or 500 may come after the partner rotated the pair; a Retry-After of an hour is the caller's call.
    for (const rule of [{ status: 502 }, { status: 500 }, { status: 429, headers: { 'Retry-After': '3600' } }]) {
      const once = await session.faults.add({ provider: 'b2copy', operationId: 'refreshToken', times: 1, ...rule });
      const calls = counter.calls;
      await expect(b2copy.session(pair, due).accessToken()).rejects.toMatchObject({ status: rule.status });
      expect(counter.calls - calls).toBe(1);
      await once.remove();
    }
    const afterStatuses = counter.calls;

    // A body cut off: the partner may have rotated the pair, so a retry would look like token theft.
    await session.faults.add({ provider: 'b2copy', operationId: 'refreshToken', action: 'malformed', times: 1 });
    await expect(b2copy.session(pair, due).accessToken()).rejects.toMatchObject({ reason: 'malformed' });
    expect(counter.calls).toBe(afterStatuses + 1);
  });

  it('an AbortSignal timeout fires on a delayMs rule: ProviderUnavailableError, reason timeout', async () => {
    const session = newSession(server);
    await session.faults.add({ provider: 'b2copy', operationId: 'signIn', delayMs: 2000 });
    const b2copy = b2copyClient(server, session, withTimeout(session, 200));
    const { value: error, ms } = await timed(() => rejectionOf(b2copy.signIn(B2COPY_USER)));
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect(error).toMatchObject({ provider: 'b2copy', operationId: 'signIn', reason: 'timeout' });
    expect(ms).toBeGreaterThanOrEqual(190);
    expect(ms).toBeLessThan(1500);
  });

  it('reset is a network error: ProviderUnavailableError, reason reset, not a ProviderError', async () => {
    const session = newSession(server);
    await session.faults.add({ provider: 'b2copy', operationId: 'refreshToken', action: 'reset' });
    const b2copy = b2copyClient(server, session);
    const pair = await signedIn(b2copy);
    const error = await rejectionOf(b2copy.refresh(pair.refreshToken.token));
    expect(error).not.toBeInstanceOf(ProviderError);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect(error).toMatchObject({ operationId: 'refreshToken', reason: 'reset', cause: expect.any(TypeError) });
  });

  it.each([
    ['malformed', 'malformed'],
    ['empty', 'empty'],
  ] as const)('%s is a ProviderUnavailableError, reason %s', async (action, reason) => {
    const session = newSession(server);
    await session.faults.add({ provider: 'keeta', operationId: 'getAuthorizationUrl', action });
    const error = await rejectionOf(keetaClient(server, session).getAuthorizationUrl({ clientId: 'keeta-demo' }));
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect(error).toMatchObject({ provider: 'keeta', reason });
  });
});

describe('openid-client', () => {
  /** Just2Trade as openid-client sees it, in the session (its requests carry the session header). */
  async function configuration(session: Session): Promise<{ config: oidc.Configuration; secret: string }> {
    const secret = await session.just2trade.clientSecret(JUST2TRADE_CLIENT_ID);
    const config = new oidc.Configuration(
      {
        issuer: `${server.url}/just2trade/auth`,
        authorization_endpoint: `${server.url}/just2trade/auth/connect/authorize`,
        token_endpoint: `${server.url}/just2trade/auth/connect/token`,
      },
      JUST2TRADE_CLIENT_ID,
      { client_secret: secret },
      oidc.ClientSecretPost(secret),
    );
    oidc.allowInsecureRequests(config);
    config[oidc.customFetch] = (url, options) => session.fetch(url, options as RequestInit);
    return { config, secret };
  }

  it('sees a 503 from the token endpoint as an error; the code is still redeemable after', async () => {
    const session = newSession(server);
    const { config, secret } = await configuration(session);
    const state = oidc.randomState();
    const authorizationUrl = oidc.buildAuthorizationUrl(config, {
      redirect_uri: JUST2TRADE_REDIRECT_URI,
      client_secret: secret, // documented: the authorize request carries the secret
      state,
    });
    const callback = await completeJust2TradeLogin(authorizationUrl, {
      ...JUST2TRADE_USER,
      session: session.sessionId,
    });
    const rule = await session.faults.add({
      provider: 'just2trade',
      operationId: 'requestToken',
      status: 503,
      times: 1,
    });

    const error = await rejectionOf(oidc.authorizationCodeGrant(config, callback, { expectedState: state }));
    // A 503 is not an RFC 6749 §5.2 error answer (400/401): the library refuses the response itself.
    expect(error).toBeInstanceOf(oidc.ClientError);
    expect(error).toMatchObject({ code: 'OAUTH_RESPONSE_IS_NOT_CONFORM', cause: { status: 503 } });
    expect(await ((error as oidc.ClientError).cause as Response).json()).toMatchObject({
      error: 'temporarily_unavailable',
    });
    expect(await rule.hits()).toBe(1);

    const tokens = await oidc.authorizationCodeGrant(config, callback, { expectedState: state });
    expect(tokens.access_token).toEqual(expect.any(String));
    expect(tokens.expires_in).toBe(86400);
  });

  it('sees a reset of the token request as a failed request, not an OAuth error', async () => {
    const session = newSession(server);
    const { config, secret } = await configuration(session);
    const state = randomUUID();
    const authorizationUrl = oidc.buildAuthorizationUrl(config, {
      redirect_uri: JUST2TRADE_REDIRECT_URI,
      client_secret: secret,
      state,
    });
    const callback = await completeJust2TradeLogin(authorizationUrl, {
      ...JUST2TRADE_USER,
      session: session.sessionId,
    });
    await session.faults.add({ provider: 'just2trade', operationId: 'requestToken', action: 'reset' });
    const error = await rejectionOf(oidc.authorizationCodeGrant(config, callback, { expectedState: state }));
    // fetch's own failure comes through as it is: no OAuth `error`, a socket error underneath.
    expect(error).toBeInstanceOf(TypeError);
    expect(error).not.toHaveProperty('error');
    expect(SOCKET_ERRORS).toContain(causeCode(error));
  });
});
