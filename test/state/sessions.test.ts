import { describe, expect, it } from 'vitest';
import { MockError } from '../../src/errors.ts';
import { FixtureStore } from '../../src/state/fixture-store.ts';
import { DEFAULT_SESSION, SESSION_HEADER, SessionRegistry, type SessionScope } from '../../src/state/sessions.ts';

const BASE_MS = Date.UTC(2030, 0, 1);

interface TestState {
  provider: string;
  session: string;
  build: number;
}

/** A registry whose provider scopes record which provider and session built them, and in what order. */
function registry(options: { maxSessions?: number } = {}) {
  const builds: string[] = [];
  const evicted: string[] = [];
  const buildProvider = (provider: string) => (session: SessionScope) => {
    builds.push(`${session.id}/${provider}`);
    const state: TestState = { provider, session: session.id, build: builds.length };
    return { fixtures: new FixtureStore({}, {}), state, options: {}, services: undefined };
  };
  const sessions = new SessionRegistry(
    buildProvider,
    () => BASE_MS,
    options.maxSessions,
    (id) => evicted.push(id),
  );
  const stateOf = (id: string, provider = 'p') => sessions.provider(id, provider).state as TestState;
  return { sessions, builds, evicted, stateOf };
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

describe('SessionRegistry sessions and provider scopes', () => {
  it('returns the same scope for the same id and a distinct one per id', () => {
    const { sessions } = registry();
    const a = sessions.session('a');
    expect(a.id).toBe('a');
    expect(sessions.session('a')).toBe(a);
    const b = sessions.session('b');
    expect(b).not.toBe(a);
    expect(b.clock).not.toBe(a.clock);
  });

  it('gives each session its own clock over the registry time source', () => {
    const { sessions } = registry();
    sessions.session('a').clock.advance(60);
    expect(sessions.session('a').clock.nowMs()).toBe(BASE_MS + 60_000);
    expect(sessions.session('b').clock.nowMs()).toBe(BASE_MS);
    expect(sessions.session(DEFAULT_SESSION).clock.offsetSeconds).toBe(0);
  });

  it('builds a provider scope lazily, once per session and provider', () => {
    const { sessions, builds, stateOf } = registry();
    sessions.session('a');
    expect(builds).toEqual([]);

    const first = stateOf('a', 'keeta');
    expect(first).toEqual({ provider: 'keeta', session: 'a', build: 1 });
    expect(stateOf('a', 'keeta')).toBe(first);
    expect(builds).toEqual(['a/keeta']);

    expect(stateOf('a', 'b2copy')).toEqual({ provider: 'b2copy', session: 'a', build: 2 });
    expect(stateOf('b', 'keeta')).toEqual({ provider: 'keeta', session: 'b', build: 3 });
    expect(builds).toEqual(['a/keeta', 'a/b2copy', 'b/keeta']);
  });

  it('hands out the session clock with each provider scope and keeps the scope in the session', () => {
    const { sessions } = registry();
    const scope = sessions.provider('a', 'keeta');
    const session = sessions.session('a');
    expect(scope.clock).toBe(session.clock);
    expect(session.providers.get('keeta')?.state).toBe(scope.state);
    expect(session.providers.get('keeta')?.fixtures).toBe(scope.fixtures);
    expect([...session.providers.keys()]).toEqual(['keeta']);
  });
});

describe('SessionRegistry.reset', () => {
  it('resets one session: fresh state and clock there, nothing changed elsewhere', () => {
    const { sessions, builds, evicted, stateOf } = registry();
    const a = stateOf('a');
    const b = stateOf('b');
    sessions.session('a').clock.advance(30);
    sessions.session('b').clock.advance(40);

    sessions.reset('a');

    const aAgain = stateOf('a');
    expect(aAgain).not.toBe(a);
    expect(aAgain.build).toBe(3);
    expect(sessions.session('a').clock.offsetSeconds).toBe(0);
    expect(stateOf('b')).toBe(b);
    expect(sessions.session('b').clock.offsetSeconds).toBe(40);
    expect(builds).toEqual(['a/p', 'b/p', 'a/p']);
    // A reset is asked for; it is not an eviction.
    expect(evicted).toEqual([]);
  });

  it('resets every session, the default one included, when no id is given', () => {
    const { sessions, builds, evicted, stateOf } = registry();
    const before = [stateOf(DEFAULT_SESSION), stateOf('a'), stateOf('b')];
    sessions.session(DEFAULT_SESSION).clock.advance(5);

    sessions.reset();

    const after = [stateOf(DEFAULT_SESSION), stateOf('a'), stateOf('b')];
    after.forEach((state, index) => expect(state).not.toBe(before[index]));
    expect(after.map((state) => state.build)).toEqual([4, 5, 6]);
    expect(sessions.session(DEFAULT_SESSION).clock.offsetSeconds).toBe(0);
    expect(builds).toHaveLength(6);
    expect(evicted).toEqual([]);
  });

  it('ignores a session it has never seen', () => {
    const { sessions, stateOf } = registry();
    const a = stateOf('a');
    expect(() => sessions.reset('never-used')).not.toThrow();
    expect(stateOf('a')).toBe(a);
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
    const { sessions, evicted } = registry({ maxSessions });
    for (const id of uses) sessions.session(id);
    expect(evicted).toEqual(want);
  });

  it('counts provider() as a use when choosing what to evict', () => {
    const { sessions, evicted, stateOf } = registry({ maxSessions: 2 });
    stateOf('a');
    stateOf('b');
    stateOf('a');
    stateOf('c');
    expect(evicted).toEqual(['b']);
    expect(sessions.session('a').providers.size).toBe(1);
  });

  it('rebuilds an evicted session from scratch when it is used again', () => {
    const { sessions, evicted, stateOf } = registry({ maxSessions: 1 });
    const first = stateOf('a');
    sessions.session('a').clock.advance(100);
    stateOf('b');
    expect(evicted).toEqual(['a']);

    const again = stateOf('a');
    expect(again).not.toBe(first);
    expect(again).toEqual({ provider: 'p', session: 'a', build: 3 });
    expect(sessions.session('a').clock.offsetSeconds).toBe(0);
    expect(evicted).toEqual(['a', 'b']);
  });

  it('keeps the default session state across any number of evictions', () => {
    const { sessions, evicted, stateOf } = registry({ maxSessions: 2 });
    const defaultState = stateOf(DEFAULT_SESSION);
    sessions.session(DEFAULT_SESSION).clock.advance(7);
    for (let index = 0; index < 10; index++) sessions.session(`s${index}`);

    expect(evicted).toEqual(['s0', 's1', 's2', 's3', 's4', 's5', 's6', 's7']);
    expect(evicted).not.toContain(DEFAULT_SESSION);
    expect(stateOf(DEFAULT_SESSION)).toBe(defaultState);
    expect(sessions.session(DEFAULT_SESSION).clock.offsetSeconds).toBe(7);
  });

  it('defaults to 1000 named sessions', () => {
    const { sessions, evicted } = registry();
    for (let index = 0; index <= 1000; index++) sessions.session(`s${index}`);
    expect(evicted).toEqual(['s0']);
  });
});
