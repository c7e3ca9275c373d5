/**
 * Bounded session state: ExpiringMap on its own, then over HTTP — a provider's caps evict the oldest
 * (logged once per session per minute), and what died is swept as the session's clock moves.
 */
import { describe, expect, it } from 'vitest';
import { createB2CopyPlugin } from '../../mocks/b2copy/index.ts';
import { createJust2TradePlugin } from '../../mocks/just2trade/index.ts';
import { Flow, just2tradeApp } from '../just2trade/flow.ts';
import { ExpiringMap } from '../../src/index.ts';
import { mockApp, newSession } from '../helpers.ts';
import { PATHS, USER } from '../b2copy/b2copy-helpers.ts';

const entry = (expiresAtMs: number) => ({ expiresAtMs });

describe('ExpiringMap', () => {
  it('evicts the oldest past its capacity and reports how many', () => {
    const evictions: [string, number][] = [];
    const map = new ExpiringMap({
      name: 'codes',
      capacity: 3,
      expiresAtMs: (value: { expiresAtMs: number }) => value.expiresAtMs,
      onEvict: (name, count) => evictions.push([name, count]),
    });
    for (const key of ['a', 'b', 'c', 'd', 'e']) map.set(key, entry(100));
    expect([...map.keys()]).toEqual(['c', 'd', 'e']);
    expect(evictions).toEqual([
      ['codes', 1],
      ['codes', 1],
    ]);
  });

  it('re-setting a key makes it the newest', () => {
    const map = new ExpiringMap({
      name: 'x',
      capacity: 2,
      expiresAtMs: (value: { expiresAtMs: number }) => value.expiresAtMs,
    });
    map.set('a', entry(1)).set('b', entry(1)).set('a', entry(2)).set('c', entry(1));
    expect([...map.keys()]).toEqual(['a', 'c']);
  });

  it.each([
    { retainMs: 0, now: 100, left: ['later'] },
    { retainMs: 0, now: 99, left: ['now', 'later'] },
    { retainMs: 50, now: 149, left: ['now', 'later'] },
    { retainMs: 50, now: 150, left: ['later'] },
  ])('sweep at $now with retainMs $retainMs keeps $left', ({ retainMs, now, left }) => {
    const map = new ExpiringMap({
      name: 'x',
      capacity: 10,
      retainMs,
      expiresAtMs: (value: { expiresAtMs: number }) => value.expiresAtMs,
    });
    map.set('now', entry(100)).set('later', entry(1000));
    map.sweep(now);
    expect([...map.keys()]).toEqual(left);
  });

  it('sweep also removes what the caller says is dead', () => {
    const map = new ExpiringMap({ name: 'x', capacity: 10, expiresAtMs: () => Infinity });
    map.set('keep', entry(0)).set('drop', entry(0));
    expect(map.sweep(0, (_value, key) => key === 'drop')).toBe(1);
    expect([...map.keys()]).toEqual(['keep']);
  });

  it.each([0, 1.5, Number.NaN])('refuses a capacity of %s', (capacity) => {
    expect(() => new ExpiringMap({ name: 'codes', capacity, expiresAtMs: () => 0 })).toThrow(
      /codes: capacity must be an integer >= 1/,
    );
  });
});

describe('session state over HTTP stays bounded', () => {
  it('a cap evicts the oldest tokens, and says so once per session per minute', async () => {
    const logged: Record<string, unknown>[] = [];
    const { http } = await mockApp({
      providers: [],
      plugins: [createB2CopyPlugin({ maxIssuedTokens: 4 })],
      log: (level, msg, fields) => logged.push({ level, msg, ...fields }),
    });
    const session = newSession();
    const pairs = [];
    for (let i = 0; i < 3; i++)
      pairs.push((await http.post(PATHS.signIn).set('X-Mock-Session', session).send(USER).expect(200)).body);
    const listed = (await http.get(PATHS.tokens).set('X-Mock-Session', session).expect(200)).body as unknown[];
    expect(listed).toHaveLength(4);
    // The first sign-in's pair was evicted to make room: its refresh token is now unknown.
    const first = await http
      .post(PATHS.refreshToken)
      .set('X-Mock-Session', session)
      .send({ refresh_token: pairs[0].refreshToken.token });
    expect(first.status).toBe(401);
    expect(first.body.errors[0].message).toMatch(/not known in this session/);
    // Two tokens were evicted, one at a time; only the first eviction of the minute is logged.
    const warnings = logged.filter((line) => line.msg === 'session state full: oldest entries evicted');
    expect(warnings).toEqual([
      expect.objectContaining({ level: 'warn', session, provider: 'b2copy', what: 'issued tokens', evicted: 1 }),
    ]);
  });

  it("what died is swept as the session's clock moves", async () => {
    const { http } = await mockApp({ providers: ['b2copy'] });
    const session = newSession();
    await http.post(PATHS.signIn).set('X-Mock-Session', session).send(USER).expect(200);
    const count = async () =>
      ((await http.get(PATHS.tokens).set('X-Mock-Session', session).expect(200)).body as unknown[]).length;
    expect(await count()).toBe(2);
    // Past the refresh token's 30 days and the 24 h an expired token is still listed: the next request sweeps.
    await http
      .post('/__mock/clock')
      .set('X-Mock-Session', session)
      .send({ advanceSeconds: 32 * 24 * 3600 })
      .expect(200);
    await http
      .post(PATHS.signIn)
      .set('X-Mock-Session', session)
      .send({ ...USER, password: 'wrong' })
      .expect(401);
    expect(await count()).toBe(0);
  });
});

describe('a full session forgets safely: what a forgotten record protected is revoked with it', () => {
  it('Just2Trade: a spent code forgotten to make room revokes the token it gave', async () => {
    const { http } = await just2tradeApp(createJust2TradePlugin({ maxCodes: 1 }));
    const flow = new Flow(http, newSession());
    const first = await flow.token();
    await flow.profile(first).expect(200);
    // A second code pushes the first (spent) one out: its replay could no longer revoke `first`.
    await flow.code();
    const refused = await flow.profile(first);
    expect(refused.status).toBe(401);
  });

  it('B2COPY: a sign-in part of which was forgotten is revoked whole', async () => {
    const { http } = await mockApp({ providers: [], plugins: [createB2CopyPlugin({ maxIssuedTokens: 3 })] });
    const session = newSession();
    const first = (await http.post(PATHS.signIn).set('X-Mock-Session', session).send(USER).expect(200)).body;
    // Each refresh adds a pair; the first sign-in's oldest records make room, so its family is dead.
    const second = (
      await http
        .post(PATHS.refreshToken)
        .set('X-Mock-Session', session)
        .send({ refresh_token: first.refreshToken.token })
    ).body;
    const third = await http
      .post(PATHS.refreshToken)
      .set('X-Mock-Session', session)
      .send({ refresh_token: second.refreshToken.token });
    expect(third.status).toBe(401);
    expect(third.body.errors[0].code).toBe('refresh_token_revoked');
    expect(third.body.errors[0].message).toMatch(/forgot part of this sign-in to make room/);
  });
});

describe('configurePlugin', () => {
  it('an option given as undefined keeps its default', () => {
    const plugin = createB2CopyPlugin({ accessTokenTtlSeconds: undefined, refreshTokenTtlSeconds: 60 });
    expect(plugin.options).toMatchObject({ accessTokenTtlSeconds: 3600, refreshTokenTtlSeconds: 60 });
  });
});
