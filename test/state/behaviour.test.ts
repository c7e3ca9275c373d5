/**
 * One behaviour suite, two state stores: every case below runs against a mock started with the in-memory
 * store (the default) and against one started with the Redis store (a real redis-server, a fresh key
 * prefix per server). What a CRM developer relies on — one-time codes, links and forms, refresh-token
 * rotation and reuse detection, expiry on the session clock, sessions, reset and fault rules — must not
 * depend on where the state lives. Everything goes over real HTTP to the listening server, each case in a
 * session of its own (`X-Mock-Session`, through `mock.session(id)`).
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type RunningMockServer, type StartOptions } from '../../src/index.ts';
import { MemoryStore } from '../../src/state/store/memory-store.ts';
import { RedisStore } from '../../src/state/store/redis-store.ts';
import {
  FormBrowser,
  PageError,
  completeJust2TradeLogin,
  decideKeetaAuthorization,
  formsOf,
  isRedirect,
  openB2CopyWebUi,
  type HtmlForm,
} from '../../testing/index.ts';
import { AUTH_URL_REQUEST, PATHS, USER } from '../b2copy/b2copy-helpers.ts';
import { REDIRECT_URI, ServerFlow } from '../just2trade/flow.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';

type Session = ReturnType<RunningMockServer['session']>;

/** The provider lifetimes the expiry cases step over (the plugins' defaults). */
const LIFETIME = {
  b2copyLink: 300,
  b2copyAccess: 3600,
  b2copyRefresh: 30 * 24 * 3600,
  just2tradeCode: 60,
};
/** How far before and after a lifetime the clock is put: real time passes between requests, too. */
const MARGIN = 10;

const KEETA_CALLBACK = 'http://localhost:3000/keeta/callback';
const KEETA_URL_PATH = '/keeta/oauth/authorization/url';

let redis: TestRedis;
let servers = 0;

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.dispose();
});

/** How each store's server is started: memory, or this file's Redis under a prefix of its own. */
const STORES: [string, () => Pick<StartOptions, 'store' | 'storePrefix'>][] = [
  ['memory', () => ({ store: 'memory' })],
  ['redis', () => ({ store: redis.url, storePrefix: `behaviour-${++servers}:` })],
];

describe.each(STORES)('%s store', { timeout: 15_000 }, (kind, storeOptions) => {
  let mock: RunningMockServer;
  let sessions = 0;

  beforeAll(async () => {
    mock = await startMockServer({ port: 0, log: false, ...storeOptions() });
  });
  afterAll(async () => {
    await mock?.close();
  });

  /** A session of this test's own, on this store's server. */
  const session = (name: string): Session => mock.session(`${kind}-${name}-${++sessions}`);

  // ---- B2COPY steps ----

  /** A JSON POST to a B2COPY operation in the session: the status and the parsed answer. */
  async function b2copyPost(s: Session, path: string, body: unknown): Promise<{ status: number; body: any }> {
    const response = await s.fetch(`${mock.url}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  }

  /** Back Office sign-in; the token pair. */
  async function signIn(s: Session, user: { email: string; password: string } = USER) {
    const answer = await b2copyPost(s, PATHS.signIn, user);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body as { accessToken: { token: string }; refreshToken: { token: string } };
  }

  const refresh = (s: Session, refreshToken: string) =>
    b2copyPost(s, PATHS.refreshToken, { refresh_token: refreshToken });

  /** The code of a B2COPY refusal (its first error item). */
  const errorCode = (body: any): string | undefined => body?.errors?.[0]?.code;

  /** A seamless-login link from getAuthUrl. */
  async function seamlessLink(s: Session): Promise<string> {
    const answer = await b2copyPost(s, PATHS.getAuthUrl, AUTH_URL_REQUEST);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body.data.url as string;
  }

  /** What `GET /__mock/b2copy/tokens` says became of one token. */
  async function tokenStatus(s: Session, token: string): Promise<string | undefined> {
    const { jti } = decodeJwt(token);
    return (await s.b2copy.tokens()).find((issued) => issued.jti === jti)?.status;
  }

  // ---- Just2Trade steps ----

  const just2trade = (s: Session) => new ServerFlow(mock.url, s.sessionId);

  /** Redeems a code; the status and the parsed answer. */
  async function redeem(flow: ServerFlow, code: string): Promise<{ status: number; body: any }> {
    const response = await flow.redeem(code);
    return { status: response.status, body: await response.json() };
  }

  // ---- Keeta steps ----

  /** The merchant authorization URL for the default app, sending the browser back to KEETA_CALLBACK. */
  async function keetaLink(s: Session, state: string): Promise<string> {
    const query = new URLSearchParams({ clientId: 'keeta-demo', redirectUri: KEETA_CALLBACK, state });
    const response = await s.fetch(`${mock.url}${KEETA_URL_PATH}?${query}`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { merchantAuthorizationUrl: string }).merchantAuthorizationUrl;
  }

  /** Opens the merchant page in a browser of the session; the browser and the page's form. */
  async function openMerchantPage(s: Session, link: string): Promise<{ browser: FormBrowser; form: HtmlForm }> {
    const browser = new FormBrowser(s.fetch, []);
    const page = await browser.open(link);
    if (isRedirect(page)) throw new Error(`the merchant page redirected to ${page.redirectedTo.href}`);
    expect(page.status).toBe(200);
    const form = formsOf(page).find((candidate) => candidate.fields.has('csrfToken'));
    expect(form, 'the merchant page has its form').toBeDefined();
    return { browser, form: form! };
  }

  const authorizations = (s: Session) =>
    s.fixtures.list<{ authId: string; decision: string; state?: string; revokedAt?: string }>(
      'keeta',
      'authorizations',
    );

  describe('B2COPY', () => {
    it('refreshes once; the used refresh token again is reuse, which revokes the family, new token included', async () => {
      const s = session('b2copy-reuse');
      const signedIn = await signIn(s);

      const renewed = await refresh(s, signedIn.refreshToken.token);
      expect(renewed.status).toBe(200);
      expect(renewed.body.refreshToken.token).not.toBe(signedIn.refreshToken.token);

      const reused = await refresh(s, signedIn.refreshToken.token);
      expect(reused.status).toBe(401);
      expect(errorCode(reused.body)).toBe('refresh_token_reused');

      const revoked = await refresh(s, renewed.body.refreshToken.token);
      expect(revoked.status).toBe(401);
      expect(errorCode(revoked.body)).toBe('refresh_token_revoked');
      expect(await tokenStatus(s, renewed.body.refreshToken.token)).toBe('revoked');
    });

    it('signs an account in once with a seamless-login link: 200 with a Web UI session, then 409', async () => {
      const s = session('b2copy-link');
      const link = await seamlessLink(s);

      const first = await openB2CopyWebUi(link, { session: s.sessionId });
      expect(first.status).toBe(200);
      expect(first.cookie).toMatch(/^b2copy_webui_session=./);
      expect(first.message).toContain(AUTH_URL_REQUEST.account_id);

      const again = await openB2CopyWebUi(link, { session: s.sessionId });
      expect(again.status).toBe(409);
      expect(again.cookie).toBeUndefined();
    });

    it('expires links, access tokens and refresh tokens when the session clock passes their lifetime', async () => {
      const s = session('b2copy-expiry');
      const [kept, expiring] = [await signIn(s), await signIn(s)];
      const [early, late] = [await seamlessLink(s), await seamlessLink(s)];

      await s.clock.advance(LIFETIME.b2copyLink - MARGIN);
      expect((await openB2CopyWebUi(early, { session: s.sessionId })).status).toBe(200);
      await s.clock.advance(2 * MARGIN);
      expect((await openB2CopyWebUi(late, { session: s.sessionId })).status).toBe(410);

      await s.clock.advance(LIFETIME.b2copyAccess - LIFETIME.b2copyLink - 2 * MARGIN);
      expect(await tokenStatus(s, kept.accessToken.token)).toBe('active');
      await s.clock.advance(2 * MARGIN);
      expect(await tokenStatus(s, kept.accessToken.token)).toBe('expired');

      await s.clock.advance(LIFETIME.b2copyRefresh - LIFETIME.b2copyAccess - 2 * MARGIN);
      expect((await refresh(s, kept.refreshToken.token)).status).toBe(200);
      await s.clock.advance(2 * MARGIN);
      const expired = await refresh(s, expiring.refreshToken.token);
      expect(expired.status).toBe(401);
      expect(errorCode(expired.body)).toBe('refresh_token_expired');
    });
  });

  describe('Just2Trade', () => {
    it('authorize → login form → code → token → profile', async () => {
      const flow = just2trade(session('j2t-flow'));
      const back = await flow.signIn(await flow.authorizeUrl({ state: 'crm-state' }));
      expect(`${back.origin}${back.pathname}`).toBe(REDIRECT_URI);
      expect(back.searchParams.get('state')).toBe('crm-state');
      const code = back.searchParams.get('code');
      expect(code).toBeTruthy();

      const token = await redeem(flow, code!);
      expect(token.status).toBe(200);
      expect(token.body).toMatchObject({ token_type: 'Bearer', access_token: expect.any(String), expires_in: 86400 });

      const profile = await flow.profile(token.body.access_token);
      expect(profile.status).toBe(200);
      expect(await profile.json()).toMatchObject({ login: 'login', email: 'login@email.com' });
    });

    it('refuses a replayed code with invalid_grant and revokes the token issued from it', async () => {
      const flow = just2trade(session('j2t-replay'));
      const code = await flow.code();
      const token = await redeem(flow, code);
      expect(token.status).toBe(200);
      expect((await flow.profile(token.body.access_token)).status).toBe(200);

      const replay = await redeem(flow, code);
      expect(replay.status).toBe(400);
      expect(replay.body.error).toBe('invalid_grant');
      expect((await flow.profile(token.body.access_token)).status).toBe(401);
    });

    it('expires a code once the session clock passes its lifetime', async () => {
      const s = session('j2t-expiry');
      const flow = just2trade(s);
      const [early, late] = [await flow.code(), await flow.code()];

      await s.clock.advance(LIFETIME.just2tradeCode - MARGIN);
      expect((await redeem(flow, early)).status).toBe(200);
      await s.clock.advance(2 * MARGIN);
      const expired = await redeem(flow, late);
      expect(expired.status).toBe(400);
      expect(expired.body.error).toBe('invalid_grant');
    });

    it('gives exactly one of ten concurrent redemptions of one code a token', async () => {
      const flow = just2trade(session('j2t-race'));
      const code = await flow.code();
      const answers = await Promise.all(Array.from({ length: 10 }, () => redeem(flow, code)));

      expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
      const refused = answers.filter((answer) => answer.status !== 200);
      expect(refused.map((answer) => [answer.status, answer.body.error])).toEqual(
        Array.from({ length: 9 }, () => [400, 'invalid_grant']),
      );
    });
  });

  describe('Keeta', () => {
    it('authorizes a merchant: link → merchant page → Authorize → back with authId, listed in authorizations', async () => {
      const s = session('keeta-flow');
      const { browser, form } = await openMerchantPage(s, await keetaLink(s, 'crm-state'));
      const answer = await browser.submit(form, {}, 'decision=authorize');
      if (!isRedirect(answer)) throw new Error(`no redirect back (${answer.status}): ${answer.html.slice(0, 300)}`);

      const back = answer.redirectedTo;
      expect(`${back.origin}${back.pathname}`).toBe(KEETA_CALLBACK);
      expect(back.searchParams.get('state')).toBe('crm-state');
      const authId = back.searchParams.get('authId');
      expect(authId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

      expect(await authorizations(s)).toEqual([
        expect.objectContaining({ authId, decision: 'authorized', state: 'crm-state' }),
      ]);
    });

    it('refuses the same merchant form posted again (409) and records one decision', async () => {
      const s = session('keeta-repost');
      const { browser, form } = await openMerchantPage(s, await keetaLink(s, 'once'));
      expect(isRedirect(await browser.submit(form, {}, 'decision=authorize'))).toBe(true);

      const again = await browser.submit(form, {}, 'decision=authorize');
      expect(isRedirect(again) ? 'a redirect' : again.status).toBe(409);
      expect(await authorizations(s)).toHaveLength(1);
    });

    it('marks an authorization revoked when Keeta revokes it on its side', async () => {
      const s = session('keeta-revoke');
      const back = await decideKeetaAuthorization(await keetaLink(s, 'revoke'), {
        decision: 'authorize',
        session: s.sessionId,
      });
      if (typeof back === 'string') throw new Error(`no redirect back: ${back}`);
      const authId = back.searchParams.get('authId')!;
      expect((await authorizations(s)).find((item) => item.authId === authId)?.revokedAt).toBeUndefined();

      await s.clock.advance(3600);
      const revoked = await s.events.keeta.revokeAuthorization(authId);
      // On the session clock, an hour ahead of the real one.
      expect(Date.parse(revoked.revokedAt!) - Date.now()).toBeGreaterThan(3500_000);
      expect((await authorizations(s)).find((item) => item.authId === authId)?.revokedAt).toBe(revoked.revokedAt);
    });
  });

  describe('sessions and the control API', () => {
    const added = { email: 'added@example.com', password: 'Added-Secret-1', twoFactor: false };

    it('uses fixtures added through the control API in their session only', async () => {
      const [mine, other] = [session('fixtures-mine'), session('fixtures-other')];
      await mine.fixtures.add('b2copy', 'users', added);
      await mine.fixtures.add('just2trade', 'users', { login: 'ann', password: 'ann-pw', email: 'ann@example.com' });

      await signIn(mine, added);
      const refused = await b2copyPost(other, PATHS.signIn, added);
      expect(refused.status).toBe(401);
      expect(errorCode(refused.body)).toBe('invalid_credentials');

      const mineFlow = just2trade(mine);
      const code = (await mineFlow.signIn(await mineFlow.authorizeUrl(), 'ann', 'ann-pw')).searchParams.get('code');
      const profile = await mineFlow.profile((await redeem(mineFlow, code!)).body.access_token);
      expect(await profile.json()).toMatchObject({ login: 'ann', email: 'ann@example.com' });
      const otherUrl = await just2trade(other).authorizeUrl();
      await expect(
        completeJust2TradeLogin(otherUrl, { login: 'ann', password: 'ann-pw', session: other.sessionId }),
      ).rejects.toBeInstanceOf(PageError);
    });

    it('resets one session to the defaults and the real clock while another keeps its state', async () => {
      const [reset, kept] = [session('reset-this'), session('reset-other')];
      const tokens = new Map<Session, string>();
      for (const s of [reset, kept]) {
        tokens.set(s, (await signIn(s)).refreshToken.token);
        await s.fixtures.add('b2copy', 'users', added);
        await s.fixtures.update('b2copy', 'users', USER.email, { twoFactor: true });
        await s.clock.advance(7200);
      }

      await reset.reset();

      const offset = async (s: Session) =>
        ((await (await s.fetch(`${mock.url}/__mock/clock`)).json()) as { offsetSeconds: number }).offsetSeconds;
      expect(await offset(reset)).toBe(0);
      expect(Math.abs(Date.parse(await reset.clock.now()) - Date.now())).toBeLessThan(5000);
      expect(await reset.fixtures.get('b2copy', 'users', added.email)).toBeUndefined();
      expect((await signIn(reset)).accessToken.token).toBeTruthy(); // the default user, without 2FA again
      const forgotten = await refresh(reset, tokens.get(reset)!);
      expect(forgotten.status).toBe(401);
      expect(errorCode(forgotten.body)).toBe('invalid_refresh_token');

      expect(await offset(kept)).toBe(7200);
      await signIn(kept, added);
      expect((await b2copyPost(kept, PATHS.signIn, USER)).body).toEqual({ '2faRequired': true });
      expect((await refresh(kept, tokens.get(kept)!)).status).toBe(200);
    });

    it('answers a fault rule with times: 2 exactly twice, then the real answer again', async () => {
      const s = session('faults');
      const rule = await s.faults.add({ provider: 'b2copy', operationId: 'signIn', status: 503, times: 2 });

      const statuses: number[] = [];
      for (let i = 0; i < 4; i += 1) statuses.push((await b2copyPost(s, PATHS.signIn, USER)).status);
      expect(statuses).toEqual([503, 503, 200, 200]);
      expect(await rule.hits()).toBe(2);
      // Another session never had the rule.
      expect((await b2copyPost(session('faults-other'), PATHS.signIn, USER)).status).toBe(200);
    });
  });

  it('runs on the store it is named for', () => {
    // Without this, a mistake in the setup could run the memory store twice and call it Redis.
    expect(mock.mock.store).toBeInstanceOf(kind === 'redis' ? RedisStore : MemoryStore);
  });
});
