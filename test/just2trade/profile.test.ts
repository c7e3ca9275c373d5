/**
 * GET /auth on the API host: a live Bearer token gets the documented profile and renews the token
 * for another 24 h (sliding expiry on the session's mock clock); anything else is an RFC 6750 401.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createJust2TradePlugin } from '../../mocks/just2trade/index.ts';
import { PROFILE, just2tradeApp, type Flow } from './flow.ts';

let app: Awaited<ReturnType<typeof just2tradeApp>>;
let flow: Flow;
beforeAll(async () => {
  app = await just2tradeApp();
});
beforeEach(() => {
  flow = app.flow();
});

const HOUR = 3600;

function expectInvalidToken(response: Awaited<ReturnType<Flow['profile']>>, description: RegExp) {
  expect(response.status).toBe(401);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect(response.body).toEqual({ error: 'invalid_token', error_description: expect.stringMatching(description) });
  expect(response.headers['www-authenticate']).toMatch(
    /^Bearer realm="just2trade", error="invalid_token", error_description="[^"]+"$/,
  );
}

describe('a live token', () => {
  it('gets exactly the documented profile', async () => {
    const response = await flow.profile(await flow.token());
    expect(response.status).toBe(200);
    expect(response.body).toStrictEqual({
      id: '8f1e7eba-0000-0000-0000-2b67c9af83a5',
      login: 'login',
      email: 'login@email.com',
      domestic: true,
      accounts: [
        { account_number: '12345678@vision', trade_platform: 'ETNA' },
        { account_number: '11111111@cor', trade_platform: 'ETNA' },
      ],
      application: { status: 'process' },
    });
  });

  it.each(['Bearer', 'bearer', 'BEARER', 'bEaReR'])('the scheme is case-insensitive: %s', async (scheme) => {
    expect((await flow.profile(await flow.token(), scheme)).status).toBe(200);
  });

  it("of a user added through the control API without an id gets that user's profile with a stable id", async () => {
    await flow.add('users', {
      login: 'ann',
      password: 'pw',
      email: 'ann@example.com',
      accounts: [{ account_number: '99@vision', trade_platform: 'ETNA' }],
    });
    const response = await flow.submitLogin(await flow.openLogin(), 'ann', 'pw');
    const code = new URL(response.headers.location!).searchParams.get('code')!;
    const token = (await flow.redeem(code)).body.access_token as string;
    const first = await flow.profile(token);
    expect(first.status, first.text).toBe(200);
    expect(first.body).toMatchObject({
      login: 'ann',
      email: 'ann@example.com',
      domestic: true,
      accounts: [{ account_number: '99@vision', trade_platform: 'ETNA' }],
      application: { status: 'process' },
    });
    expect(first.body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect((await flow.profile(token)).body.id).toBe(first.body.id);
  });
});

describe('sliding expiry: each use renews the 24 h lifetime (documented)', () => {
  it('used at +23 h and again at +46 h it lives; left idle for 25 h it dies', async () => {
    const token = await flow.token();
    await flow.advance(23 * HOUR);
    expect((await flow.profile(token)).status).toBe(200);
    await flow.advance(23 * HOUR); // +46 h since issue: dead without the renewal at +23 h
    expect((await flow.profile(token)).status).toBe(200);
    await flow.advance(25 * HOUR);
    expectInvalidToken(await flow.profile(token), /expired/);
  });

  it('lives to the last second of 24 h, dies once 24 h pass without use; a refused request does not revive it', async () => {
    const token = await flow.token();
    await flow.advance(24 * HOUR - 1);
    expect((await flow.profile(token)).status).toBe(200);
    await flow.advance(24 * HOUR);
    expectInvalidToken(await flow.profile(token), /expired/);
    expectInvalidToken(await flow.profile(token), /expired/);
  });

  it('the lifetime follows accessTokenTtlSeconds', async () => {
    const short = (await just2tradeApp(createJust2TradePlugin({ accessTokenTtlSeconds: 60 }))).flow();
    const token = await short.token();
    await short.advance(50);
    expect((await short.profile(token)).status).toBe(200);
    await short.advance(50);
    expect((await short.profile(token)).status).toBe(200);
    await short.advance(61);
    expect((await short.profile(token)).status).toBe(401);
  });
});

describe('no live token: 401 with WWW-Authenticate: Bearer (RFC 6750 §3)', () => {
  it('an unknown token', async () => {
    expectInvalidToken(
      await flow.profile(
        'MjAwOTg1OWUtZTUwMy00YzY4LWEyZWQtODU0N2NkZTJiNDdlfDIwMTcxMDA3MTkyNDQzfHRlc3R8U2VyZ2V5fE1pbmtvdg==',
      ),
      /invalid/,
    );
  });

  it('a token of another session', async () => {
    const token = await flow.token();
    expectInvalidToken(await app.flow().profile(token), /invalid/);
  });

  it('a token whose user was deleted', async () => {
    const token = await flow.token();
    await flow.http.delete('/__mock/just2trade/users/login').set('X-Mock-Session', flow.session).expect(204);
    expectInvalidToken(await flow.profile(token), /no longer exists/);
  });

  it('a malformed bearer value', async () => {
    const token = await flow.token();
    expectInvalidToken(await flow.profile(`${token} extra`), /invalid/);
  });

  it('no Authorization header: no error attribute in the challenge, RFC 6749 body', async () => {
    const response = await flow.http.get(PROFILE).set('X-Mock-Session', flow.session);
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="just2trade"');
    expect(response.body).toEqual({ error: 'invalid_token', error_description: expect.any(String) });
  });

  it('Basic instead of Bearer', async () => {
    const response = await flow.http
      .get(PROFILE)
      .set('X-Mock-Session', flow.session)
      .set('Authorization', 'Basic Zm9vOmJhcg==');
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="just2trade"');
  });

  it('the token in the query as well as the header: 400 invalid_request', async () => {
    const token = await flow.token();
    const response = await flow.http
      .get(`${PROFILE}?access_token=${token}`)
      .set('X-Mock-Session', flow.session)
      .set('Authorization', `Bearer ${token}`);
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_request');
    expect(response.headers['www-authenticate']).toMatch(/error="invalid_request"/);
  });
});

describe('HEAD', () => {
  it('does not renew the token (answered from the spec)', async () => {
    const token = await flow.token();
    await flow.advance(23 * HOUR);
    await flow.http.head(PROFILE).set('X-Mock-Session', flow.session).set('Authorization', `Bearer ${token}`);
    await flow.advance(2 * HOUR);
    expect((await flow.profile(token)).status).toBe(401);
  });
});
