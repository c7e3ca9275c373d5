/**
 * POST .../refreshtoken: rotation (a refresh token works once), reuse detection that revokes the whole
 * family (RFC 9700 §4.14.2), expiry on the session clock, and refusal of anything that is not a live
 * refresh token of this session and server.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createB2CopyPlugin } from '../../mocks/b2copy/index.ts';
import { mockApp, newSession } from '../helpers.ts';
import {
  DOCS_TIMESTAMP,
  PATHS,
  USER,
  advanceClock,
  claimsOf,
  expectB2CopyError,
  externalClaims,
  issuedTokens,
  secondsOf,
  signExternal,
  verifyWithServedJwks,
  type Http,
} from './b2copy-helpers.ts';

let http: Http;
beforeAll(async () => {
  ({ http } = await mockApp({ providers: ['b2copy'] }));
});

async function signIn(session: string) {
  const { body } = await http.post(PATHS.signIn).set('X-Mock-Session', session).send(USER).expect(200);
  return body as { accessToken: { token: string }; refreshToken: { token: string; expiresAt: string } };
}

const refresh = (session: string, token: string) =>
  http.post(PATHS.refreshToken).set('X-Mock-Session', session).send({ refresh_token: token });

describe('refreshToken', () => {
  it('exchanges a refresh token for a new pair in the same family, same subject', async () => {
    const session = newSession();
    const first = await signIn(session);
    await advanceClock(http, session, 1800);
    const response = await refresh(session, first.refreshToken.token).expect(200);
    expect(response.body['2faRequired']).toBe(false);

    const before = claimsOf(first.refreshToken.token);
    const access = (await verifyWithServedJwks(http, response.body.accessToken.token)).payload;
    const renewed = (await verifyWithServedJwks(http, response.body.refreshToken.token)).payload;
    expect(access).toMatchObject({
      sub: USER.email,
      sub_type: 'back_office_user',
      token_use: 'access',
      family_id: before.family_id,
    });
    expect(renewed).toMatchObject({ sub: USER.email, token_use: 'refresh', family_id: before.family_id });
    expect(renewed.jti).not.toBe(before.jti);
    // Issued at the session clock's time (30 minutes on), with the docs' timestamp format.
    expect(renewed.iat! - before.iat!).toBeGreaterThanOrEqual(1800);
    expect(response.body.accessToken.createdAt).toMatch(DOCS_TIMESTAMP);
    expect(secondsOf(response.body.accessToken.createdAt)).toBe(access.iat);
    expect(secondsOf(response.body.accessToken.expiresAt)).toBe(access.exp);
  });

  it('keeps a service admin the subject through refreshes of an external-CRM sign-in', async () => {
    const session = newSession();
    const { body } = await http
      .post(PATHS.authExternalCrm)
      .set('X-Mock-Session', session)
      .send({ external_token: await signExternal(externalClaims()) })
      .expect(200);
    const renewed = await refresh(session, body.refreshToken.token).expect(200);
    expect(claimsOf(renewed.body.accessToken.token)).toMatchObject({ sub: '1', sub_type: 'service_admin' });
  });

  it('rotates: the used refresh token is dead at once; the new one works, a chain of refreshes works', async () => {
    const session = newSession();
    let token = (await signIn(session)).refreshToken.token;
    for (let i = 0; i < 3; i += 1) token = (await refresh(session, token).expect(200)).body.refreshToken.token;
    expect(
      (await issuedTokens(http, session)).filter((issued) => issued.use === 'refresh').map((issued) => issued.status),
    ).toEqual(['active', 'used', 'used', 'used']);
  });

  it('reuse of a rotated token is refused and revokes the whole family, including the newest pair', async () => {
    const session = newSession();
    const first = await signIn(session);
    const second = (await refresh(session, first.refreshToken.token).expect(200)).body;
    const other = await signIn(session); // another sign-in: another family, untouched

    const reuse = await refresh(session, first.refreshToken.token);
    expectB2CopyError(reuse, 401, 'refresh_token_reused', /already used at .*revoked every token of this sign-in/);
    expectB2CopyError(await refresh(session, second.refreshToken.token), 401, 'refresh_token_revoked', /revoked at/);
    // Presenting the original again keeps saying "reused".
    expectB2CopyError(await refresh(session, first.refreshToken.token), 401, 'refresh_token_reused');

    const family = claimsOf(first.refreshToken.token).family_id;
    const tokens = await issuedTokens(http, session);
    expect(tokens.filter((issued) => issued.familyId === family).map((issued) => issued.status)).toEqual([
      'revoked',
      'revoked',
      'revoked',
      'revoked',
    ]);
    expect(tokens.filter((issued) => issued.familyId !== family).map((issued) => issued.status)).toEqual([
      'active',
      'active',
    ]);
    await refresh(session, other.refreshToken.token).expect(200);
  });

  it('an expired refresh token is refused (30 days by default, on the session clock), and is not consumed by trying', async () => {
    const session = newSession();
    const { refreshToken } = await signIn(session);
    await advanceClock(http, session, 30 * 86400 - 60);
    const stillGood = await signIn(session); // a second one, to use after the first expires
    await advanceClock(http, session, 61);
    expectB2CopyError(
      await refresh(session, refreshToken.token),
      401,
      'refresh_token_expired',
      /has expired \(exp .* mock clock/,
    );
    await refresh(session, stillGood.refreshToken.token).expect(200);
  });

  it('honours refreshTokenTtlSeconds', async () => {
    const { http: short } = await mockApp({
      providers: [],
      plugins: [createB2CopyPlugin({ refreshTokenTtlSeconds: 60 })],
    });
    const session = newSession();
    const { body } = await short.post(PATHS.signIn).set('X-Mock-Session', session).send(USER).expect(200);
    await short.post('/__mock/clock').set('X-Mock-Session', session).send({ advanceSeconds: 60 }).expect(200);
    expectB2CopyError(
      await short
        .post(PATHS.refreshToken)
        .set('X-Mock-Session', session)
        .send({ refresh_token: body.refreshToken.token }),
      401,
      'refresh_token_expired',
    );
  });

  it('refuses an access token, without consuming anything', async () => {
    const session = newSession();
    const pair = await signIn(session);
    expectB2CopyError(
      await refresh(session, pair.accessToken.token),
      401,
      'invalid_refresh_token',
      /is an access token/,
    );
    await refresh(session, pair.refreshToken.token).expect(200);
  });

  // Faults combined in one request, and the error that wins: what the token is comes before whether
  // it is still valid, and both before whether this session knows it.
  it.each([
    { token: 'access', expired: false, otherSession: false, want: ['invalid_refresh_token', /is an access token/] },
    { token: 'access', expired: true, otherSession: false, want: ['invalid_refresh_token', /is an access token/] },
    { token: 'access', expired: true, otherSession: true, want: ['invalid_refresh_token', /is an access token/] },
    { token: 'access', expired: false, otherSession: true, want: ['invalid_refresh_token', /is an access token/] },
    { token: 'refresh', expired: true, otherSession: false, want: ['refresh_token_expired', /has expired/] },
    { token: 'refresh', expired: true, otherSession: true, want: ['refresh_token_expired', /has expired/] },
    {
      token: 'refresh',
      expired: false,
      otherSession: true,
      want: ['invalid_refresh_token', /not known in this session/],
    },
  ] as const)(
    'a $token token, expired: $expired, from another session: $otherSession → $want.0',
    async ({ token, expired, otherSession, want }) => {
      const session = newSession();
      const pair = await signIn(session);
      const asking = otherSession ? newSession() : session;
      // Past the refresh token's life (and so the access token's); the asking session's clock is what counts.
      if (expired) await advanceClock(http, asking, 31 * 24 * 3600);
      const sent = token === 'access' ? pair.accessToken.token : pair.refreshToken.token;
      expectB2CopyError(await refresh(asking, sent), 401, want[0], want[1]);
    },
  );

  it('refuses a refresh token of another session, and of a session that was reset', async () => {
    const session = newSession();
    const pair = await signIn(session);
    expectB2CopyError(
      await refresh(newSession(), pair.refreshToken.token),
      401,
      'invalid_refresh_token',
      /not known in this session/,
    );
    await http.post('/__mock/reset').set('X-Mock-Session', session).expect(200);
    expectB2CopyError(
      await refresh(session, pair.refreshToken.token),
      401,
      'invalid_refresh_token',
      /not known in this session/,
    );
  });

  it('refuses a refresh token of another server instance (another signing key)', async () => {
    const { http: other } = await mockApp({ providers: ['b2copy'] });
    const session = newSession();
    const { body } = await other.post(PATHS.signIn).set('X-Mock-Session', session).send(USER).expect(200);
    expectB2CopyError(
      await refresh(session, body.refreshToken.token),
      401,
      'invalid_refresh_token',
      /signature is invalid: it was not issued by this mock server/,
    );
  });

  it('refuses an altered refresh token and a foreign JWT', async () => {
    const session = newSession();
    const { refreshToken } = await signIn(session);
    const [header, payload, signature] = refreshToken.token.split('.');
    const altered = `${header}.${Buffer.from(JSON.stringify({ ...claimsOf(refreshToken.token), sub: 'admin@example.com' })).toString('base64url')}.${signature}`;
    expectB2CopyError(await refresh(session, altered), 401, 'invalid_refresh_token', /signature is invalid/);
    expectB2CopyError(await refresh(session, await signExternal(externalClaims())), 401, 'invalid_refresh_token');
    expectB2CopyError(await refresh(session, `${header}.${payload}.AAAA`), 401, 'invalid_refresh_token');
    await refresh(session, refreshToken.token).expect(200); // none of that consumed the real one
  });

  it('of simultaneous refreshes with one token exactly one succeeds (in-process)', async () => {
    const session = newSession();
    const { refreshToken } = await signIn(session);
    const responses = await Promise.all(Array.from({ length: 10 }, () => refresh(session, refreshToken.token)));
    expect(responses.filter((response) => response.status === 200)).toHaveLength(1);
    for (const response of responses.filter((r) => r.status !== 200))
      expectB2CopyError(response, 401, 'refresh_token_reused');
  });
});
