/**
 * Two replicas of the mock sharing one Redis (two apps, each with its own connection), a session's requests
 * spread over both: every one-time thing is still decided once, whichever replica each request reaches —
 * the store's atomic `delete` and `mark` decide, not a read followed by a write.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { createMockApp, type MockApp } from '../../src/index.ts';
import { newSession } from '../helpers.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { CLIENT_ID, Flow, REDIRECT_URI, TOKEN, expectOAuthError } from './flow.ts';

let redis: TestRedis;
const apps: MockApp[] = [];
let one: ReturnType<typeof request>;
let two: ReturnType<typeof request>;

beforeAll(async () => {
  redis = await startRedis();
  const storePrefix = `j2t-replicas-${process.pid}:`;
  for (let i = 0; i < 2; i += 1) {
    apps.push(await createMockApp({ providers: ['just2trade'], store: redis.url, storePrefix, log: () => {} }));
  }
  one = request(apps[0]!.app);
  two = request(apps[1]!.app);
});
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
  await redis?.dispose();
});

/** One session, seen through each replica. */
function flows(): [Flow, Flow] {
  const session = newSession();
  return [new Flow(one, session), new Flow(two, session)];
}

/** The i-th of several concurrent requests goes to replica one or two, alternately. */
const either = <T>(pair: [T, T], i: number): T => pair[i % 2]!;

describe('two replicas, one Redis', () => {
  it('ten simultaneous redemptions of one code give exactly one token, which the replays revoke', async () => {
    const pair = flows();
    for (let round = 0; round < 8; round += 1) {
      const code = await pair[round % 2]!.code();
      const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => either(pair, i + round).redeem(code)));
      const statuses = responses.map((response) => response.status);
      expect(statuses.filter((status) => status === 200)).toHaveLength(1);
      expect(responses.filter((response) => response.body.error === 'invalid_grant')).toHaveLength(9);
      // Whichever marked first, the winner's token or a replay's, the token ends up revoked (RFC 6749 §4.1.2).
      const token = responses.find((response) => response.status === 200)!.body.access_token as string;
      for (const flow of pair) {
        const profile = await flow.profile(token);
        expect(profile.status).toBe(401);
        expect(profile.body.error).toBe('invalid_token');
      }
    }
  });

  it('ten simultaneous submissions of one login form give exactly one code', async () => {
    const pair = flows();
    for (let round = 0; round < 4; round += 1) {
      const form = await pair[round % 2]!.openLogin();
      const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => either(pair, i).submitLogin(form)));
      const statuses = responses.map((response) => response.status);
      expect(statuses.filter((status) => status === 302)).toHaveLength(1);
      expect(statuses.filter((status) => status === 400)).toHaveLength(9);
      for (const response of responses.filter((each) => each.status === 400)) {
        expect(response.text).toContain('unknown, has expired or was already used');
      }
      // The one code is good, once.
      const code = new URL(responses.find((response) => response.status === 302)!.headers.location!).searchParams.get(
        'code',
      )!;
      expect((await pair[(round + 1) % 2]!.redeem(code)).status).toBe(200);
    }
  });

  it('a replay revokes the token even while profile reads on the other replica renew it', async () => {
    const pair = flows();
    for (let round = 0; round < 5; round += 1) {
      const code = await pair[0].code();
      const first = await pair[0].redeem(code);
      expect(first.status).toBe(200);
      const token = first.body.access_token as string;
      // Each successful read writes the token back with its new expiry; none may bring it back.
      await Promise.all([
        pair[0].redeem(code),
        ...Array.from({ length: 10 }, () => pair[1].profile(token)),
        ...Array.from({ length: 5 }, () => pair[0].profile(token)),
      ]);
      for (const flow of pair) {
        const profile = await flow.profile(token);
        expect(profile.status).toBe(401);
        expect(profile.body.error_description).toBe('The access token is invalid or was revoked.');
      }
    }
  });

  it('a revocation on one replica stands against profile reads on the other, and counts once', async () => {
    const pair = flows();
    const token = await pair[0].token();
    const revoke = (http: ReturnType<typeof request>) =>
      http
        .post('/__mock/just2trade/tokens/revoke')
        .set('X-Mock-Session', pair[0].session)
        .send({ token })
        .then((response) => {
          expect(response.status, response.text).toBe(200);
          return response.body.revoked as number;
        });
    const [first, second] = await Promise.all([
      revoke(one),
      revoke(two),
      ...Array.from({ length: 10 }, (_, i) => either(pair, i).profile(token)),
    ]);
    expect((first as number) + (second as number)).toBe(1);
    for (const flow of pair) {
      const profile = await flow.profile(token);
      expect(profile.status).toBe(401);
      expect(profile.body.error_description).toBe('The access token was revoked.');
    }
  });

  it('auto-login and a rotated client secret set on one replica hold on the other', async () => {
    const [a, b] = flows();
    const oldSecret = await a.secret();
    await one
      .post('/__mock/just2trade/auto-login')
      .set('X-Mock-Session', a.session)
      .send({ login: 'login' })
      .expect(200);
    const redirect = await b.authorize(await b.authorizeQuery());
    expect(redirect.status).toBe(302);
    const code = new URL(redirect.headers.location!).searchParams.get('code')!;

    const rotated = await two
      .post(`/__mock/just2trade/clients/${CLIENT_ID}/rotate-secret`)
      .set('X-Mock-Session', a.session)
      .expect(200);
    const newSecret = rotated.body.clientSecret as string;
    expect(newSecret).not.toBe(oldSecret);
    const redeem = (secret: string) =>
      one.post(TOKEN).set('X-Mock-Session', a.session).type('form').send({
        grant_type: 'authorization_code',
        code,
        client_id: CLIENT_ID,
        client_secret: secret,
        redirect_uri: REDIRECT_URI,
      });
    expectOAuthError(await redeem(oldSecret), 401, 'invalid_client');
    expect((await redeem(newSecret)).status).toBe(200);
  });
});
