/**
 * `GET /__mock/inspector/session` over a real socket (issue 17): what a session holds after each provider's
 * flows, as the plugins' `inspectSession` lists it, newest first, with each item's status on the session's
 * clock. B2COPY: access and refresh tokens by jti (a rotated refresh token used, a reused one's sign-in
 * revoked), seamless-login links (used, expired, active); Just2Trade: login forms, codes (used, spent,
 * expired), access tokens (active, revoked), auto-login; Keeta: merchant forms and decisions (authorized,
 * denied, revoked). No item carries a secret: codes, tokens, links and form ids are shortened.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createB2CopyClient, type B2CopyTokenPair } from '../../src/client/index.ts';
import { startMockServer, type RunningMockServer, type SessionItem } from '../../src/index.ts';
import { completeJust2TradeLogin, decideKeetaAuthorization, openB2CopyWebUi } from '../../testing/index.ts';
import { newSession } from '../helpers.ts';

let mock: RunningMockServer;
beforeAll(async () => {
  mock = await startMockServer({ port: 0, log: () => {} });
});
afterAll(async () => {
  await mock?.close();
});

const WAIT_MS = 10_000;

interface Inspection {
  session: string;
  now: string;
  providers: Record<string, SessionItem[]>;
}

/** The inspector's view of `session`, asked with `?session=` or (`viaHeader`) with X-Mock-Session. */
async function inspect(session: string, viaHeader = false): Promise<{ inspection: Inspection; text: string }> {
  const response = await fetch(
    `${mock.url}/__mock/inspector/session${viaHeader ? '' : `?session=${encodeURIComponent(session)}`}`,
    { headers: viaHeader ? { 'X-Mock-Session': session } : {}, signal: AbortSignal.timeout(WAIT_MS) },
  );
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return { inspection: JSON.parse(text) as Inspection, text };
}

/** The one item of `kind` with `id`. */
function itemOf(items: SessionItem[], kind: string, id: string): SessionItem {
  const found = items.filter((item) => item.kind === kind && item.id === id);
  expect(found, `${kind} ${id} among ${JSON.stringify(items, null, 1)}`).toHaveLength(1);
  return found[0]!;
}

/** Newest first: each item's issuedAt (where it has one) is no later than the one before. */
function expectNewestFirst(items: SessionItem[]) {
  const times = items.flatMap((item) => (item.issuedAt ? [Date.parse(item.issuedAt)] : []));
  expect(times).toEqual([...times].sort((a, b) => b - a));
}

const shortened = (value: string) => `${value.slice(0, 8)}…`;
const jtiOf = (token: string) =>
  (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { jti: string }).jti;

describe('B2COPY', () => {
  it('lists tokens (active, used, revoked) and seamless-login links (used, expired, active)', async () => {
    const session = newSession();
    const controls = mock.session(session);
    const b2copy = createB2CopyClient({ baseUrl: `${mock.url}/b2copy`, fetch: controls.fetch });
    const user = { email: 'username@example.com', password: 'Secret123' };
    const linkInput = { accountId: '77632289', secretKey: 'Password1234!', investmentPlatformId: '1' };

    const first = (await b2copy.signIn(user)) as B2CopyTokenPair;
    const rotated = await b2copy.refresh(first.refreshToken.token); // first's refresh token: used
    const second = (await b2copy.signIn(user)) as B2CopyTokenPair;
    await b2copy.refresh(second.refreshToken.token);
    // Reused: the whole of the second sign-in is revoked.
    await expect(b2copy.refresh(second.refreshToken.token)).rejects.toMatchObject({ status: 401 });

    const expiring = await b2copy.getAuthUrl(linkInput);
    await controls.clock.advance(301); // past the link's five minutes, well within the tokens' hour
    const opened = await b2copy.getAuthUrl(linkInput);
    expect((await openB2CopyWebUi(opened.url, { session })).status).toBe(200);
    const waiting = await b2copy.getAuthUrl(linkInput);

    const { inspection, text } = await inspect(session);
    expect(inspection.session).toBe(session);
    expect(Date.parse(inspection.now) - Date.now()).toBeGreaterThan(290_000);
    const items = inspection.providers.b2copy!;
    expect(items).toHaveLength(6 + 3 + 2);
    expectNewestFirst(items);

    expect(itemOf(items, 'access token', jtiOf(first.accessToken.token))).toMatchObject({
      status: 'active',
      subject: user.email,
    });
    const used = itemOf(items, 'refresh token', jtiOf(first.refreshToken.token));
    expect(used).toMatchObject({ status: 'used', subject: user.email });
    expect(Date.parse(used.expiresAt!) - Date.parse(used.issuedAt!)).toBe(30 * 24 * 3600 * 1000);
    expect(itemOf(items, 'refresh token', jtiOf(rotated.refreshToken.token)).status).toBe('active');
    expect(itemOf(items, 'access token', jtiOf(second.accessToken.token)).status).toBe('revoked');
    expect(itemOf(items, 'refresh token', jtiOf(second.refreshToken.token)).status).toBe('revoked');
    // Every token of the second sign-in is revoked, the refreshed pair included.
    const tokens = await controls.b2copy.tokens();
    const revokedFamily = tokens.find((token) => token.jti === jtiOf(second.accessToken.token))!.familyId;
    for (const token of tokens.filter((each) => each.familyId === revokedFamily)) {
      expect(itemOf(items, `${token.use} token`, token.jti).status).toBe('revoked');
    }
    // The tokens' statuses are the ones GET /__mock/b2copy/tokens gives (one function).
    for (const token of tokens) expect(itemOf(items, `${token.use} token`, token.jti).status).toBe(token.status);

    const linkToken = (url: string) => new URL(url).pathname.split('/').at(-1)!;
    const link = (url: string) => itemOf(items, 'seamless-login link', shortened(linkToken(url)));
    expect(link(expiring.url).status).toBe('expired');
    expect(link(opened.url).status).toBe('used');
    expect(link(waiting.url)).toMatchObject({ status: 'active', subject: expect.stringContaining('77632289') });
    expect(Date.parse(link(waiting.url).expiresAt!) - Date.parse(link(waiting.url).issuedAt!)).toBe(300_000);
    // Newest first: the link just made leads.
    expect(items[0]).toEqual(link(waiting.url));
    for (const url of [expiring.url, opened.url, waiting.url]) expect(text).not.toContain(linkToken(url));
    // The tokens themselves are never listed, only their ids.
    expect(text).not.toContain(first.accessToken.token.split('.')[2]);

    // The other providers hold nothing in this session; the header names the session as the query does.
    expect(inspection.providers.just2trade).toEqual([]);
    expect(inspection.providers.keeta).toEqual([]);
    expect((await inspect(session, true)).inspection.providers).toEqual(inspection.providers);
    expect((await inspect(newSession())).inspection.providers.b2copy).toEqual([]);
  });
});

describe('Just2Trade', () => {
  const CLIENT_ID = 'crm-demo';
  const REDIRECT_URI = 'http://localhost:3000/callback';
  const USER = { login: 'login', password: 'password' };

  it('lists login forms, codes (used, spent, expired), access tokens (active, revoked) and auto-login', async () => {
    const session = newSession();
    const controls = mock.session(session);
    const secret = await controls.just2trade.clientSecret(CLIENT_ID);
    const authorizeUrl = (extra: Record<string, string> = {}) =>
      `${mock.url}/just2trade/auth/connect/authorize?${new URLSearchParams({
        response_type: 'code',
        client_id: CLIENT_ID,
        client_secret: secret,
        redirect_uri: REDIRECT_URI,
        ...extra,
      })}`;
    const signIn = async (extra: Record<string, string> = {}) =>
      (await completeJust2TradeLogin(authorizeUrl(extra), { ...USER, session })).searchParams.get('code')!;
    const exchange = async (code: string, extra: Record<string, string> = {}) => {
      const response = await controls.fetch(`${mock.url}/just2trade/auth/connect/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          client_id: CLIENT_ID,
          client_secret: secret,
          redirect_uri: REDIRECT_URI,
          ...extra,
        }),
        signal: AbortSignal.timeout(WAIT_MS),
      });
      return { status: response.status, body: (await response.json()) as { access_token?: string } };
    };

    const redeemed = await signIn();
    const kept = (await exchange(redeemed)).body.access_token!;
    const revokedCode = await signIn();
    const revoked = (await exchange(revokedCode)).body.access_token!;
    await controls.events.just2trade.revokeTokens({ token: revoked });
    // A PKCE code redeemed with the wrong verifier: spent, and no token.
    const spent = await signIn({
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    });
    expect((await exchange(spent, { code_verifier: 'x'.repeat(43) })).status).toBe(400);
    const expired = await signIn();
    await controls.clock.advance(61); // the codes' minute is over; the forms' ten minutes are not
    const fresh = await signIn();
    // A form shown and never submitted.
    const page = await controls.fetch(authorizeUrl({ state: 'left-open' }), { signal: AbortSignal.timeout(WAIT_MS) });
    expect(page.status).toBe(200);
    await page.body?.cancel();
    await controls.just2trade.autoLogin(USER.login);

    const { inspection, text } = await inspect(session);
    const items = inspection.providers.just2trade!;
    expect(items[0]).toEqual({ kind: 'auto-login', id: USER.login, status: 'active', subject: USER.login });
    expectNewestFirst(items);

    const code = (value: string) => itemOf(items, 'authorization code', shortened(value));
    expect(code(redeemed)).toMatchObject({ status: 'used', subject: USER.login });
    expect(code(revokedCode).status).toBe('used');
    expect(code(spent).status).toBe('spent');
    expect(code(expired).status).toBe('expired');
    expect(code(fresh).status).toBe('active');
    expect(Date.parse(code(fresh).expiresAt!) - Date.parse(code(fresh).issuedAt!)).toBe(60_000);
    expect(items.filter((item) => item.kind === 'authorization code')).toHaveLength(5);

    const token = (value: string) => itemOf(items, 'access token', shortened(value));
    expect(token(kept)).toMatchObject({ status: 'active', subject: USER.login });
    expect(token(revoked).status).toBe('revoked');

    const forms = items.filter((item) => item.kind === 'login form');
    expect(forms).toHaveLength(1); // submitted forms are gone; the one left open waits
    expect(forms[0]).toMatchObject({ status: 'active', subject: `client ${CLIENT_ID}` });
    expect(forms[0]!.id).toMatch(/^[A-Za-z0-9_-]{8}…$/);

    for (const secretValue of [redeemed, revokedCode, spent, expired, fresh, kept, revoked, secret]) {
      expect(text).not.toContain(secretValue);
    }

    // Past the tokens' day, the active one is expired; auto-login goes when turned off.
    await controls.clock.advance(24 * 3600);
    await controls.just2trade.stopAutoLogin();
    const later = (await inspect(session)).inspection.providers.just2trade!;
    expect(itemOf(later, 'access token', shortened(kept)).status).toBe('expired');
    expect(itemOf(later, 'access token', shortened(revoked)).status).toBe('revoked');
    expect(later.filter((item) => item.kind === 'login form').map((item) => item.status)).toEqual(['expired']);
    expect(later.some((item) => item.kind === 'auto-login')).toBe(false);
  });
});

describe('Keeta', () => {
  it('lists merchant forms (used, active, expired) and decisions (authorized, denied, revoked)', async () => {
    const session = newSession();
    const controls = mock.session(session);
    const link = async (state: string) => {
      const response = await controls.fetch(
        `${mock.url}/keeta/oauth/authorization/url?${new URLSearchParams({
          clientId: 'keeta-demo',
          redirectUri: 'https://crm.example.com/keeta/callback',
          state,
        })}`,
        { signal: AbortSignal.timeout(WAIT_MS) },
      );
      expect(response.status).toBe(200);
      return ((await response.json()) as { merchantAuthorizationUrl: string }).merchantAuthorizationUrl;
    };
    const decide = async (state: string, decision: 'authorize' | 'deny') =>
      (await decideKeetaAuthorization(await link(state), { decision, session })) as URL;

    const authorized = (await decide('one', 'authorize')).searchParams.get('authId')!;
    const revoked = (await decide('two', 'authorize')).searchParams.get('authId')!;
    const denied = await decide('three', 'deny');
    expect(denied.searchParams.get('error')).toBe('access_denied');
    await controls.events.keeta.revokeAuthorization(revoked);
    // A form shown and never submitted.
    const page = await controls.fetch(await link('four'), { signal: AbortSignal.timeout(WAIT_MS) });
    expect(page.status).toBe(200);
    await page.body?.cancel();

    const { inspection } = await inspect(session);
    const items = inspection.providers.keeta!;
    expectNewestFirst(items);
    expect(itemOf(items, 'authorization', authorized)).toMatchObject({
      status: 'authorized',
      subject: expect.stringContaining('2123830428'),
    });
    expect(itemOf(items, 'authorization', revoked).status).toBe('revoked');
    const decisions = items.filter((item) => item.kind === 'authorization');
    expect(decisions.map((item) => item.status)).toEqual(['denied', 'revoked', 'authorized']);
    const recorded = await controls.fixtures.list<{ authId: string; decision: string }>('keeta', 'authorizations');
    expect(itemOf(items, 'authorization', recorded.find((each) => each.decision === 'denied')!.authId).status).toBe(
      'denied',
    );

    const forms = items.filter((item) => item.kind === 'merchant form');
    expect(forms.map((item) => item.status)).toEqual(['active', 'used', 'used', 'used']);
    for (const form of forms) expect(form.id).toMatch(/^[A-Za-z0-9_-]{8}…$/);
    expect(items[0]!.kind).toBe('merchant form'); // the newest: the one left open

    await controls.clock.advance(601); // past the form's ten minutes
    const later = (await inspect(session)).inspection.providers.keeta!;
    expect(later.filter((item) => item.kind === 'merchant form').map((item) => item.status)).toEqual([
      'expired',
      'used',
      'used',
      'used',
    ]);
  });
});
