/** POST /api/v2/signin: Back Office credentials for real RS256 tokens, served JWKS, 2FA, refusals. */
import { beforeAll, describe, expect, it } from 'vitest';
import { createB2CopyPlugin } from '../../mocks/b2copy/index.ts';
import { mockApp, newSession } from '../helpers.ts';
import {
  DEFAULT_ISSUER,
  DOCS_TIMESTAMP,
  PATHS,
  USER,
  advanceClock,
  expectB2CopyError,
  headerOf,
  issuedTokens,
  secondsOf,
  verifyWithServedJwks,
  type Http,
} from './b2copy-helpers.ts';

let http: Http;
beforeAll(async () => {
  ({ http } = await mockApp({ providers: ['b2copy'] }));
});

describe('signIn with the default Back Office user', () => {
  it('returns an RS256 token pair that verifies with the served JWKS', async () => {
    const session = newSession();
    const response = await http.post(PATHS.signIn).set('X-Mock-Session', session).send(USER).expect(200);
    expect(response.body['2faRequired']).toBe(false);
    const { accessToken, refreshToken } = response.body;

    const access = await verifyWithServedJwks(http, accessToken.token);
    const refresh = await verifyWithServedJwks(http, refreshToken.token);
    const jwks = (await http.get(PATHS.jwks)).body;
    expect(access.protectedHeader).toEqual({ alg: 'RS256', typ: 'JWT', kid: jwks.keys[0].kid });
    expect(access.payload).toMatchObject({
      sub: USER.email,
      iss: DEFAULT_ISSUER,
      token_use: 'access',
      sub_type: 'back_office_user',
    });
    expect(refresh.payload).toMatchObject({
      sub: USER.email,
      iss: DEFAULT_ISSUER,
      token_use: 'refresh',
      family_id: access.payload.family_id,
    });
    expect(access.payload.jti).toEqual(expect.any(String));
    expect(access.payload.jti).not.toBe(refresh.payload.jti);
  });

  it('writes createdAt/expiresAt as the docs do (ISO 8601, +00:00), equal to iat/exp: 1 hour and 30 days by default', async () => {
    const { body } = await http.post(PATHS.signIn).set('X-Mock-Session', newSession()).send(USER).expect(200);
    for (const [name, lifetime] of [
      ['accessToken', 3600],
      ['refreshToken', 30 * 86400],
    ] as const) {
      const { token, createdAt, expiresAt } = body[name];
      expect(createdAt).toMatch(DOCS_TIMESTAMP);
      expect(expiresAt).toMatch(DOCS_TIMESTAMP);
      const { payload } = await verifyWithServedJwks(http, token);
      expect(secondsOf(createdAt)).toBe(payload.iat);
      expect(secondsOf(expiresAt)).toBe(payload.exp);
      expect(payload.exp! - payload.iat!).toBe(lifetime);
      expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(60);
    }
  });

  it('issues a unique jti every time', async () => {
    const session = newSession();
    const jtis = new Set<string>();
    for (let i = 0; i < 5; i += 1) {
      const { body } = await http.post(PATHS.signIn).set('X-Mock-Session', session).send(USER).expect(200);
      for (const name of ['accessToken', 'refreshToken'])
        jtis.add(String((await verifyWithServedJwks(http, body[name].token)).payload.jti));
    }
    expect(jtis.size).toBe(10);
  });

  it('takes iat from the session clock', async () => {
    const session = newSession();
    await advanceClock(http, session, 10 * 86400);
    const { body } = await http.post(PATHS.signIn).set('X-Mock-Session', session).send(USER).expect(200);
    const expected = Date.now() / 1000 + 10 * 86400;
    expect(Math.abs(secondsOf(body.accessToken.createdAt) - expected)).toBeLessThan(60);
  });

  it('serves only the public key in the JWKS, with a kid, alg RS256 and use sig', async () => {
    const { body } = await http.get(PATHS.jwks).expect(200);
    expect(body.keys).toHaveLength(1);
    expect(body.keys[0]).toMatchObject({
      kty: 'RSA',
      alg: 'RS256',
      use: 'sig',
      kid: expect.any(String),
      n: expect.any(String),
      e: 'AQAB',
    });
    for (const privatePart of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(body.keys[0]).not.toHaveProperty(privatePart);
  });
});

describe('signIn refusals', () => {
  it('answers a wrong password and an unknown email the same way: 401, no token issued', async () => {
    const session = newSession();
    const wrongPassword = await http
      .post(PATHS.signIn)
      .set('X-Mock-Session', session)
      .send({ ...USER, password: 'Secret1234' });
    const unknownEmail = await http
      .post(PATHS.signIn)
      .set('X-Mock-Session', session)
      .send({ ...USER, email: 'nobody@example.com' });
    expectB2CopyError(wrongPassword, 401, 'invalid_credentials', /email or password is incorrect/);
    expect(unknownEmail.body).toEqual(wrongPassword.body);
    expect(unknownEmail.text).not.toMatch(/eyJ/);
    expect(await issuedTokens(http, session)).toEqual([]);
  });

  it('compares the password exactly (case matters)', async () => {
    expectB2CopyError(
      await http
        .post(PATHS.signIn)
        .set('X-Mock-Session', newSession())
        .send({ ...USER, password: 'secret123' }),
      401,
      'invalid_credentials',
    );
  });

  it('gives a user with two-factor sign-in {"2faRequired": true} and no tokens', async () => {
    const session = newSession();
    await http
      .post('/__mock/b2copy/users')
      .set('X-Mock-Session', session)
      .send({ email: 'twofa@example.com', password: 'pw-2fa', twoFactor: true })
      .expect(201);
    const response = await http
      .post(PATHS.signIn)
      .set('X-Mock-Session', session)
      .send({ email: 'twofa@example.com', password: 'pw-2fa' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ '2faRequired': true });
    expect(await issuedTokens(http, session)).toEqual([]);
    // ... and a wrong password for that user is still a plain 401, never a hint that 2FA is on.
    expectB2CopyError(
      await http
        .post(PATHS.signIn)
        .set('X-Mock-Session', session)
        .send({ email: 'twofa@example.com', password: 'nope' }),
      401,
      'invalid_credentials',
    );
  });

  it('knows users added through the control API, only in their session', async () => {
    const session = newSession();
    await http
      .post('/__mock/b2copy/users')
      .set('X-Mock-Session', session)
      .send({ email: 'new@example.com', password: 'pw' })
      .expect(201);
    const { body } = await http
      .post(PATHS.signIn)
      .set('X-Mock-Session', session)
      .send({ email: 'new@example.com', password: 'pw' })
      .expect(200);
    expect((await verifyWithServedJwks(http, body.accessToken.token)).payload.sub).toBe('new@example.com');
    expectB2CopyError(
      await http
        .post(PATHS.signIn)
        .set('X-Mock-Session', newSession())
        .send({ email: 'new@example.com', password: 'pw' }),
      401,
      'invalid_credentials',
    );
  });

  it('refuses to write a token time past the year 9999 (a clock advanced by millennia) with a 400, issuing nothing', async () => {
    const session = newSession();
    await advanceClock(http, session, 8000 * 365 * 86400);
    expectB2CopyError(
      await http.post(PATHS.signIn).set('X-Mock-Session', session).send(USER),
      400,
      'clock_out_of_range',
      /year 9999/,
    );
    expect(await issuedTokens(http, session)).toEqual([]);
  });
});

describe('configurable lifetimes', () => {
  it('createB2CopyPlugin({ accessTokenTtlSeconds, refreshTokenTtlSeconds }) changes exp', async () => {
    const { http: custom } = await mockApp({
      providers: [],
      plugins: [createB2CopyPlugin({ accessTokenTtlSeconds: 120, refreshTokenTtlSeconds: 600 })],
    });
    const { body } = await custom.post(PATHS.signIn).send(USER).expect(200);
    expect(secondsOf(body.accessToken.expiresAt) - secondsOf(body.accessToken.createdAt)).toBe(120);
    expect(secondsOf(body.refreshToken.expiresAt) - secondsOf(body.refreshToken.createdAt)).toBe(600);
  });

  it.each([
    [{ accessTokenTtlSeconds: 0 }, /accessTokenTtlSeconds must be an integer >= 1/],
    [{ refreshTokenTtlSeconds: 1.5 }, /refreshTokenTtlSeconds/],
    [{ authUrlTtlSeconds: -1 }, /authUrlTtlSeconds/],
    [{ clockSkewSeconds: Number.NaN }, /clockSkewSeconds must be an integer >= 0/],
  ])('refuses %o at startup', (options, message) => {
    expect(() => createB2CopyPlugin(options)).toThrow(message);
  });

  it("a key per server: tokens of one server do not verify with another server's JWKS", async () => {
    const { http: other } = await mockApp({ providers: ['b2copy'] });
    const { body } = await http.post(PATHS.signIn).send(USER).expect(200);
    expect(headerOf(body.accessToken.token).kid).not.toBe((await other.get(PATHS.jwks)).body.keys[0].kid);
    await expect(verifyWithServedJwks(other, body.accessToken.token)).rejects.toThrow();
  });
});
