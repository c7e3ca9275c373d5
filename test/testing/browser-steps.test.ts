/**
 * The browser steps of `partnermock/testing`, each against a listening mock as another project's suite
 * uses them: `completeJust2TradeLogin` (sign in on the login form), `decideKeetaAuthorization` (the
 * merchant's Authorize or Deny) and `openB2CopyWebUi` (open a seamless-login link). What they return is
 * what the typed clients take next; a refusal is a PageError with the page's own message; `session`
 * and `fetch` decide where and how they send their requests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createB2CopyClient,
  createJust2TradeClient,
  createKeetaClient,
  parseKeetaCallback,
  ProviderError,
} from '../../src/client/index.ts';
import type { KeetaAuthorization, Merchant } from '../../mocks/keeta/fixtures.ts';
import {
  completeJust2TradeLogin,
  decideKeetaAuthorization,
  openB2CopyWebUi,
  PageError,
  startMockServer,
  type RunningMockServer,
} from '../../testing/index.ts';
import { newSession } from '../helpers.ts';

let mock: RunningMockServer;
beforeAll(async () => {
  mock = await startMockServer({ port: 0, log: () => {} });
});
afterAll(async () => {
  await mock?.close();
});

const REDIRECT_URI = 'http://localhost:3000/callback';
const KEETA_CALLBACK = 'https://crm.example.com/keeta/callback';
const USER = { login: 'login', password: 'password' };

/** A fetch that records what it sends (method, URL, session header) and passes it on. */
function countingFetch() {
  const calls: { method: string; url: string; session: string | null }[] = [];
  const fetch: typeof globalThis.fetch = (input, init) => {
    calls.push({
      method: init?.method ?? 'GET',
      url: String(input),
      session: new Headers(init?.headers).get('x-mock-session'),
    });
    return globalThis.fetch(input, init);
  };
  return { fetch, calls };
}

/** The error a promise rejects with (failing the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  const result = await promise.then(
    (value) => ({ resolved: value }),
    (error: unknown) => ({ error }),
  );
  if ('resolved' in result) throw new Error(`expected a rejection, got ${String(result.resolved)}`);
  return result.error;
}

describe('completeJust2TradeLogin', () => {
  /** The typed client in `session` (its calls carry the session header unless `fetch` says otherwise). */
  async function just2tradeIn(session: string, options: { clientSecret?: string; fetch?: typeof fetch } = {}) {
    const controls = mock.session(session);
    return createJust2TradeClient({
      authBaseUrl: `${mock.url}/just2trade/auth`,
      apiBaseUrl: `${mock.url}/just2trade/api`,
      clientId: 'crm-demo',
      clientSecret: options.clientSecret ?? (await controls.just2trade.clientSecret('crm-demo')),
      redirectUri: REDIRECT_URI,
      fetch: options.fetch ?? controls.fetch,
    });
  }

  it('returns the redirect back with code and state, which the client exchanges for the user', async () => {
    const session = newSession();
    const just2trade = await just2tradeIn(session);
    const { url, codeVerifier } = await just2trade.startAuthorization({ state: 'st 1' });
    const back = await completeJust2TradeLogin(url, { ...USER, session });
    expect(back).toBeInstanceOf(URL);
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT_URI);
    expect(back.searchParams.get('state')).toBe('st 1');
    const { code } = just2trade.parseCallback(back, 'st 1');
    const token = await just2trade.exchangeCode(code, { codeVerifier });
    expect((await just2trade.getProfile(token.access_token)).login).toBe('login');
  });

  it("a wrong password rejects with a PageError: status 200, the page's message", async () => {
    const session = newSession();
    const { url } = await (await just2tradeIn(session)).startAuthorization({ state: 's' });
    const error = await rejection(completeJust2TradeLogin(url, { login: 'login', password: 'wrong', session }));
    expect(error).toBeInstanceOf(PageError);
    expect(error).toMatchObject({ status: 200 });
    expect((error as PageError).message).toContain('The login or password is incorrect.');
  });

  it("an authorize URL with a wrong client secret rejects with a PageError: 400, the page's message", async () => {
    const session = newSession();
    const wrong = await just2tradeIn(session, { clientSecret: 'not-the-secret' });
    const { url } = await wrong.startAuthorization({ state: 's' });
    const error = await rejection(completeJust2TradeLogin(url, { ...USER, session }));
    expect(error).toBeInstanceOf(PageError);
    expect(error).toMatchObject({ status: 400 });
    expect((error as PageError).message).toContain('Unknown client_id or wrong client_secret.');
    expect((error as PageError).url.pathname).toBe('/just2trade/auth/connect/authorize');
  });

  it('session: the code is issued in that session, and exchanges only there', async () => {
    const session = newSession();
    const inSession = await just2tradeIn(session);
    // The same client, without the session header: the default session (same seed, same secret).
    const withoutSession = await just2tradeIn(session, { fetch: globalThis.fetch });
    const { url, codeVerifier } = await inSession.startAuthorization({ state: 's' });
    const { code } = inSession.parseCallback(await completeJust2TradeLogin(url, { ...USER, session }), 's');

    const refusal = await rejection(withoutSession.exchangeCode(code, { codeVerifier }));
    expect(refusal).toBeInstanceOf(ProviderError);
    expect(refusal).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await inSession.exchangeCode(code, { codeVerifier })).access_token).toBeTruthy();
  });

  it('fetch: every request goes through the given fetch, with the session header added', async () => {
    const session = newSession();
    const { url } = await (await just2tradeIn(session)).startAuthorization({ state: 's' });
    const { fetch, calls } = countingFetch();
    const back = await completeJust2TradeLogin(url, { ...USER, session, fetch });
    expect(back.searchParams.get('code')).toBeTruthy();
    expect(calls.map((call) => call.method)).toEqual(['GET', 'POST']);
    expect(calls[0]!.url).toBe(url);
    expect(new URL(calls[1]!.url).pathname).toBe('/just2trade/auth/connect/authorize/login');
    expect(calls.every((call) => call.session === session)).toBe(true);
  });

  it('with auto-login on, returns the redirect at once (one request, no form)', async () => {
    const session = newSession();
    await mock.session(session).just2trade.autoLogin('login');
    const just2trade = await just2tradeIn(session);
    const { url, codeVerifier } = await just2trade.startAuthorization({ state: 'auto' });
    const { fetch, calls } = countingFetch();
    // The password is not asked for: a wrong one does not matter.
    const back = await completeJust2TradeLogin(url, { login: 'login', password: 'unused', session, fetch });
    expect(calls).toHaveLength(1);
    const { code } = just2trade.parseCallback(back, 'auto');
    const token = await just2trade.exchangeCode(code, { codeVerifier });
    expect((await just2trade.getProfile(token.access_token)).login).toBe('login');
  });
});

describe('decideKeetaAuthorization', () => {
  /** The merchant authorization link in `session` (no redirectUri when null). */
  async function linkIn(session: string, state: string, redirectUri: string | null = KEETA_CALLBACK) {
    const keeta = createKeetaClient({ baseUrl: `${mock.url}/keeta`, fetch: mock.session(session).fetch });
    const answer = await keeta.getAuthorizationUrl({
      clientId: 'keeta-demo',
      state,
      ...(redirectUri === null ? {} : { redirectUri }),
    });
    return answer.merchantAuthorizationUrl;
  }
  const merchantsOf = (session: string) => mock.session(session).fixtures.list<Merchant>('keeta', 'merchants');
  const authorizationsOf = (session: string) =>
    mock.session(session).fixtures.list<KeetaAuthorization>('keeta', 'authorizations');

  /** A fetch that runs `before` ahead of the form's POST, then sends it. */
  function beforeSubmit(before: (url: string, init: RequestInit) => Promise<void>): typeof globalThis.fetch {
    return async (input, init) => {
      if (init?.method === 'POST') await before(String(input), init);
      return globalThis.fetch(input, init);
    };
  }

  it('authorize: the redirect back with authId, state, appId and timestamp, for the first merchant', async () => {
    const session = newSession();
    const back = await decideKeetaAuthorization(await linkIn(session, 'k 1'), { decision: 'authorize', session });
    expect(back).toBeInstanceOf(URL);
    const url = back as URL;
    expect(`${url.origin}${url.pathname}`).toBe(KEETA_CALLBACK);
    const callback = parseKeetaCallback(url, 'k 1');
    expect(callback.appId).toBe('2123830428');
    const [first] = await merchantsOf(session);
    expect(await authorizationsOf(session)).toEqual([
      expect.objectContaining({ authId: callback.authId, decision: 'authorized', merchantId: first!.id }),
    ]);
  });

  it('deny: the redirect back with error=access_denied and the state', async () => {
    const session = newSession();
    const back = (await decideKeetaAuthorization(await linkIn(session, 'k 2'), { decision: 'deny', session })) as URL;
    expect(`${back.origin}${back.pathname}`).toBe(KEETA_CALLBACK);
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBe('k 2');
    expect(await authorizationsOf(session)).toEqual([expect.objectContaining({ decision: 'denied' })]);
  });

  it('merchantId: the chosen merchant is the one recorded', async () => {
    const session = newSession();
    const second = (await merchantsOf(session))[1]!;
    const back = await decideKeetaAuthorization(await linkIn(session, 'k 3'), {
      decision: 'authorize',
      merchantId: second.id,
      session,
    });
    const callback = parseKeetaCallback(back as URL, 'k 3');
    expect(await authorizationsOf(session)).toEqual([
      expect.objectContaining({ authId: callback.authId, merchantId: second.id, merchantName: second.name }),
    ]);
  });

  it("a link without redirectUri: the result page's text, with the authId", async () => {
    const session = newSession();
    const text = await decideKeetaAuthorization(await linkIn(session, 'k 4', null), { decision: 'authorize', session });
    expect(typeof text).toBe('string');
    const [authorization] = await authorizationsOf(session);
    expect(text).toContain('Authorization complete');
    expect(text).toContain(authorization!.authId);
  });

  it("an unknown merchantId rejects with a PageError: 400, the page's message; nothing recorded", async () => {
    const session = newSession();
    const link = await linkIn(session, 'k 5');
    const error = await rejection(
      decideKeetaAuthorization(link, { decision: 'authorize', merchantId: 'no-such-merchant', session }),
    );
    expect(error).toBeInstanceOf(PageError);
    expect(error).toMatchObject({ status: 400 });
    expect((error as PageError).message).toContain('There is no merchant with ID no-such-merchant');
    expect(await authorizationsOf(session)).toEqual([]);
  });

  it('a link for an unknown app rejects with a PageError (400) naming the appId', async () => {
    const session = newSession();
    const link = new URL(await linkIn(session, 'k 6'));
    link.searchParams.set('appId', '999');
    const error = await rejection(decideKeetaAuthorization(link, { decision: 'authorize', session }));
    expect(error).toBeInstanceOf(PageError);
    expect(error).toMatchObject({ status: 400 });
    expect((error as PageError).message).toContain('No Keeta application has appId 999');
  });

  it('a form already used rejects with a PageError (409), the first decision standing', async () => {
    const session = newSession();
    // Someone else submits the same form (same cookie, same fields) just before this step does.
    const fetch = beforeSubmit(async (url, init) => {
      const first = await globalThis.fetch(url, { ...init, redirect: 'manual' });
      expect(first.status).toBe(302);
    });
    const error = await rejection(
      decideKeetaAuthorization(await linkIn(session, 'k 7'), { decision: 'deny', session, fetch }),
    );
    expect(error).toBeInstanceOf(PageError);
    expect(error).toMatchObject({ status: 409 });
    expect((error as PageError).message).toContain('already submitted');
    expect(await authorizationsOf(session)).toEqual([expect.objectContaining({ decision: 'denied', state: 'k 7' })]);
  });

  it('a form that expired before it was submitted rejects with a PageError (400)', async () => {
    const session = newSession();
    const fetch = beforeSubmit(async () => {
      await mock.session(session).clock.advance(601);
    });
    const error = await rejection(
      decideKeetaAuthorization(await linkIn(session, 'k 8'), { decision: 'authorize', session, fetch }),
    );
    expect(error).toBeInstanceOf(PageError);
    expect(error).toMatchObject({ status: 400 });
    expect((error as PageError).message).toContain('expired');
    expect(await authorizationsOf(session)).toEqual([]);
  });

  it('an app removed before the form was submitted rejects with a PageError (400)', async () => {
    const session = newSession();
    const fetch = beforeSubmit(async () => {
      await mock.session(session).fixtures.remove('keeta', 'apps', 'keeta-demo');
    });
    const error = await rejection(
      decideKeetaAuthorization(await linkIn(session, 'k 9'), { decision: 'authorize', session, fetch }),
    );
    expect(error).toBeInstanceOf(PageError);
    expect(error).toMatchObject({ status: 400 });
    expect((error as PageError).message).toContain('no longer registered');
  });

  it('with auto-consent on, returns the decision at once (one request)', async () => {
    const session = newSession();
    const second = (await merchantsOf(session))[1]!;
    await mock.session(session).keeta.autoConsent('authorize', second.id);
    const { fetch, calls } = countingFetch();
    // The step's own decision is not asked for: the session's auto-consent decides.
    const back = await decideKeetaAuthorization(await linkIn(session, 'k 10'), { decision: 'deny', session, fetch });
    expect(calls).toHaveLength(1);
    const callback = parseKeetaCallback(back as URL, 'k 10');
    expect(await authorizationsOf(session)).toEqual([
      expect.objectContaining({ authId: callback.authId, decision: 'authorized', merchantId: second.id }),
    ]);
  });
});

describe('openB2CopyWebUi', () => {
  const SIDE_AUTH = { accountId: '77632289', secretKey: 'Password1234!', investmentPlatformId: '1' };
  async function authUrlIn(session?: string) {
    const fetch = session === undefined ? globalThis.fetch : mock.session(session).fetch;
    return (await createB2CopyClient({ baseUrl: `${mock.url}/b2copy`, fetch }).getAuthUrl(SIDE_AUTH)).url;
  }

  it('signs the account in once: 200 with the Web UI cookie, then 409 and no cookie', async () => {
    const url = await authUrlIn();
    expect(url).toMatch(new RegExp(`^${mock.url}/b2copy/webui/[0-9a-f]{32}$`));
    const visit = await openB2CopyWebUi(url);
    expect(visit.status).toBe(200);
    expect(visit.cookie).toMatch(/^b2copy_webui_session=[0-9a-f]{32}$/);
    expect(visit.message).toContain('77632289');

    const again = await openB2CopyWebUi(url);
    expect(again.status).toBe(409);
    expect(again.cookie).toBeUndefined();
    expect(again.message).toMatch(/already used/);
  });

  it('each link gets its own Web UI session', async () => {
    const first = await openB2CopyWebUi(await authUrlIn());
    const second = await openB2CopyWebUi(await authUrlIn());
    expect(first.cookie).toBeDefined();
    expect(second.cookie).toBeDefined();
    expect(first.cookie).not.toBe(second.cookie);
  });

  it('session: a link issued in a session opens only in that session (404 without, not used up)', async () => {
    const session = newSession();
    const url = await authUrlIn(session);
    const elsewhere = await openB2CopyWebUi(url);
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.cookie).toBeUndefined();
    expect((await openB2CopyWebUi(url, { session: newSession() })).status).toBe(404);
    const visit = await openB2CopyWebUi(url, { session });
    expect(visit.status).toBe(200);
    expect(visit.cookie).toMatch(/^b2copy_webui_session=[0-9a-f]{32}$/);
  });

  it('fetch: the visit goes through the given fetch', async () => {
    const session = newSession();
    const { fetch, calls } = countingFetch();
    const url = await authUrlIn(session);
    expect((await openB2CopyWebUi(url, { session, fetch })).status).toBe(200);
    expect(calls).toEqual([{ method: 'GET', url, session }]);
  });
});
