/**
 * B2COPY's partner-side events (issue 16, item 3) over a real socket: the signing key rotated and the old
 * one retired, tokens revoked by token and by user, an integration key disabled (its sign-in and refresh
 * refused) and Side Auth's secret key emptied by fixture updates. A CRM's own code runs against them: the
 * typed client with the session's fetch, and a verifier using jose's remote JWKS. Every event stays in its
 * session and is journaled.
 */
import { createRemoteJWKSet, customFetch, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createB2CopyClient, ProviderError, type B2CopyTokenPair } from '../../src/client/index.ts';
import { startMockServer, type RunningMockServer } from '../../src/index.ts';
import { DEV_KEY_ID, devPrivateKeyPem } from '../../mocks/b2copy/index.ts';
import { newSession } from '../helpers.ts';
import { AUTH_URL_REQUEST, USER } from './b2copy-helpers.ts';

let mock: RunningMockServer;
beforeAll(async () => {
  mock = await startMockServer({ port: 0, providers: ['b2copy'], log: () => {} });
});
afterAll(async () => {
  await mock?.close();
});

type Session = ReturnType<RunningMockServer['session']>;

/** A session of its own, and the CRM's B2COPY client calling the mock in it. */
function crmIn(id = newSession()) {
  const session = mock.session(id);
  const b2copy = createB2CopyClient({ baseUrl: `${mock.url}/b2copy`, fetch: session.fetch });
  const signIn = async (credentials = USER) => (await b2copy.signIn(credentials)) as B2CopyTokenPair;
  const signInAsAdmin = (adminId: string | number = 1) =>
    b2copy.signInExternalCrm({ adminId, deviceIp: '127.0.0.1', keyId: DEV_KEY_ID, privateKeyPem: devPrivateKeyPem() });
  return { session, b2copy, signIn, signInAsAdmin };
}

/** The call's ProviderError (it must fail). */
async function providerError(pending: Promise<unknown>): Promise<ProviderError<{ errors: { message: string }[] }>> {
  const error = await pending.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError<{ errors: { message: string }[] }>;
}

/** A raw control call in a session, for bodies the typed triggers cannot send. */
async function control(session: Session, path: string, body?: unknown) {
  const response = await session.fetch(`${mock.url}/__mock/b2copy${path}`, {
    method: 'POST',
    ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return {
    status: response.status,
    body: (await response.json()) as { error?: { code: string; message: string; details?: unknown[] } },
  };
}

const kidOf = (token: string) => decodeProtectedHeader(token).kid;
const jwksKids = async (session: Session) => (await session.b2copy.jwks()).keys.map((key) => key.kid);

/** A CRM's verifier: jose's remote JWKS on the session's JWKS URL (the session header sent by its fetch). */
function remoteVerifier(session: Session) {
  // A new kid is fetched at once (no cool-down), as a verifier that trusts rotation does.
  const jwks = createRemoteJWKSet(new URL(`${mock.url}/__mock/b2copy/jwks.json`), {
    [customFetch]: session.fetch,
    cooldownDuration: 0,
    timeoutDuration: 5000,
  });
  const verify = (token: string) =>
    jwtVerify(token, jwks, { algorithms: ['RS256'], issuer: `${mock.url}/b2copy` }).then(({ payload }) => payload);
  return { jwks, verify };
}

describe('signing keys: rotate, then retire', () => {
  it('remote JWKS: the new kid, the old until retired; then the old is gone and its refresh refused', async () => {
    const { session, b2copy, signIn } = crmIn();
    const { jwks, verify } = remoteVerifier(session);
    const before = await signIn();
    const kept = await signIn(); // an old-key pair left unused until after the retirement
    const oldKid = kidOf(before.accessToken.token)!;
    expect(await jwksKids(session)).toEqual([oldKid]);
    await verify(before.accessToken.token);

    const rotated = await session.events.b2copy.rotateSigningKey();
    expect(rotated.current).not.toBe(oldKid);
    expect(rotated.published).toEqual([oldKid, rotated.current]);
    expect(await jwksKids(session)).toEqual([oldKid, rotated.current]);

    const after = await signIn();
    expect(kidOf(after.accessToken.token)).toBe(rotated.current);
    expect(kidOf(after.refreshToken.token)).toBe(rotated.current);
    expect(await verify(after.accessToken.token)).toMatchObject({ sub: USER.email, token_use: 'access' });
    expect(await verify(before.accessToken.token)).toMatchObject({ sub: USER.email });
    // An old-key refresh token still refreshes, into a new-key pair.
    const refreshed = await b2copy.refresh(before.refreshToken.token);
    expect(kidOf(refreshed.accessToken.token)).toBe(rotated.current);

    const retired = await session.events.b2copy.retireSigningKeys();
    expect(retired).toEqual({ current: rotated.current, published: [rotated.current], retired: [oldKid] });
    expect(await jwksKids(session)).toEqual([rotated.current]);

    await jwks.reload(); // a verifier's cache holds keys; what it fetches now has no old kid
    await expect(verify(kept.accessToken.token)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    await verify(after.accessToken.token);
    const refused = await providerError(b2copy.refresh(kept.refreshToken.token));
    expect(refused).toMatchObject({ status: 401, code: 'invalid_refresh_token' });
    expect(refused.body.errors[0]!.message).toMatch(new RegExp(`signed with key ${oldKid}, which B2COPY retired at`));
    // New-key tokens live on, whether signed in or refreshed after the rotation.
    expect(kidOf((await b2copy.refresh(after.refreshToken.token)).accessToken.token)).toBe(rotated.current);
    await b2copy.refresh(refreshed.refreshToken.token);
    // Nothing left to retire: no error, nothing retired.
    expect(await session.events.b2copy.retireSigningKeys()).toEqual({ ...retired, retired: [] });
  });

  it('retiring without a rotation retires nothing; a reset returns the session to the server key', async () => {
    const { session, signIn } = crmIn();
    const [serverKid] = await jwksKids(session);
    expect(await session.events.b2copy.retireSigningKeys()).toEqual({
      current: serverKid,
      published: [serverKid],
      retired: [],
    });
    const pair = await signIn();
    expect(kidOf(pair.accessToken.token)).toBe(serverKid);

    await session.events.b2copy.rotateSigningKey();
    await session.events.b2copy.retireSigningKeys();
    expect(await jwksKids(session)).not.toContain(serverKid);
    await session.reset();
    expect(await jwksKids(session)).toEqual([serverKid]);
    expect(kidOf((await signIn()).accessToken.token)).toBe(serverKid);
  });

  it(
    'publishes at most 10 keys: one more rotation is 409 until the old ones are retired',
    { timeout: 30_000 },
    async () => {
      const { session } = crmIn();
      for (let published = 2; published <= 10; published++)
        expect((await session.events.b2copy.rotateSigningKey()).published).toHaveLength(published);
      await expect(session.events.b2copy.rotateSigningKey()).rejects.toMatchObject({
        status: 409,
        code: 'conflict',
        message: expect.stringMatching(/already publishes 10 signing keys: retire the old ones first/),
      });
      expect((await session.events.b2copy.retireSigningKeys()).retired).toHaveLength(9);
      expect((await session.events.b2copy.rotateSigningKey()).published).toHaveLength(2);
    },
  );

  it('refuses a body: 400 naming the member', async () => {
    const { session } = crmIn();
    for (const path of ['/signing-keys/rotate', '/signing-keys/retire']) {
      const refused = await control(session, path, { kid: 'mine' });
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({
        code: 'invalid_request',
        details: [{ location: '/body', message: "must not have property 'kid'" }],
      });
      expect(refused.body.error!.message).toMatch(/Not a valid body: \/body must not have property 'kid'/);
      expect((await control(session, path, [])).body.error).toMatchObject({
        details: [{ location: '/body', message: 'must be object' }],
      });
      expect((await control(session, path, {})).status).toBe(200);
    }
    // None of that rotated anything beyond the two accepted calls: one rotation, then its retirement.
    expect(await jwksKids(session)).toHaveLength(1);
  });
});

describe('tokens/revoke', () => {
  it('{ token }: the whole sign-in of an access or a refresh token, and nothing else', async () => {
    const { session, b2copy, signIn } = crmIn();
    const first = await signIn();
    const refreshed = await b2copy.refresh(first.refreshToken.token);
    const other = await signIn();

    // The first sign-in's live tokens: its first access token, and the refreshed pair.
    expect(await session.events.b2copy.revokeTokens({ token: first.accessToken.token })).toEqual({
      families: 1,
      tokens: 3,
    });
    const refused = await providerError(b2copy.refresh(refreshed.refreshToken.token));
    expect(refused).toMatchObject({ status: 401, code: 'refresh_token_revoked' });
    expect(refused.body.errors[0]!.message).toMatch(/revoked at .* by B2COPY \(a partner-side revocation/);
    const listed = await session.b2copy.tokens();
    const firstFamily = listed.filter((token) => token.familyId === listed.at(-1)!.familyId);
    expect(firstFamily.map((token) => [token.status, token.revokedBy])).toEqual(
      Array.from({ length: 4 }, () => ['revoked', 'partner']),
    );
    // Revoking it again revokes nothing more.
    expect(await session.events.b2copy.revokeTokens({ token: refreshed.refreshToken.token })).toEqual({
      families: 0,
      tokens: 0,
    });

    // The other sign-in is untouched until its refresh token is revoked.
    const next = await b2copy.refresh(other.refreshToken.token);
    expect(await session.events.b2copy.revokeTokens({ token: next.refreshToken.token })).toEqual({
      families: 1,
      tokens: 3,
    });
    expect(await providerError(b2copy.refresh(next.refreshToken.token))).toMatchObject({
      code: 'refresh_token_revoked',
    });
  });

  it('{ user }: every sign-in of a Back Office user (email) or a service admin (id), and only theirs', async () => {
    const { session, b2copy, signIn, signInAsAdmin } = crmIn();
    const qa = { email: 'qa@crm.example', password: 'Qa-Secret-1' };
    await session.fixtures.add('b2copy', 'users', qa);
    await session.fixtures.add('b2copy', 'admins', { id: 'crm-service' });
    const user = [await signIn(), await signIn()];
    const otherUser = await signIn(qa);
    const admin = [await signInAsAdmin(1), await signInAsAdmin('1')];
    const otherAdmin = await signInAsAdmin('crm-service');

    expect(await session.events.b2copy.revokeTokens({ user: USER.email })).toEqual({ families: 2, tokens: 4 });
    for (const pair of user)
      expect(await providerError(b2copy.refresh(pair.refreshToken.token))).toMatchObject({
        status: 401,
        code: 'refresh_token_revoked',
      });
    // An admin id as a number or a string is the same admin, as in the external token's admin_id claim.
    expect(await session.events.b2copy.revokeTokens({ user: 1 })).toEqual({ families: 2, tokens: 4 });
    for (const pair of admin)
      expect(await providerError(b2copy.refresh(pair.refreshToken.token))).toMatchObject({
        code: 'refresh_token_revoked',
      });
    await b2copy.refresh(otherUser.refreshToken.token);
    await b2copy.refresh(otherAdmin.refreshToken.token);
    // A new sign-in after the revocation works.
    await b2copy.refresh((await signIn()).refreshToken.token);
  });

  it('a known user without tokens is 0; an unknown user or token is 404 naming it', async () => {
    const { session, signIn } = crmIn();
    expect(await session.events.b2copy.revokeTokens({ user: USER.email })).toEqual({ families: 0, tokens: 0 });
    expect(await session.events.b2copy.revokeTokens({ user: '1' })).toEqual({ families: 0, tokens: 0 });
    await expect(session.events.b2copy.revokeTokens({ user: 'nobody@example.com' })).rejects.toMatchObject({
      status: 404,
      code: 'not_found',
      message: expect.stringMatching(/user nobody@example\.com is neither a Back Office user/),
      details: [{ location: '/body/user' }],
    });
    // Another session's token is not this session's.
    const elsewhere = await crmIn().signIn();
    await expect(session.events.b2copy.revokeTokens({ token: elsewhere.accessToken.token })).rejects.toMatchObject({
      status: 404,
      message: expect.stringMatching(
        /^POST \/__mock\/b2copy\/tokens\/revoke: token \(jti [0-9a-f-]+\) is not a token of this session/,
      ),
      details: [{ location: '/body/token' }],
    });
    // A user who signed in and was then removed from the fixtures still has tokens to revoke.
    await signIn();
    await session.fixtures.remove('b2copy', 'users', USER.email);
    expect(await session.events.b2copy.revokeTokens({ user: USER.email })).toEqual({ families: 1, tokens: 2 });
  });

  it("a bad body is 400 naming each problem (the route's schema, checked by the core)", async () => {
    const { session, signIn } = crmIn();
    const token = (await signIn()).accessToken.token;
    const neither = [
      { location: '/body/token', message: 'is required' },
      { location: '/body/user', message: 'is required' },
      { location: '/body', message: 'must match exactly one schema in oneOf' },
    ];
    const notObject = [
      { location: '/body', message: 'must match exactly one schema in oneOf' },
      { location: '/body', message: 'must be object' },
    ];
    const cases: [unknown, { location: string; message: string | RegExp }[]][] = [
      [undefined, neither],
      [{}, neither],
      ['token', notObject],
      [{ token: 5 }, [{ location: '/body/token', message: 'must be string' }]],
      [{ token: '' }, [{ location: '/body/token', message: /^must match pattern/ }]],
      [{ token: 'not-a-jwt' }, [{ location: '/body/token', message: /^must match pattern/ }]],
      [{ token, user: USER.email }, [{ location: '/body', message: 'must match exactly one schema in oneOf' }]],
      [{ user: '' }, [{ location: '/body/user', message: 'must NOT have fewer than 1 characters' }]],
      [{ user: 1.5 }, [{ location: '/body/user', message: 'must be string,integer' }]],
      [{ user: { email: USER.email } }, [{ location: '/body/user', message: 'must be string,integer' }]],
      // An unknown member is refused, named, even beside a good one: it is never silently left out.
      [{ token, reason: 'fraud' }, [{ location: '/body', message: "must not have property 'reason'" }]],
      [{ user: USER.email, User: 'x' }, [{ location: '/body', message: "must not have property 'User'" }]],
      [{ email: USER.email }, [...neither, { location: '/body', message: "must not have property 'email'" }]],
    ];
    for (const [body, details] of cases) {
      const refused = await control(session, '/tokens/revoke', body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.body.error, JSON.stringify(body)).toMatchObject({
        code: 'invalid_request',
        message: expect.stringMatching(/^Not a valid body: \/body/),
        details: details.map(({ location, message }) => ({
          location,
          message: typeof message === 'string' ? message : expect.stringMatching(message),
        })),
      });
    }
    // A JWT-shaped token that is no token of this mock names nothing to revoke: 404, as another session's.
    const part = (json: string) => Buffer.from(json).toString('base64url');
    const forged = `${part('{"alg":"none"}')}.${part('{}')}.x`;
    for (const unknown of ['a.b.c', forged]) {
      const refused = await control(session, '/tokens/revoke', { token: unknown });
      expect(refused.status, unknown).toBe(404);
      expect(refused.body.error).toMatchObject({ code: 'not_found', details: [{ location: '/body/token' }] });
    }
    // None of that revoked anything.
    expect((await session.b2copy.tokens()).map((issued) => issued.status)).toEqual(['active', 'active']);
  });
});

describe('fixture updates as partner-side changes', () => {
  it('a disabled integration key is refused (403 integration_disabled); enabled again, it signs in', async () => {
    const { session, signInAsAdmin } = crmIn();
    expect(await session.fixtures.update('b2copy', 'integrations', DEV_KEY_ID, { disabled: true })).toMatchObject({
      keyId: DEV_KEY_ID,
      disabled: true,
    });
    const refused = await providerError(signInAsAdmin());
    expect(refused).toMatchObject({ status: 403, code: 'integration_disabled' });
    expect(refused.body.errors[0]).toMatchObject({
      message: expect.stringMatching(/^key_id dev-key is disabled/),
      field: '/external_token',
    });
    // Only in this session.
    await crmIn().signInAsAdmin();

    await session.fixtures.update('b2copy', 'integrations', DEV_KEY_ID, { disabled: false });
    await signInAsAdmin();
    // Removing the flag (null, JSON merge patch) is enabled too; anything but a boolean is refused.
    await session.fixtures.update('b2copy', 'integrations', DEV_KEY_ID, { disabled: null });
    await signInAsAdmin();
    await expect(
      session.fixtures.update('b2copy', 'integrations', DEV_KEY_ID, { disabled: 'yes' }),
    ).rejects.toMatchObject({ status: 400, details: [expect.objectContaining({ location: '/body/disabled' })] });
  });

  it("a disabled or removed integration key refuses its sign-ins' refresh (401), the token unspent", async () => {
    const { session, b2copy, signIn, signInAsAdmin } = crmIn();
    const admin = await signInAsAdmin();
    const user = await signIn();
    const adminRefresh = (await session.b2copy.tokens()).find((token) => token.sub === '1' && token.use === 'refresh');
    expect(adminRefresh).toMatchObject({ keyId: DEV_KEY_ID, status: 'active' });

    await session.fixtures.update('b2copy', 'integrations', DEV_KEY_ID, { disabled: true });
    const refused = await providerError(b2copy.refresh(admin.refreshToken.token));
    expect(refused).toMatchObject({ status: 401, code: 'integration_disabled' });
    expect(refused.body.errors[0]).toMatchObject({
      message: expect.stringMatching(/^key_id dev-key is disabled: B2COPY refreshes no token of an external CRM/),
      field: '/refresh_token',
    });
    // Refused, not spent: the token is still active. A Back Office user's sign-in names no key and refreshes.
    expect((await session.b2copy.tokens()).find((token) => token.jti === adminRefresh!.jti)).toMatchObject({
      status: 'active',
    });
    const userNext = await b2copy.refresh(user.refreshToken.token);
    // Only in this session.
    const elsewhere = crmIn();
    await elsewhere.b2copy.refresh((await elsewhere.signInAsAdmin()).refreshToken.token);

    // Enabled again, the same refresh token refreshes (and the new pair stays in the key's sign-in).
    await session.fixtures.update('b2copy', 'integrations', DEV_KEY_ID, { disabled: false });
    const next = await b2copy.refresh(admin.refreshToken.token);

    // Removed: refused too, naming the key; registered again, refreshed.
    const integration = await session.fixtures.get('b2copy', 'integrations', DEV_KEY_ID);
    await session.fixtures.remove('b2copy', 'integrations', DEV_KEY_ID);
    const removed = await providerError(b2copy.refresh(next.refreshToken.token));
    expect(removed).toMatchObject({ status: 401, code: 'unknown_key_id' });
    expect(removed.body.errors[0]!.message).toMatch(/key_id dev-key, which B2COPY no longer has/);
    await b2copy.refresh(userNext.refreshToken.token);
    await session.fixtures.add('b2copy', 'integrations', integration!);
    await b2copy.refresh(next.refreshToken.token);
  });

  it('an emptied Side Auth secret key fails every getAuthUrl (403 secret_key_not_set) until set again', async () => {
    const { session, b2copy } = crmIn();
    const input = {
      accountId: AUTH_URL_REQUEST.account_id,
      secretKey: AUTH_URL_REQUEST.secret_key,
      investmentPlatformId: AUTH_URL_REQUEST.investment_platform_id,
    };
    await b2copy.getAuthUrl(input);
    await session.fixtures.update('b2copy', 'settings', 'sideAuth', { secretKey: '' });
    for (const secretKey of [input.secretKey, 'anything-else'])
      expect(await providerError(b2copy.getAuthUrl({ ...input, secretKey }))).toMatchObject({
        status: 403,
        code: 'secret_key_not_set',
      });
    await crmIn().b2copy.getAuthUrl(input); // another session keeps its key
    await session.fixtures.update('b2copy', 'settings', 'sideAuth', { secretKey: 'New-Key-1' });
    expect(await providerError(b2copy.getAuthUrl(input))).toMatchObject({ status: 401, code: 'invalid_secret_key' });
    expect((await b2copy.getAuthUrl({ ...input, secretKey: 'New-Key-1' })).url).toMatch(
      /\/b2copy\/webui\/[0-9a-f]{32}$/,
    );
  });

  it('two-factor turned on for a user: their sign-in answers 2faRequired and no tokens', async () => {
    const { session, b2copy } = crmIn();
    await session.fixtures.update('b2copy', 'users', USER.email, { twoFactor: true });
    expect(await b2copy.signIn(USER)).toEqual({ '2faRequired': true });
  });
});

describe('sessions and the journal', () => {
  it("parallel sessions never see each other's rotations or revocations", async () => {
    const a = crmIn();
    const b = crmIn();
    const [pairA, pairB] = await Promise.all([a.signIn(), b.signIn()]);
    const serverKid = kidOf(pairA.accessToken.token);
    const [rotatedA, rotatedB] = await Promise.all([
      a.session.events.b2copy.rotateSigningKey(),
      b.session.events.b2copy.rotateSigningKey(),
    ]);
    expect(rotatedA.current).not.toBe(rotatedB.current);
    expect(await jwksKids(a.session)).toEqual([serverKid, rotatedA.current]);
    expect(await jwksKids(b.session)).toEqual([serverKid, rotatedB.current]);
    // A token signed with A's new key verifies with A's JWKS only.
    const newA = await a.signIn();
    await remoteVerifier(a.session).verify(newA.accessToken.token);
    await expect(remoteVerifier(b.session).verify(newA.accessToken.token)).rejects.toBeInstanceOf(
      errors.JWKSNoMatchingKey,
    );

    await a.session.events.b2copy.retireSigningKeys();
    expect(await jwksKids(b.session)).toEqual([serverKid, rotatedB.current]);
    expect(await a.session.events.b2copy.revokeTokens({ user: USER.email })).toEqual({ families: 2, tokens: 4 });
    // B's old-key token: neither retired nor revoked there.
    await b.b2copy.refresh(pairB.refreshToken.token);
    expect(await providerError(a.b2copy.refresh(pairA.refreshToken.token))).toMatchObject({ status: 401 });
    // The unscoped handle's default session has seen none of it.
    expect(await jwksKids(mock.session('default'))).toEqual([serverKid]);
  });

  it('each event is journaled in its session with its control', async () => {
    const { session, signIn } = crmIn();
    const other = crmIn().session;
    const pair = await signIn();
    await session.events.b2copy.rotateSigningKey();
    await session.events.b2copy.retireSigningKeys();
    await session.events.b2copy.revokeTokens({ token: pair.refreshToken.token });
    await session.events.b2copy.revokeTokens({ user: USER.email });

    const journaled = (await session.journal({ provider: 'b2copy' })).filter((entry) => entry.control);
    expect(
      journaled.map(({ control, method, path, status, session: id }) => ({ control, method, path, status, id })),
    ).toEqual(
      [
        ['signing-keys/rotate', '/__mock/b2copy/signing-keys/rotate'],
        ['signing-keys/retire', '/__mock/b2copy/signing-keys/retire'],
        ['tokens/revoke', '/__mock/b2copy/tokens/revoke'],
        ['tokens/revoke', '/__mock/b2copy/tokens/revoke'],
      ]
        .reverse()
        .map(([control, path]) => ({ control, method: 'POST', path, status: 200, id: session.sessionId })),
    );
    expect((await other.journal({ provider: 'b2copy' })).filter((entry) => entry.control)).toEqual([]);
  });
});
