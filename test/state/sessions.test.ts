import { describe, expect, it } from 'vitest';
import { MockError } from '../../src/errors.ts';
import type { CollectionDefinition } from '../../src/plugin.ts';
import { FixtureStore, collectionTableOptions } from '../../src/state/fixture-store.ts';
import {
  CORE_SCOPE,
  DEFAULT_SESSION,
  SESSION_HEADER,
  SessionRegistry,
  type ProviderScopeFactory,
} from '../../src/state/sessions.ts';
import { MemoryStore } from '../../src/state/store/memory-store.ts';
import type { SeedCollection } from '../../src/state/store/store.ts';

const BASE_MS = Date.UTC(2030, 0, 1);

const DEFINITIONS: Record<string, CollectionDefinition> = { items: { idField: 'id', schema: { type: 'object' } } };

interface TestState {
  provider: string;
  session: string;
  build: number;
}

/** A memory store that records which sessions it was told to seed and to forget. */
class RecordingStore extends MemoryStore {
  readonly seeded: string[] = [];
  /** Sessions started in the store (the core's part seeded: its preset fault rules). */
  readonly started: string[] = [];
  readonly forgotten: string[] = [];

  override async seed(sessionId: string, provider: string, collections: SeedCollection[]): Promise<boolean> {
    if (provider === CORE_SCOPE) this.started.push(sessionId);
    else this.seeded.push(`${sessionId}/${provider}`);
    return super.seed(sessionId, provider, collections);
  }

  override forget(sessionId: string): void {
    this.forgotten.push(sessionId);
    super.forget(sessionId);
  }
}

/**
 * A registry over a memory store whose provider scopes record which provider and session built them, and
 * in what order; each provider's default fixtures are one item, `{ id: 1, name: <provider> }`.
 */
function registry(options: { maxSessions?: number; store?: RecordingStore } = {}) {
  const store = options.store ?? new RecordingStore();
  const builds: string[] = [];
  const seedCalls: string[] = [];
  const evicted: string[] = [];
  const buildProvider = (provider: string): ProviderScopeFactory => ({
    seed: () => {
      seedCalls.push(provider);
      return [{ table: 'fixtures/items', items: [['1', { id: 1, name: provider }]] }];
    },
    create: (session) => {
      builds.push(`${session.id}/${provider}`);
      const items = store.table(
        session.id,
        provider,
        'fixtures/items',
        collectionTableOptions('items', DEFINITIONS.items!, {}, () => {}),
      );
      const state: TestState = { provider, session: session.id, build: builds.length };
      return { fixtures: new FixtureStore(new Map([['items', items]]), DEFINITIONS), state, options: {}, services: {} };
    },
  });
  const sessions = new SessionRegistry(store, {
    buildProvider,
    timeSource: () => BASE_MS,
    ...(options.maxSessions !== undefined ? { maxSessions: options.maxSessions } : {}),
    onEvict: (id) => evicted.push(id),
  });
  const stateOf = async (id: string, provider = 'p') => (await sessions.provider(id, provider)).state as TestState;
  const fixturesOf = async (id: string, provider = 'p') => (await sessions.provider(id, provider)).fixtures;
  /** The session's clock offset as the store holds it. */
  const storedOffsetMs = async (id: string) => (await store.openSession(id)).clockOffsetMs;
  return { sessions, store, builds, seedCalls, evicted, stateOf, fixturesOf, storedOffsetMs };
}

describe('SessionRegistry.idFrom', () => {
  it('exports the header name and default session id the router relies on', () => {
    expect(SESSION_HEADER).toBe('x-mock-session');
    expect(DEFAULT_SESSION).toBe('default');
  });

  it.each<[string, string | string[] | undefined, string]>([
    ['no header', undefined, 'default'],
    ['an empty header', '', 'default'],
    ['a plain id', 'test-1', 'test-1'],
    ['every allowed punctuation mark', 'a.b_c~d:e-f', 'a.b_c~d:e-f'],
    ['128 characters', 'x'.repeat(128), 'x'.repeat(128)],
    ['a repeated header (first wins)', ['first', 'second'], 'first'],
  ])('accepts %s', (_title, header, want) => {
    expect(SessionRegistry.idFrom(header)).toBe(want);
  });

  it.each<[string, string | string[]]>([
    ['129 characters', 'x'.repeat(129)],
    ['a space', 'a b'],
    ['a slash', 'a/b'],
    ['a non-ASCII letter', 'caf\u00e9'],
    ['a repeated header whose first value is empty', ['', 'second']],
    ['an empty list', []],
  ])('refuses %s with a 400 naming the header', (_title, header) => {
    let thrown: unknown;
    try {
      SessionRegistry.idFrom(header);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(MockError);
    expect(thrown).toMatchObject({
      status: 400,
      code: 'invalid_request',
      details: [{ location: '/header/x-mock-session', message: 'must match ^[A-Za-z0-9._~:-]{1,128}$' }],
    });
  });
});

describe('SessionRegistry session handles', () => {
  it('returns the same handle for the same id and a distinct one, with its own clock, per id', () => {
    const { sessions } = registry();
    const a = sessions.session('a');
    expect(a.id).toBe('a');
    expect(sessions.session('a')).toBe(a);
    const b = sessions.session('b');
    expect(b).not.toBe(a);
  });

  it('peeks without making a session or counting the look as a use', () => {
    const { sessions, store, evicted } = registry({ maxSessions: 2 });
    expect(sessions.peek('a')).toBeUndefined();
    expect(store.started).toEqual([]);
    const a = sessions.session('a');
    sessions.session('b');
    expect(sessions.peek('a')).toBe(a);
    sessions.session('c');
    // Had the peek counted, b would have been the least recently used.
    expect(evicted).toEqual(['a']);
    expect(sessions.peek('a')).toBeUndefined();
  });

  it('reads nothing from the store and writes nothing to it for a handle alone', async () => {
    const { sessions, store, seedCalls, builds } = registry();
    sessions.session('a');
    expect(seedCalls).toEqual([]);
    expect(builds).toEqual([]);
    expect(store.seeded).toEqual([]);
    expect((await store.openSession('a')).seeded.size).toBe(0);
  });
});

describe('SessionRegistry.open and provider scopes', () => {
  it('opens a session with the clock offset the store holds, seeding nothing without a provider', async () => {
    const { sessions, store, seedCalls } = registry();
    await store.advanceClock('a', 5_000);
    const opened = await sessions.open('a');
    expect(opened.session).toBe(sessions.session('a'));
    expect(opened.clock.offsetSeconds).toBe(5);
    expect(opened.clock.nowMs()).toBe(BASE_MS + 5_000);
    expect(seedCalls).toEqual([]);
    expect(store.seeded).toEqual([]);
  });

  it('seeds a provider once per session, the first time the session uses it', async () => {
    const { sessions, store, seedCalls } = registry();
    await sessions.open('a', 'keeta');
    await sessions.open('a', 'keeta');
    await sessions.provider('a', 'keeta');
    expect(store.seeded).toEqual(['a/keeta']);
    expect(seedCalls).toEqual(['keeta']);

    await sessions.provider('a', 'b2copy');
    await sessions.provider('b', 'keeta');
    await sessions.provider('b', 'keeta');
    expect(store.seeded).toEqual(['a/keeta', 'a/b2copy', 'b/keeta']);
    expect([...(await store.openSession('a')).seeded]).toEqual([CORE_SCOPE, 'keeta', 'b2copy']);
  });

  it('serves the seeded defaults through the provider fixtures, per provider', async () => {
    const { fixturesOf } = registry();
    expect(await (await fixturesOf('a', 'keeta')).list('items')).toEqual([{ id: 1, name: 'keeta' }]);
    expect(await (await fixturesOf('a', 'b2copy')).get('items', '1')).toEqual({ id: 1, name: 'b2copy' });
  });

  it('builds a provider scope lazily, once per session and provider', async () => {
    const { sessions, builds, stateOf } = registry();
    sessions.session('a');
    await sessions.open('a', 'keeta');
    expect(builds).toEqual([]);

    const first = await stateOf('a', 'keeta');
    expect(first).toEqual({ provider: 'keeta', session: 'a', build: 1 });
    expect(await stateOf('a', 'keeta')).toBe(first);
    expect(builds).toEqual(['a/keeta']);

    expect(await stateOf('a', 'b2copy')).toEqual({ provider: 'b2copy', session: 'a', build: 2 });
    expect(await stateOf('b', 'keeta')).toEqual({ provider: 'keeta', session: 'b', build: 3 });
    expect(builds).toEqual(['a/keeta', 'a/b2copy', 'b/keeta']);
  });

  it('hands out a clock of the request’s own with each provider scope, and keeps the handles in the session', async () => {
    const { sessions, store } = registry();
    const first = await sessions.provider('a', 'keeta');
    await store.advanceClock('a', 60_000);
    const second = await sessions.provider('a', 'keeta');
    // The first request's clock stays where it read it; the second reads the new offset.
    expect(first.clock.offsetSeconds).toBe(0);
    expect(second.clock.offsetSeconds).toBe(60);
    expect(second.fixtures).toBe(first.fixtures);
    expect(second.state).toBe(first.state);
    expect(second.session).toBe(sessions.session('a'));
    expect([...sessions.session('a').providers.keys()]).toEqual(['keeta']);
  });

  it('keeps each session its own: fixtures changed in one are unchanged in another', async () => {
    const { fixturesOf } = registry();
    const a = await fixturesOf('a');
    await a.add('items', { id: 2, name: 'only in a' });
    await a.delete('items', '1');
    const b = await fixturesOf('b');
    expect(await b.list('items')).toEqual([{ id: 1, name: 'p' }]);
    expect(await a.list('items')).toEqual([{ id: 2, name: 'only in a' }]);
  });

  it('seeds once per session across registries sharing a store, which see each other’s fixtures', async () => {
    const one = registry();
    const two = registry({ store: one.store });
    await (await one.fixturesOf('a')).add('items', { id: 2, name: 'added by one' });
    const fromTwo = await two.fixturesOf('a');
    expect(two.seedCalls).toEqual([]);
    expect(one.store.seeded).toEqual(['a/p']);
    expect(await fromTwo.list('items')).toEqual([
      { id: 1, name: 'p' },
      { id: 2, name: 'added by one' },
    ]);
  });
});

describe('SessionRegistry clocks', () => {
  it('gives each session its own clock over the registry time source', async () => {
    const { sessions, storedOffsetMs } = registry();
    const moved = await sessions.advanceClock('a', 60);
    expect(moved.nowMs()).toBe(BASE_MS + 60_000);
    expect((await sessions.open('a')).clock.nowMs()).toBe(BASE_MS + 60_000);
    expect((await sessions.open('b')).clock.nowMs()).toBe(BASE_MS);
    expect((await sessions.open(DEFAULT_SESSION)).clock.offsetSeconds).toBe(0);
    expect(await storedOffsetMs('a')).toBe(60_000);
    expect(await storedOffsetMs('b')).toBe(0);
  });

  it('shares the offset through the store: registries over one store see each other’s advanceClock', async () => {
    const one = registry();
    const two = registry({ store: one.store });
    const stale = await two.sessions.open('a');
    await one.sessions.advanceClock('a', 30);
    // A handle holds the offset as last read; opening the session brings it up to date.
    expect(stale.clock.offsetSeconds).toBe(0);
    expect((await two.sessions.open('a')).clock.offsetSeconds).toBe(30);

    // Each step adds to what the store holds, not to what the handle last saw.
    await two.sessions.advanceClock('a', 10);
    expect((await two.sessions.open('a')).clock.offsetSeconds).toBe(40);
    expect((await one.sessions.provider('a', 'p')).clock.offsetSeconds).toBe(40);
    expect((await one.sessions.open('b')).clock.offsetSeconds).toBe(0);
  });
});

describe('SessionRegistry.reset', () => {
  it('resets one session: fresh fixtures, state and clock there, nothing changed elsewhere', async () => {
    const { sessions, store, builds, evicted, stateOf, fixturesOf, storedOffsetMs } = registry();
    const a = await stateOf('a');
    const b = await stateOf('b');
    await (await fixturesOf('a')).add('items', { id: 2, name: 'a2' });
    await (await fixturesOf('b')).add('items', { id: 2, name: 'b2' });
    await sessions.advanceClock('a', 30);
    await sessions.advanceClock('b', 40);

    await sessions.reset('a');

    expect(sessions.peek('a')).toBeUndefined();
    const aAgain = await stateOf('a');
    expect(aAgain).not.toBe(a);
    expect(aAgain.build).toBe(3);
    expect((await sessions.open('a')).clock.offsetSeconds).toBe(0);
    expect(await storedOffsetMs('a')).toBe(0);
    expect(await (await fixturesOf('a')).list('items')).toEqual([{ id: 1, name: 'p' }]);

    expect(await stateOf('b')).toBe(b);
    expect((await sessions.open('b')).clock.offsetSeconds).toBe(40);
    expect(await (await fixturesOf('b')).get('items', 2)).toEqual({ id: 2, name: 'b2' });
    expect(builds).toEqual(['a/p', 'b/p', 'a/p']);
    expect(store.seeded).toEqual(['a/p', 'b/p', 'a/p']);
    // A reset is asked for; it is not an eviction.
    expect(evicted).toEqual([]);
  });

  it('resets every session, the default one included, when no id is given', async () => {
    const { sessions, builds, evicted, stateOf, fixturesOf, storedOffsetMs } = registry();
    const before = [await stateOf(DEFAULT_SESSION), await stateOf('a'), await stateOf('b')];
    await (await fixturesOf(DEFAULT_SESSION)).delete('items', '1');
    await sessions.advanceClock(DEFAULT_SESSION, 5);

    await sessions.reset();

    const after = [await stateOf(DEFAULT_SESSION), await stateOf('a'), await stateOf('b')];
    after.forEach((state, index) => expect(state).not.toBe(before[index]));
    expect(after.map((state) => state.build)).toEqual([4, 5, 6]);
    expect((await sessions.open(DEFAULT_SESSION)).clock.offsetSeconds).toBe(0);
    expect(await storedOffsetMs(DEFAULT_SESSION)).toBe(0);
    expect(await (await fixturesOf(DEFAULT_SESSION)).list('items')).toEqual([{ id: 1, name: 'p' }]);
    expect(builds).toHaveLength(6);
    expect(evicted).toEqual([]);
  });

  it('resets for every registry over the same store', async () => {
    const one = registry();
    const two = registry({ store: one.store });
    await two.sessions.advanceClock('a', 20);
    await (await two.fixturesOf('a')).add('items', { id: 2, name: 'a2' });
    await one.sessions.reset('a');
    expect((await two.sessions.open('a')).clock.offsetSeconds).toBe(0);
    expect(await (await two.fixturesOf('a')).list('items')).toEqual([{ id: 1, name: 'p' }]);
  });

  it('ignores a session it has never seen', async () => {
    const { sessions, stateOf, storedOffsetMs } = registry();
    const a = await stateOf('a');
    await sessions.advanceClock('a', 3);
    await expect(sessions.reset('never-used')).resolves.toBeUndefined();
    expect(await stateOf('a')).toBe(a);
    expect(await storedOffsetMs('a')).toBe(3_000);
  });
});

describe('SessionRegistry eviction past maxSessions', () => {
  it.each<[string, number, string[], string[]]>([
    ['within the limit', 3, ['a', 'b', 'c'], []],
    ['one past the limit: the oldest goes', 2, ['a', 'b', 'c'], ['a']],
    ['least recently used, not oldest created', 2, ['a', 'b', 'a', 'c'], ['b']],
    ['each new session past the limit', 2, ['a', 'b', 'c', 'd', 'e'], ['a', 'b', 'c']],
    ['a limit of one', 1, ['a', 'b', 'a'], ['a', 'b']],
    ['default first: never evicted, not counted', 2, ['default', 'a', 'b', 'c'], ['a']],
    ['default used least recently: still kept', 1, ['default', 'a', 'b', 'c'], ['a', 'b']],
    ['only default and one named session under a limit of one', 1, ['default', 'a', 'default', 'a'], []],
  ])('%s (max %i, uses %j → evicts %j)', (_title, maxSessions, uses, want) => {
    const { sessions, store, evicted } = registry({ maxSessions });
    for (const id of uses) sessions.session(id);
    expect(evicted).toEqual(want);
    // The memory store holds a session's only copy: what the registry drops, the store forgets.
    expect(store.forgotten).toEqual(want);
  });

  it('counts open() and provider() as uses when choosing what to evict', async () => {
    const { sessions, evicted, stateOf } = registry({ maxSessions: 2 });
    await stateOf('a');
    await stateOf('b');
    await sessions.open('a');
    await stateOf('c');
    expect(evicted).toEqual(['b']);
    expect(sessions.session('a').providers.size).toBe(1);
  });

  it('rebuilds an evicted session from scratch when it is used again', async () => {
    const { sessions, store, evicted, stateOf, fixturesOf, storedOffsetMs } = registry({ maxSessions: 1 });
    const first = await stateOf('a');
    await (await fixturesOf('a')).add('items', { id: 2, name: 'a2' });
    await sessions.advanceClock('a', 100);
    await stateOf('b');
    expect(evicted).toEqual(['a']);
    expect(await storedOffsetMs('a')).toBe(0);

    const again = await stateOf('a');
    expect(again).not.toBe(first);
    expect(again).toEqual({ provider: 'p', session: 'a', build: 3 });
    expect((await sessions.open('a')).clock.offsetSeconds).toBe(0);
    expect(await (await fixturesOf('a')).list('items')).toEqual([{ id: 1, name: 'p' }]);
    expect(store.seeded).toEqual(['a/p', 'b/p', 'a/p']);
    expect(store.started).toEqual(['a', 'b', 'a']);
    expect(evicted).toEqual(['a', 'b']);
  });

  it('keeps the default session across any number of evictions', async () => {
    const { sessions, store, evicted, stateOf, fixturesOf, storedOffsetMs } = registry({ maxSessions: 2 });
    const defaultState = await stateOf(DEFAULT_SESSION);
    await (await fixturesOf(DEFAULT_SESSION)).add('items', { id: 2, name: 'kept' });
    await sessions.advanceClock(DEFAULT_SESSION, 7);
    for (let index = 0; index < 10; index++) sessions.session(`s${index}`);

    expect(evicted).toEqual(['s0', 's1', 's2', 's3', 's4', 's5', 's6', 's7']);
    expect(evicted).not.toContain(DEFAULT_SESSION);
    expect(store.forgotten).not.toContain(DEFAULT_SESSION);
    expect(await stateOf(DEFAULT_SESSION)).toBe(defaultState);
    expect((await sessions.open(DEFAULT_SESSION)).clock.offsetSeconds).toBe(7);
    expect(await storedOffsetMs(DEFAULT_SESSION)).toBe(7_000);
    expect(await (await fixturesOf(DEFAULT_SESSION)).get('items', 2)).toEqual({ id: 2, name: 'kept' });
  });

  it('defaults to 1000 named sessions', () => {
    const { sessions, evicted } = registry();
    for (let index = 0; index <= 1000; index++) sessions.session(`s${index}`);
    expect(evicted).toEqual(['s0']);
  });
});
