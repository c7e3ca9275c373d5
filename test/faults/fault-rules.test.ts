/**
 * Fault rules over a real socket (issue 16, item 1): every kind of answer a rule gives, in each provider's
 * own voice; the counters that make one-shot, "fail the third call" and reproducible random rules; `match`;
 * and that a faulted request changes no state. Each test works in a session of its own.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/client/index.ts';
import type { RunningMockServer } from '../../src/index.ts';
import { isRedirect, pageMessage } from '../../testing/index.ts';
import {
  B2COPY_USER,
  KEETA_REDIRECT_URI,
  PATHS,
  SOCKET_ERRORS,
  b2copyClient,
  b2copySignIn,
  causeCode,
  closeServers,
  just2tradeClient,
  just2tradeCode,
  keetaMerchantForm,
  keetaStatuses,
  keetaUrl,
  newSession,
  postJson,
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

/** A form POST of `fields` to a path on the mock, in the session. */
function postForm(session: Session, path: string, fields: Record<string, string>) {
  return session.fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });
}

/** A B2COPY refresh with the raw API: its status and body. */
async function refreshOf(session: Session, refreshToken: string) {
  const response = await postJson(server, session, PATHS.b2copyRefresh, { refresh_token: refreshToken });
  return { status: response.status, body: (await response.json()) as { errors?: { code: string }[] } };
}

describe('status: the provider’s own error shape', () => {
  it('B2COPY answers its envelope, errors[0].code naming the status', async () => {
    const session = newSession(server);
    await session.faults.add({ provider: 'b2copy', operationId: 'signIn', status: 503 });
    const response = await b2copySignIn(server, session);
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toMatchObject({
      status: 503,
      meta: { status: 503 },
      data: null,
      errors: [{ code: 'temporarily_unavailable', message: expect.stringContaining('fault rule') }],
    });
  });

  it('Keeta answers problem+json', async () => {
    const session = newSession(server);
    await session.faults.add({ provider: 'keeta', operationId: 'getAuthorizationUrl', status: 500 });
    const response = await keetaUrl(server, session);
    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ type: 'about:blank', title: 'Internal Server Error', status: 500 });
  });

  it('Just2Trade’s token endpoint answers RFC 6749 JSON { error }, no-store', async () => {
    const session = newSession(server);
    await session.faults.add({ provider: 'just2trade', operationId: 'requestToken', status: 503 });
    const response = await postForm(session, PATHS.just2tradeToken, { grant_type: 'authorization_code', code: 'x' });
    expect(response.status).toBe(503);
    expect(response.headers.get('cache-control')).toMatch(/no-store/);
    expect(await response.json()).toEqual({
      error: 'temporarily_unavailable',
      error_description: expect.stringContaining('fault rule'),
    });
  });

  it('a page answers HTML: Keeta’s merchant page (503), Just2Trade’s login page (503)', async () => {
    const session = newSession(server);
    await session.faults.add({ provider: 'keeta', page: 'merchant-authorization', status: 503 });
    const keeta = await session.fetch(`${server.url}${PATHS.keetaMerchantPage}?clientId=keeta-demo`);
    expect(keeta.status).toBe(503);
    expect(keeta.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await keeta.text()).toMatch(/<!doctype html>[\s\S]*Service Unavailable/i);

    await session.faults.add({ provider: 'just2trade', page: 'login', status: 503 });
    const login = await postForm(session, PATHS.just2tradeLogin, { login: 'login', password: 'password' });
    expect(login.status).toBe(503);
    expect(login.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await login.text()).toMatch(/<!doctype html>[\s\S]*Sign-in error - Just2Trade/i);
  });
});

describe('body and headers', () => {
  it('body replaces the answer: JSON as given, a string as text/plain', async () => {
    const session = newSession(server);
    const json = await session.faults.add({
      provider: 'b2copy',
      operationId: 'signIn',
      status: 502,
      body: { upstream: 'down', retry: [1, 2] },
      times: 1,
    });
    const first = await b2copySignIn(server, session);
    expect(first.status).toBe(502);
    expect(first.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await first.json()).toEqual({ upstream: 'down', retry: [1, 2] });
    expect(await json.hits()).toBe(1);

    await session.faults.add({ provider: 'b2copy', operationId: 'signIn', body: 'Bad Gateway from the proxy' });
    const second = await b2copySignIn(server, session);
    expect(second.status).toBe(200); // a body without a status: a 200 that is not the provider's answer
    expect(second.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await second.text()).toBe('Bad Gateway from the proxy');
  });

  it('headers are added to the answer: a 429 with Retry-After', async () => {
    const session = newSession(server);
    await session.faults.add({
      provider: 'keeta',
      operationId: 'getAuthorizationUrl',
      status: 429,
      headers: { 'Retry-After': '30' },
    });
    const response = await keetaUrl(server, session);
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('30');
    expect(await response.json()).toMatchObject({ title: 'Too Many Requests', status: 429 });
  });
});

describe('delayMs', () => {
  it('alone lets the real answer through, late, and that answer changes state', async () => {
    const session = newSession(server);
    const pair = await signedIn(b2copyClient(server, session));
    const rule = await session.faults.add({ provider: 'b2copy', operationId: 'refreshToken', delayMs: 300 });
    const { value: late, ms } = await timed(() => refreshOf(session, pair.refreshToken.token));
    expect(ms).toBeGreaterThanOrEqual(298);
    expect(late.status).toBe(200);
    expect(late.body).toMatchObject({ accessToken: { token: expect.any(String) } });
    expect(await rule.hits()).toBe(1);
    // The delayed refresh was real: it spent the refresh token.
    await rule.remove();
    const again = await refreshOf(session, pair.refreshToken.token);
    expect(again.status).toBe(401);
    expect(again.body.errors?.[0]?.code).toBe('refresh_token_reused');
  });

  it('with status answers the fault, late', async () => {
    const session = newSession(server);
    await session.faults.add({ provider: 'keeta', operationId: 'getAuthorizationUrl', status: 503, delayMs: 250 });
    const { value: response, ms } = await timed(() => keetaUrl(server, session));
    expect(ms).toBeGreaterThanOrEqual(248);
    expect(response.status).toBe(503);
  });

  it('{ min, max } delays each answer within the bounds', async () => {
    const session = newSession(server);
    await session.faults.add({
      provider: 'keeta',
      operationId: 'getAuthorizationUrl',
      delayMs: { min: 100, max: 160 },
    });
    for (let call = 0; call < 4; call += 1) {
      const { value: response, ms } = await timed(() => keetaUrl(server, session));
      expect(response.status).toBe(200);
      await response.body?.cancel();
      expect(ms).toBeGreaterThanOrEqual(98);
      expect(ms).toBeLessThan(160 + 300); // the upper bound, with room for a busy machine
    }
  });
});

describe('actions', () => {
  it('reset destroys the socket: fetch rejects with a socket error', async () => {
    const session = newSession(server);
    await session.faults.add({ provider: 'keeta', operationId: 'getAuthorizationUrl', action: 'reset' });
    const error = await rejectionOf(keetaUrl(server, session));
    expect(error).toBeInstanceOf(TypeError);
    expect(SOCKET_ERRORS).toContain(causeCode(error));
  });

  it('hang never answers: the client’s AbortSignal.timeout(300) fires', async () => {
    const session = newSession(server);
    const rule = await session.faults.add({ provider: 'b2copy', operationId: 'signIn', action: 'hang' });
    const { value: error, ms } = await timed(() =>
      rejectionOf(b2copySignIn(server, session, { signal: AbortSignal.timeout(300) })),
    );
    expect((error as Error).name).toBe('TimeoutError');
    expect(ms).toBeGreaterThanOrEqual(290);
    expect(ms).toBeLessThan(3000);
    expect(await rule.hits()).toBe(1);
  });

  it('hang does not hold the server open: close() ends promptly with the hung request open', async () => {
    const own = await startServer();
    const session = newSession(own);
    await session.faults.add({ provider: 'keeta', action: 'hang' });
    // Bounded by its own signal, should close() not release it.
    const hung = rejectionOf(keetaUrl(own, session, {}, { signal: AbortSignal.timeout(10_000) }));
    await expect.poll(async () => (await session.journal()).length, { timeout: 2000 }).toBe(1);
    const { ms } = await timed(() => own.close());
    expect(ms).toBeLessThan(1000);
    const error = await hung;
    expect((error as Error).name).not.toBe('TimeoutError'); // the server let go, not the client's timeout
    expect(SOCKET_ERRORS).toContain(causeCode(error));
  });

  it('malformed answers a 200 whose JSON is cut in the middle', async () => {
    const session = newSession(server);
    await session.faults.add({ provider: 'b2copy', operationId: 'signIn', action: 'malformed' });
    const response = await b2copySignIn(server, session);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const text = await response.text();
    expect(text.length).toBeGreaterThan(0);
    expect(() => JSON.parse(text) as unknown).toThrow(SyntaxError);
  });

  it('empty answers a 200 with no body', async () => {
    const session = newSession(server);
    await session.faults.add({ provider: 'keeta', operationId: 'getAuthorizationUrl', action: 'empty' });
    const response = await keetaUrl(server, session);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });
});

describe('times, after, probability', () => {
  it('times: only the first N matching requests', async () => {
    const session = newSession(server);
    const rule = await session.faults.add({
      provider: 'keeta',
      operationId: 'getAuthorizationUrl',
      status: 503,
      times: 2,
    });
    expect(await keetaStatuses(server, session, 4)).toEqual([503, 503, 200, 200]);
    expect(await rule.hits()).toBe(2);
  });

  it('after: fail the third call (after: 2, times: 1)', async () => {
    const session = newSession(server);
    const rule = await session.faults.add({
      provider: 'keeta',
      operationId: 'getAuthorizationUrl',
      status: 503,
      after: 2,
      times: 1,
    });
    expect(await keetaStatuses(server, session, 5)).toEqual([200, 200, 503, 200, 200]);
    expect(await rule.hits()).toBe(1);
  });

  it('after alone: every call after the first N', async () => {
    const session = newSession(server);
    await session.faults.add({ provider: 'keeta', operationId: 'getAuthorizationUrl', status: 503, after: 1 });
    expect(await keetaStatuses(server, session, 3)).toEqual([200, 503, 503]);
  });

  it('probability is reproducible: the same seed, session id and rule draw the same sequence', async () => {
    const [first, second, otherSeed] = await Promise.all([
      startServer({ seed: 42 }),
      startServer({ seed: 42 }),
      startServer({ seed: 43 }),
    ]);
    const sessionId = randomUUID();
    const draws = async (mock: RunningMockServer) => {
      const session = newSession(mock, sessionId);
      const rule = { provider: 'keeta', operationId: 'getAuthorizationUrl', status: 503, probability: 0.5 };
      const added = await session.faults.add(rule);
      const faulted = (await keetaStatuses(mock, session, 32)).map((status) => status === 503);
      expect(await added.hits()).toBe(faulted.filter(Boolean).length);
      return faulted;
    };
    const sequence = await draws(first!);
    expect(await draws(second!)).toEqual(sequence);
    expect(sequence).toContain(true);
    expect(sequence).toContain(false);
    // The draws come from the seed: another seed draws another sequence (32 coin tosses).
    expect(await draws(otherSeed!)).not.toEqual(sequence);
  });

  it('probability 0 never applies, 1 always does', async () => {
    const never = newSession(server);
    const zero = await never.faults.add({
      provider: 'keeta',
      operationId: 'getAuthorizationUrl',
      status: 503,
      probability: 0,
    });
    expect(await keetaStatuses(server, never, 10)).toEqual(Array(10).fill(200));
    expect(await zero.hits()).toBe(0);

    const always = newSession(server);
    await always.faults.add({ provider: 'keeta', operationId: 'getAuthorizationUrl', status: 503, probability: 1 });
    expect(await keetaStatuses(server, always, 10)).toEqual(Array(10).fill(503));
  });
});

describe('match', () => {
  it('body: only one user’s sign-in', async () => {
    const session = newSession(server);
    const qa = { email: 'qa@crm.example', password: 'Qa-Secret1' };
    await session.fixtures.add('b2copy', 'users', { ...qa, twoFactor: false });
    await session.faults.add({
      provider: 'b2copy',
      operationId: 'signIn',
      status: 503,
      match: { body: { email: qa.email } },
    });
    expect((await postJson(server, session, PATHS.b2copySignIn, qa)).status).toBe(503);
    expect((await postJson(server, session, PATHS.b2copySignIn, B2COPY_USER)).status).toBe(200);
  });

  it('body: only the refresh of one token', async () => {
    const session = newSession(server);
    const b2copy = b2copyClient(server, session);
    const [one, other] = [await signedIn(b2copy), await signedIn(b2copy)];
    await session.faults.add({
      provider: 'b2copy',
      operationId: 'refreshToken',
      status: 503,
      match: { body: { refresh_token: one.refreshToken.token } },
    });
    expect((await refreshOf(session, one.refreshToken.token)).status).toBe(503);
    expect((await refreshOf(session, other.refreshToken.token)).status).toBe(200);
  });

  it('query: only a request with that parameter value', async () => {
    const session = newSession(server);
    await session.faults.add({
      provider: 'keeta',
      operationId: 'getAuthorizationUrl',
      status: 503,
      match: { query: { state: 'blocked' } },
    });
    expect((await keetaUrl(server, session, { state: 'blocked' })).status).toBe(503);
    expect((await keetaUrl(server, session, { state: 'other' })).status).toBe(200);
    expect((await keetaUrl(server, session)).status).toBe(200);
  });

  it('headers: only a request carrying that header value (names in any case)', async () => {
    const session = newSession(server);
    await session.faults.add({ provider: 'keeta', status: 503, match: { headers: { 'X-Crm-Tenant': 'acme' } } });
    const tenant = (value: string) => ({ headers: { 'x-crm-tenant': value } });
    expect((await keetaUrl(server, session, {}, tenant('acme'))).status).toBe(503);
    expect((await keetaUrl(server, session, {}, tenant('globex'))).status).toBe(200);
    expect((await keetaUrl(server, session)).status).toBe(200);
  });
});

describe('a faulted request changes no state', () => {
  it('B2COPY: a refresh faulted with 503 (or reset) leaves the refresh token usable', async () => {
    const session = newSession(server);
    const pair = await signedIn(b2copyClient(server, session));
    await session.faults.add({ provider: 'b2copy', operationId: 'refreshToken', status: 503, times: 1 });
    await session.faults.add({ provider: 'b2copy', operationId: 'refreshToken', action: 'reset', times: 1 });
    expect((await refreshOf(session, pair.refreshToken.token)).status).toBe(503);
    expect(SOCKET_ERRORS).toContain(causeCode(await rejectionOf(refreshOf(session, pair.refreshToken.token))));

    const refreshed = await refreshOf(session, pair.refreshToken.token);
    expect(refreshed.status).toBe(200);
    // ...and the real refresh did spend it.
    expect((await refreshOf(session, pair.refreshToken.token)).body.errors?.[0]?.code).toBe('refresh_token_reused');
  });

  it('Just2Trade: a token exchange faulted leaves the code redeemable', async () => {
    const session = newSession(server);
    const client = await just2tradeClient(server, session);
    const { code, codeVerifier } = await just2tradeCode(client, session);
    // Only this code's exchange (a form body matched by name).
    const rule = await session.faults.add({
      provider: 'just2trade',
      operationId: 'requestToken',
      status: 503,
      match: { body: { code } },
    });
    const error = await rejectionOf(client.exchangeCode(code, { codeVerifier }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 503, body: { error: 'temporarily_unavailable' } });

    await rule.remove();
    const token = await client.exchangeCode(code, { codeVerifier });
    expect(token.access_token).toEqual(expect.any(String));
    expect((await client.getProfile(token.access_token)).login).toBe('login');
  });

  it('Keeta: a merchant form POST faulted leaves the form usable', async () => {
    const session = newSession(server);
    const { browser, form } = await keetaMerchantForm(server, session);
    const rule = await session.faults.add({
      provider: 'keeta',
      page: 'merchant-authorization-submit',
      status: 503,
      times: 1,
    });
    const faulted = await browser.submit(form, {}, 'decision=authorize');
    if (isRedirect(faulted)) throw new Error(`the faulted POST redirected to ${faulted.redirectedTo.href}`);
    expect(faulted.status).toBe(503);
    expect(faulted.headers.get('content-type')).toMatch(/^text\/html/);
    expect(pageMessage(faulted)).toMatch(/Service Unavailable/);
    expect(await rule.hits()).toBe(1);

    const decided = await browser.submit(form, {}, 'decision=authorize');
    if (!isRedirect(decided)) throw new Error(`the form was refused (${decided.status}): ${pageMessage(decided)}`);
    expect(decided.redirectedTo.href.startsWith(`${KEETA_REDIRECT_URI}?`)).toBe(true);
    expect(decided.redirectedTo.searchParams.get('authId')).toEqual(expect.any(String));
  });
});
