/**
 * The typed control API a test suite uses instead of raw fetch calls: `startMockServer()`'s handle and
 * `connectMockServer(url)`, each on the `default` session, `session(id)` for another, and the providers'
 * own helpers. Everything goes over HTTP, so what holds here holds against a mock in another process.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createB2CopyClient, createJust2TradeClient } from '../../src/client/index.ts';
import {
  connectMockServer,
  MockControlError,
  startMockServer,
  type JournalEntry,
  type RunningMockServer,
} from '../../src/index.ts';
import { completeJust2TradeLogin } from '../../testing/index.ts';

let mock: RunningMockServer;
const B2COPY_USER = { email: 'username@example.com', password: 'Secret123' };

beforeAll(async () => {
  mock = await startMockServer({ port: 0, seed: 7 });
});
afterAll(async () => {
  await mock?.close();
});

describe('the clock', () => {
  it('reads the session time and moves it forward by whole seconds, in that session only', async () => {
    const session = mock.session('clock-a');
    const before = Date.parse(await session.clock.now());
    const after = Date.parse(await session.clock.advance(3600));
    expect(after - before).toBeGreaterThanOrEqual(3600_000);
    expect(after - before).toBeLessThan(3660_000);
    expect(Math.abs(Date.parse(await mock.session('clock-b').clock.now()) - Date.now())).toBeLessThan(60_000);
  });

  it('refuses to go back, with the control API message', async () => {
    const refusal = mock.clock.advance(-1);
    await expect(refusal).rejects.toBeInstanceOf(MockControlError);
    await expect(refusal).rejects.toMatchObject({ status: 400, code: 'invalid_request' });
  });
});

describe('fixtures', () => {
  it('lists, adds, gets and removes items of a session, leaving other sessions alone', async () => {
    const session = mock.session('fixtures-a');
    const user = { email: 'added@example.com', password: 'Secret123', twoFactor: false };
    expect(await session.fixtures.add('b2copy', 'users', user)).toEqual(user);
    expect(await session.fixtures.get('b2copy', 'users', user.email)).toEqual(user);
    expect((await session.fixtures.list<{ email: string }>('b2copy', 'users')).map((u) => u.email)).toContain(
      user.email,
    );
    expect(await mock.fixtures.get('b2copy', 'users', user.email)).toBeUndefined();
    await session.fixtures.remove('b2copy', 'users', user.email);
    expect(await session.fixtures.get('b2copy', 'users', user.email)).toBeUndefined();
  });

  it('updates an item as a partner-side change: merged, checked like an addition, null removing a field', async () => {
    const session = mock.session('fixtures-update');
    const email = 'username@example.com';
    const updated = await session.fixtures.update('b2copy', 'users', email, { twoFactor: true });
    expect(updated).toEqual({ email, password: 'Secret123', twoFactor: true });
    const b2copy = createB2CopyClient({ baseUrl: `${mock.url}/b2copy`, fetch: session.fetch });
    expect(await b2copy.signIn(B2COPY_USER)).toEqual({ '2faRequired': true });
    // Still the default session's own user.
    expect(await mock.fixtures.get('b2copy', 'users', email)).toMatchObject({ twoFactor: false });
    await expect(session.fixtures.update('b2copy', 'users', email, { password: '' })).rejects.toMatchObject({
      status: 400,
      details: [expect.objectContaining({ location: '/body/password' })],
    });
    await expect(
      session.fixtures.update('b2copy', 'users', email, { email: 'other@example.com' }),
    ).rejects.toMatchObject({ status: 400, details: [{ location: '/body/email', message: 'cannot change' }] });
    await expect(session.fixtures.update('b2copy', 'users', email, { password: null })).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('/body/password is required'),
    });
    await expect(session.fixtures.update('b2copy', 'users', 'nobody@example.com', {})).rejects.toMatchObject({
      status: 404,
    });
    await expect(session.fixtures.update('keeta', 'authorizations', 'x', {})).rejects.toMatchObject({ status: 405 });
    expect(await session.fixtures.get('b2copy', 'users', email)).toEqual(updated);
  });

  it('throws, naming the problem, for an unknown collection or provider and an invalid item', async () => {
    await expect(mock.fixtures.get('b2copy', 'nothing', 'x')).rejects.toMatchObject({
      status: 404,
      message: expect.stringContaining('no collection "nothing"'),
    });
    await expect(mock.fixtures.list('acme', 'users')).rejects.toMatchObject({
      status: 404,
      message: expect.stringContaining('No provider "acme"'),
    });
    await expect(mock.fixtures.add('b2copy', 'users', { email: 'not-an-email' })).rejects.toMatchObject({
      status: 400,
      details: expect.arrayContaining([expect.objectContaining({ location: expect.stringMatching(/^\/body/) })]),
    });
    await expect(mock.fixtures.remove('b2copy', 'users', 'nobody@example.com')).rejects.toMatchObject({
      status: 404,
    });
  });
});

describe('a session handle', () => {
  it('sends its calls in its session: the journal, newest first, sees only them', async () => {
    const session = mock.session('journal-a');
    const b2copy = createB2CopyClient({ baseUrl: `${mock.url}/b2copy`, fetch: session.fetch });
    await b2copy.signIn(B2COPY_USER);
    await b2copy.signIn({ ...B2COPY_USER, password: 'wrong' }).catch(() => undefined);
    const journal = await session.journal({ provider: 'b2copy' });
    expect(journal.map((entry) => [entry.operationId, entry.status, entry.session])).toEqual([
      ['signIn', 401, 'journal-a'],
      ['signIn', 200, 'journal-a'],
    ]);
    expect((await mock.journal()).some((entry) => entry.session === 'journal-a')).toBe(false);
  });

  it('GET /__mock/journal?session= keeps to one session, as the header does (what a browser can send)', async () => {
    const session = mock.session('journal-query');
    await session.clock.now();
    await session.fetch(`${mock.url}/keeta/oauth/authorization/url?clientId=keeta-demo`);
    await mock.fetch(`${mock.url}/keeta/oauth/authorization/url?clientId=keeta-demo`);
    const viaQuery = (await (await fetch(`${mock.url}/__mock/journal?session=journal-query`)).json()) as JournalEntry[];
    expect(viaQuery.length).toBeGreaterThan(0);
    expect(viaQuery.every((entry) => entry.session === 'journal-query')).toBe(true);
    expect(viaQuery).toEqual(await session.journal());
    expect((await fetch(`${mock.url}/__mock/journal?session=bad%20id`)).status).toBe(400);
  });

  it('resets only its own session; resetAll resets every one', async () => {
    const a = mock.session('reset-a');
    const b = mock.session('reset-b');
    const user = { email: 'kept@example.com', password: 'Secret123', twoFactor: false };
    await a.fixtures.add('b2copy', 'users', user);
    await b.fixtures.add('b2copy', 'users', user);
    await a.reset();
    expect(await a.fixtures.get('b2copy', 'users', user.email)).toBeUndefined();
    expect(await b.fixtures.get('b2copy', 'users', user.email)).toEqual(user);
    await mock.resetAll();
    expect(await b.fixtures.get('b2copy', 'users', user.email)).toBeUndefined();
  });

  it("keeps the caller's headers and replaces only the session header", async () => {
    const session = mock.session('headers-a');
    const response = await session.fetch(`${mock.url}/__mock/clock`, {
      headers: { 'X-Mock-Session': 'someone-else', Accept: 'application/json' },
    });
    expect(((await response.json()) as { session: string }).session).toBe('headers-a');
  });
});

describe("the providers' helpers", () => {
  it('b2copy.jwks() verifies the tokens the session issues; b2copy.tokens() lists them', async () => {
    const session = mock.session('b2copy-a');
    const pair = await createB2CopyClient({ baseUrl: `${mock.url}/b2copy`, fetch: session.fetch }).signIn(B2COPY_USER);
    if (pair['2faRequired']) throw new Error('the default user has no 2FA');
    const { payload } = await jwtVerify(pair.accessToken.token, createLocalJWKSet(await session.b2copy.jwks()));
    const tokens = await session.b2copy.tokens();
    expect(tokens.map((token) => token.jti)).toContain(payload.jti);
    expect(tokens.every((token) => token.status === 'active')).toBe(true);
  });

  it('journals a refused switch as well as an accepted one', async () => {
    const session = mock.session('journal-refusal');
    await expect(session.just2trade.autoLogin('nobody')).rejects.toMatchObject({ status: 404 });
    await session.just2trade.autoLogin('login');
    const entries = (await session.journal()).filter((entry) => entry.control === 'auto-login');
    expect(entries.map((entry) => [entry.method, entry.status])).toEqual([
      ['POST', 200],
      ['POST', 404],
    ]);
  });

  it('just2trade.clientSecret() and autoLogin() make a whole flow without HTML', async () => {
    const session = mock.session('j2t-a');
    const just2trade = createJust2TradeClient({
      authBaseUrl: `${mock.url}/just2trade/auth`,
      apiBaseUrl: `${mock.url}/just2trade/api`,
      clientId: 'crm-demo',
      clientSecret: await session.just2trade.clientSecret('crm-demo'),
      redirectUri: 'http://localhost:3000/callback',
      fetch: session.fetch,
    });
    await session.just2trade.autoLogin('login');
    const { url, codeVerifier } = await just2trade.startAuthorization({ state: 's' });
    const back = await completeJust2TradeLogin(url, { login: 'ignored', password: 'ignored', fetch: session.fetch });
    const token = await just2trade.exchangeCode(just2trade.parseCallback(back, 's').code, { codeVerifier });
    expect((await just2trade.getProfile(token.access_token)).login).toBe('login');
    await expect(session.just2trade.clientSecret('no-such-client')).rejects.toMatchObject({ status: 404 });
  });
});

describe('connectMockServer', () => {
  it('gives the same controls for a mock found by URL', async () => {
    const remote = await connectMockServer(mock.url);
    const session = remote.session('remote-a');
    await session.clock.advance(3600);
    const ahead = Date.parse(await mock.session('remote-a').clock.now()) - Date.now();
    expect(ahead).toBeGreaterThan(3590_000);
    expect(ahead).toBeLessThan(3610_000);
    expect(await remote.just2trade.clientSecret('crm-demo')).toBe(await mock.just2trade.clientSecret('crm-demo'));
  });

  it('calls a server that answers /__mock/health with HTML not a mock', async () => {
    const other: Server = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<p>hi'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const { port } = other.address() as AddressInfo;
    try {
      await expect(connectMockServer(`http://127.0.0.1:${port}`)).rejects.toMatchObject({ code: 'not_a_mock' });
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('refuses a URL where no partnermock answers, saying so', async () => {
    const other: Server = createServer((_req, res) => res.writeHead(404).end('not here'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const { port } = other.address() as AddressInfo;
    try {
      await expect(connectMockServer(`http://127.0.0.1:${port}`)).rejects.toMatchObject({ code: 'not_a_mock' });
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
    await expect(connectMockServer(`http://127.0.0.1:${port}`)).rejects.toMatchObject({ code: 'unreachable' });
  });
});
