/**
 * Two replicas of the B2COPY mock sharing one Redis (two apps, each with its own connection), a session's
 * requests spread over both: they sign with one server key (which a restart keeps), see one session's
 * rotated keys, and decide every one-time thing once — a refresh token spent, a seamless-login link used, a
 * family revoked — whichever replica each request reaches, by the store's atomic `mark`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { createMockApp, type MockApp } from '../../src/index.ts';
import { createB2CopyPlugin } from '../../mocks/b2copy/index.ts';
import { newSession } from '../helpers.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { AUTH_URL_REQUEST, PATHS, USER, expectB2CopyError, headerOf } from './b2copy-helpers.ts';

type Http = ReturnType<typeof request>;

let redis: TestRedis;
const apps: MockApp[] = [];
let one: Http;
let two: Http;
const storePrefix = `b2copy-replicas-${process.pid}:`;

/** A replica of the mock on the test Redis; `maxIssuedTokens` and the like through `options`. */
async function replica(options: Parameters<typeof createB2CopyPlugin>[0] = {}): Promise<MockApp> {
  const app = await createMockApp({
    providers: [],
    plugins: [createB2CopyPlugin(options)],
    store: redis.url,
    storePrefix,
    log: () => {},
  });
  apps.push(app);
  return app;
}

beforeAll(async () => {
  redis = await startRedis();
  one = request((await replica()).app);
  two = request((await replica()).app);
});
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
  await redis?.dispose();
});

/** The i-th of several concurrent requests goes to replica one or two, alternately. */
const either = (i: number): Http => (i % 2 === 0 ? one : two);

const signIn = async (http: Http, session: string) =>
  (await http.post(PATHS.signIn).set('X-Mock-Session', session).send(USER).expect(200)).body as {
    accessToken: { token: string };
    refreshToken: { token: string };
  };
const refresh = (http: Http, session: string, token: string) =>
  http.post(PATHS.refreshToken).set('X-Mock-Session', session).send({ refresh_token: token });
const jwksKids = async (http: Http, session: string) =>
  ((await http.get(PATHS.jwks).set('X-Mock-Session', session).expect(200)).body.keys as { kid: string }[]).map(
    (key) => key.kid,
  );
const tokens = async (http: Http, session: string) =>
  (await http.get(PATHS.tokens).set('X-Mock-Session', session).expect(200)).body as {
    familyId: string;
    status: string;
    revokedBy?: string;
  }[];

describe('two B2COPY replicas, one Redis', () => {
  it('sign with one server key, which a restarted replica still has', async () => {
    const session = newSession();
    const [kidOne, kidTwo] = await Promise.all([jwksKids(one, session), jwksKids(two, session)]);
    expect(kidOne).toHaveLength(1);
    expect(kidTwo).toEqual(kidOne);
    // A token of one replica refreshes on the other.
    const pair = await signIn(one, session);
    expect(headerOf(pair.refreshToken.token).kid).toBe(kidOne[0]);
    expect((await refresh(two, session, pair.refreshToken.token)).status).toBe(200);

    // A new process on the same store (a restart, or a third replica) reads the stored key.
    const restarted = request((await replica()).app);
    expect(await jwksKids(restarted, newSession())).toEqual(kidOne);
  });

  it('of ten simultaneous refreshes with one token on both replicas exactly one succeeds; the family is revoked', async () => {
    for (let round = 0; round < 12; round += 1) {
      const session = newSession();
      const pair = await signIn(either(round), session);
      const responses = await Promise.all(
        Array.from({ length: 10 }, (_, i) => refresh(either(i + round), session, pair.refreshToken.token)),
      );
      expect(responses.filter((response) => response.status === 200)).toHaveLength(1);
      for (const response of responses.filter((each) => each.status !== 200))
        expectB2CopyError(response, 401, 'refresh_token_reused');
      // The reuses revoked the sign-in, the winner's new pair included.
      const winner = responses.find((response) => response.status === 200)!.body;
      expectB2CopyError(
        await refresh(either(round + 1), session, winner.refreshToken.token),
        401,
        'refresh_token_revoked',
      );
      const listed = await tokens(either(round), session);
      expect(listed).toHaveLength(4);
      expect(listed.every((token) => token.status === 'revoked' && token.revokedBy === 'reuse_detection')).toBe(true);
    }
  });

  it('of ten simultaneous visits with one seamless-login link on both replicas exactly one signs in', async () => {
    for (let round = 0; round < 5; round += 1) {
      const session = newSession();
      const linked = await either(round)
        .post(PATHS.getAuthUrl)
        .set('X-Mock-Session', session)
        .send(AUTH_URL_REQUEST)
        .expect(200);
      const path = new URL(linked.body.data.url as string).pathname;
      const visits = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          either(i + round)
            .get(path)
            .set('X-Mock-Session', session),
        ),
      );
      expect(visits.map((visit) => visit.status).sort()).toEqual([200, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    }
  });

  it('simultaneous partner-side revocations on both replicas count each sign-in once', async () => {
    const session = newSession();
    const pair = await signIn(one, session);
    const revoke = (http: Http) =>
      http
        .post('/__mock/b2copy/tokens/revoke')
        .set('X-Mock-Session', session)
        .send({ token: pair.accessToken.token })
        .then((response) => {
          expect(response.status, response.text).toBe(200);
          return response.body as { families: number; tokens: number };
        });
    const answers = await Promise.all([revoke(one), revoke(two), revoke(one), revoke(two)]);
    expect(answers.reduce((sum, answer) => sum + answer.families, 0)).toBe(1);
    expect(answers.find((answer) => answer.families === 1)).toEqual({ families: 1, tokens: 2 });
    expectB2CopyError(
      await refresh(two, session, pair.refreshToken.token),
      401,
      'refresh_token_revoked',
      /partner-side/,
    );
  });

  it("share a session's rotated keys: rotated on one, published and retired on the other", async () => {
    const session = newSession();
    const [serverKid] = await jwksKids(one, session);
    const before = await signIn(two, session);
    const rotated = (await one.post('/__mock/b2copy/signing-keys/rotate').set('X-Mock-Session', session).expect(200))
      .body as { current: string; published: string[] };
    expect(rotated.published).toEqual([serverKid, rotated.current]);
    expect(await jwksKids(two, session)).toEqual([serverKid, rotated.current]);

    // Signed on two with the key rotated on one; both verify on either.
    const after = await signIn(two, session);
    expect(headerOf(after.refreshToken.token).kid).toBe(rotated.current);
    const refreshed = await refresh(one, session, after.refreshToken.token);
    expect(refreshed.status, refreshed.text).toBe(200);
    expect(headerOf(refreshed.body.accessToken.token).kid).toBe(rotated.current);

    const retired = await two.post('/__mock/b2copy/signing-keys/retire').set('X-Mock-Session', session).expect(200);
    expect(retired.body).toEqual({ current: rotated.current, published: [rotated.current], retired: [serverKid] });
    expectB2CopyError(
      await refresh(one, session, before.refreshToken.token),
      401,
      'invalid_refresh_token',
      new RegExp(`signed with key ${serverKid}, which B2COPY retired at`),
    );
    // Another session still signs with the server's key.
    expect(await jwksKids(one, newSession())).toEqual([serverKid]);
  });

  it('a token forgotten to make room kills its sign-in, on every replica', async () => {
    const small = [
      request((await replica({ maxIssuedTokens: 3 })).app),
      request((await replica({ maxIssuedTokens: 3 })).app),
    ];
    const session = newSession();
    const first = await signIn(small[0]!, session);
    // Two more tokens: the first sign-in's access token is forgotten, and the sign-in with it.
    await signIn(small[1]!, session);
    for (const http of small) {
      expectB2CopyError(
        await refresh(http, session, first.refreshToken.token),
        401,
        'refresh_token_revoked',
        /forgot part of this sign-in/,
      );
    }
  });
});
