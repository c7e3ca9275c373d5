/**
 * The state store's contract, run against both implementations: what handlers rely on (one-time
 * consumption decided once under concurrency, marks that survive writes, capacity and sweeping, seeding
 * once) must hold in memory and in a real Redis alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.ts';
import { MemoryStore } from '../../src/state/store/memory-store.ts';
import { RedisStore } from '../../src/state/store/redis-store.ts';
import { FAULT_TABLE, StoreUnavailableError, type StateStore, type TableOptions } from '../../src/state/store/store.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';

interface Token {
  id: string;
  expiresAtMs: number;
  usedAtMs?: number;
  hits?: number;
  note?: string;
  list?: string[];
}

let redis: TestRedis;
let prefixes = 0;
const opened: StateStore[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await Promise.all(opened.map((store) => store.close()));
  await redis?.dispose();
});

async function redisStore(prefix = `test${++prefixes}:`): Promise<RedisStore> {
  const store = await RedisStore.connect({ url: redis.url, prefix, log: silentLogger });
  opened.push(store);
  return store;
}

const stores: [string, () => Promise<StateStore>][] = [
  ['memory', async () => new MemoryStore()],
  ['redis', () => redisStore()],
];

function tokens(store: StateStore, options: Partial<TableOptions<Token>> = {}, session = 's1') {
  return store.table<Token>(session, 'p', 'tokens', {
    name: 'tokens',
    capacity: 100,
    expiresAtMs: (token) => token.expiresAtMs,
    marks: ['usedAtMs'],
    ...options,
  });
}

describe.each(stores)('%s store', (_kind, open) => {
  it('keeps records as JSON, least recently written first, and a write makes one the newest', async () => {
    const table = tokens(await open());
    await table.set('a', { id: 'a', expiresAtMs: 10, list: ['x'] });
    await table.set('b', { id: 'b', expiresAtMs: 20 });
    await table.set('a', { id: 'a', expiresAtMs: 30, list: [] });
    expect(await table.get('a')).toEqual({ id: 'a', expiresAtMs: 30, list: [] });
    expect(await table.get('missing')).toBeUndefined();
    expect((await table.values()).map((token) => token.id)).toEqual(['b', 'a']);
  });

  it('replaces a record where it stands, and puts a new one last', async () => {
    const table = tokens(await open());
    await table.set('a', { id: 'a', expiresAtMs: 1 });
    await table.set('b', { id: 'b', expiresAtMs: 1 });
    await table.replace('a', { id: 'a', expiresAtMs: 2 });
    await table.replace('c', { id: 'c', expiresAtMs: 3 });
    expect(await table.values()).toEqual([
      { id: 'a', expiresAtMs: 2 },
      { id: 'b', expiresAtMs: 1 },
      { id: 'c', expiresAtMs: 3 },
    ]);
  });

  it('adds a record only when its id is free', async () => {
    const table = tokens(await open());
    expect(await table.add('a', { id: 'a', expiresAtMs: 1, note: 'first' })).toBe(true);
    expect(await table.add('a', { id: 'a', expiresAtMs: 2, note: 'second' })).toBe(false);
    expect((await table.get('a'))?.note).toBe('first');
  });

  it('tells exactly one of twenty concurrent deletes that it removed the record', async () => {
    const table = tokens(await open());
    await table.set('form', { id: 'form', expiresAtMs: 1 });
    const results = await Promise.all(Array.from({ length: 20 }, () => table.delete('form')));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await table.get('form')).toBeUndefined();
  });

  it('sets a mark once: one of twenty concurrent callers wins, and later writes keep it', async () => {
    const table = tokens(await open());
    await table.set('code', { id: 'code', expiresAtMs: 1 });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => table.mark('code', 'usedAtMs', 1000 + i)));
    const winners = results.filter((result) => result?.won);
    expect(winners).toHaveLength(1);
    const winning = winners[0]!.value.usedAtMs;
    // Every loser sees the winner's mark, not its own.
    for (const result of results) expect(result?.value.usedAtMs).toBe(winning);
    await table.set('code', { id: 'code', expiresAtMs: 2, usedAtMs: 5, note: 'rewritten' });
    expect(await table.get('code')).toEqual({ id: 'code', expiresAtMs: 2, note: 'rewritten', usedAtMs: winning });
    expect(await table.mark('nothing', 'usedAtMs', 1)).toBeUndefined();
    await expect(table.mark('code', 'note', 'x')).rejects.toThrow(/note is not a mark/);
  });

  it('adds up counts from twenty concurrent callers, and later writes keep the counter', async () => {
    const table = tokens(await open(), { counters: ['hits'] });
    await table.set('rule', { id: 'rule', expiresAtMs: 1 });
    const counts = await Promise.all(Array.from({ length: 20 }, () => table.count('rule', 'hits', 1)));
    expect(new Set(counts).size).toBe(20);
    expect(Math.max(...(counts as number[]))).toBe(20);
    await table.set('rule', { id: 'rule', expiresAtMs: 2, hits: 0 });
    expect(await table.get('rule')).toEqual({ id: 'rule', expiresAtMs: 2, hits: 20 });
    expect(await table.count('rule', 'hits', -5)).toBe(15);
    expect(await table.count('missing', 'hits', 1)).toBeUndefined();
    await expect(table.count('rule', 'note', 1)).rejects.toThrow(/note is not a counter/);
  });

  it('evicts the least recently written past its capacity, telling what it evicted, marks included', async () => {
    const evicted: [string, Token][] = [];
    const counts: number[] = [];
    const table = tokens(await open(), {
      capacity: 2,
      onEvicted: (value, id) => void evicted.push([id, value]),
      onEvict: (_name, count) => void counts.push(count),
    });
    await table.set('a', { id: 'a', expiresAtMs: 1 });
    await table.mark('a', 'usedAtMs', 7);
    await table.set('b', { id: 'b', expiresAtMs: 1 });
    await table.set('c', { id: 'c', expiresAtMs: 1 });
    expect(evicted).toEqual([['a', { id: 'a', expiresAtMs: 1, usedAtMs: 7 }]]);
    expect(counts).toEqual([1]);
    expect((await table.values()).map((token) => token.id)).toEqual(['b', 'c']);
    // The evicted record's mark went with it: a new record under its id starts unmarked.
    await table.set('a', { id: 'a', expiresAtMs: 1 });
    expect((await table.get('a'))?.usedAtMs).toBeUndefined();
  });

  it('sweeps what died, after its retention, and what the caller calls dead', async () => {
    const table = tokens(await open(), { retainMs: 100 });
    await table.set('dead', { id: 'dead', expiresAtMs: 1000 });
    await table.set('retained', { id: 'retained', expiresAtMs: 1950 });
    await table.set('alive', { id: 'alive', expiresAtMs: 5000 });
    await table.set('picked', { id: 'picked', expiresAtMs: 5000, note: 'drop me' });
    expect(await table.sweep(2000, (token) => token.note === 'drop me')).toBe(2);
    expect((await table.values()).map((token) => token.id)).toEqual(['retained', 'alive']);
  });

  it('keeps sessions and providers apart, and clears one session or all', async () => {
    const store = await open();
    const one = tokens(store, {}, 'one');
    const two = tokens(store, {}, 'two');
    const other = store.table<Token>('one', 'q', 'tokens', { name: 't', capacity: 10, expiresAtMs: () => 0 });
    await one.set('a', { id: 'a', expiresAtMs: 1 });
    await two.set('a', { id: 'a', expiresAtMs: 2 });
    expect(await other.get('a')).toBeUndefined();
    await store.value<string>('one', 'p', 'switch').set('on');
    await store.advanceClock('one', 5000);
    await store.clear('one');
    expect(await one.get('a')).toBeUndefined();
    expect(await store.value<string>('one', 'p', 'switch').get()).toBeUndefined();
    expect((await store.openSession('one')).clockOffsetMs).toBe(0);
    expect((await two.get('a'))?.expiresAtMs).toBe(2);
    await store.clear();
    expect(await two.get('a')).toBeUndefined();
  });

  it('seeds a provider once per session, however many ask at once, and a reset seeds again', async () => {
    const store = await open();
    const items: [string, unknown][] = [
      ['u1', { id: 'u1', name: 'One' }],
      ['u2', { id: 'u2', name: 'Two' }],
    ];
    await Promise.all(Array.from({ length: 5 }, () => store.seed('s', 'p', [{ table: 'fixtures/users', items }])));
    const users = store.table<{ id: string; name: string }>('s', 'p', 'fixtures/users', {
      name: 'users',
      capacity: 1000,
      expiresAtMs: () => Infinity,
    });
    await users.delete('u1');
    await store.seed('s', 'p', [{ table: 'fixtures/users', items }]);
    expect((await users.values()).map((user) => user.id)).toEqual(['u2']);
    expect([...(await store.openSession('s')).seeded]).toEqual(['p']);
    await store.clear('s');
    expect((await store.openSession('s')).seeded.size).toBe(0);
    await store.seed('s', 'p', [{ table: 'fixtures/users', items }]);
    expect((await users.values()).map((user) => user.id)).toEqual(['u1', 'u2']);
  });

  it('adds to the clock offset, and counts the session’s fault rules in its meta', async () => {
    const store = await open();
    expect(await store.openSession('fresh')).toEqual({ clockOffsetMs: 0, seeded: new Set(), faultRules: 0 });
    expect(await store.advanceClock('c', 1500)).toBe(1500);
    expect(await store.advanceClock('c', 500)).toBe(2000);
    const faults = store.table<Token>('c', FAULT_TABLE.scope, FAULT_TABLE.name, {
      name: 'fault rules',
      capacity: 10,
      expiresAtMs: () => Infinity,
    });
    await faults.add('one', { id: 'one', expiresAtMs: 0 });
    await faults.add('two', { id: 'two', expiresAtMs: 0 });
    await faults.delete('one');
    expect(await store.openSession('c')).toMatchObject({ clockOffsetMs: 2000, faultRules: 1 });
  });

  it('keeps ids whatever they hold, internal field names included, apart from its own bookkeeping', async () => {
    const table = tokens(await open(), { counters: ['hits'] });
    for (const id of ['#seq', '\u0000seq', 'musedAtMs|x', 'r', 'a:b|c', 'x\u0000usedAtMs']) {
      await table.set(id, { id, expiresAtMs: 1 });
      expect(await table.get(id)).toEqual({ id, expiresAtMs: 1 });
      expect((await table.mark(id, 'usedAtMs', 5))?.won).toBe(true);
      expect(await table.count(id, 'hits', 2)).toBe(2);
    }
    await table.set('after', { id: 'after', expiresAtMs: 1 });
    expect((await table.values()).map((token) => token.id)).toEqual([
      '#seq',
      '\u0000seq',
      'musedAtMs|x',
      'r',
      'a:b|c',
      'x\u0000usedAtMs',
      'after',
    ]);
    expect(await table.get('seq')).toBeUndefined();
  });

  it('keeps sessions whose ids look like each other’s keys apart', async () => {
    const store = await open();
    await store.value<string>('a', 'p', 'switch').set('on');
    await store.advanceClock('a:v', 1000);
    await store.advanceClock('zz:keys', 1000);
    await store.clear('a:v');
    expect(await store.value<string>('a', 'p', 'switch').get()).toBe('on');
    expect((await store.openSession('zz')).clockOffsetMs).toBe(0);
  });

  it('stores a JSON copy: what JSON drops is dropped, and the caller’s object is not the stored one', async () => {
    const table = tokens(await open());
    const value = { id: 'j', expiresAtMs: 1, note: undefined as string | undefined, list: ['a'] };
    await table.set('j', value);
    value.list.push('b');
    expect(await table.get('j')).toEqual({ id: 'j', expiresAtMs: 1, list: ['a'] });
  });

  it('makes a shared value once, however many ask at once', async () => {
    const store = await open();
    let made = 0;
    const values = await Promise.all(
      Array.from({ length: 5 }, () =>
        store.shared('key', async () => {
          made += 1;
          return { secret: `made-${made}` };
        }),
      ),
    );
    expect(new Set(values.map((value) => value.secret)).size).toBe(1);
  });
});

describe('redis store across processes', () => {
  it('shows one instance what another wrote, and a mark won on one is lost on the other', async () => {
    const [a, b] = [await redisStore('shared:'), await redisStore('shared:')];
    await tokens(a).set('t', { id: 't', expiresAtMs: 1 });
    expect(await tokens(b).get('t')).toEqual({ id: 't', expiresAtMs: 1 });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => tokens(i % 2 ? a : b).mark('t', 'usedAtMs', i)),
    );
    expect(results.filter((result) => result?.won)).toHaveLength(1);
    expect(await a.advanceClock('s1', 1000)).toBe(1000);
    expect((await b.openSession('s1')).clockOffsetMs).toBe(1000);
    const key = await a.shared('signing', async () => ({ kid: 'from-a' }));
    expect(await b.shared('signing', async () => ({ kid: 'from-b' }))).toEqual(key);
  });

  it('keeps two prefixes apart in one Redis', async () => {
    const [a, b] = [await redisStore('team-a:'), await redisStore('team-b:')];
    await tokens(a).set('t', { id: 't', expiresAtMs: 1 });
    expect(await tokens(b).get('t')).toBeUndefined();
    await b.clear();
    expect(await tokens(a).get('t')).toBeDefined();
  });

  it('refuses to start when Redis does not answer, naming the URL without its password', async () => {
    const closed = `redis://:hunter2@127.0.0.1:${redis.port + 1}/0`;
    const error = await RedisStore.connect({
      url: closed,
      prefix: 'x:',
      log: silentLogger,
      connectTimeoutMs: 1000,
    }).then(
      () => undefined,
      (thrown: unknown) => thrown as Error,
    );
    expect(error?.message).toMatch(/Cannot reach the Redis store at redis:\/\/:\*\*\*@127\.0\.0\.1/);
    expect(error?.message).not.toContain('hunter2');
  });

  it('fails fast while Redis is down, says so once, and works again when it is back', async () => {
    const lines: string[] = [];
    const store = await RedisStore.connect({
      url: redis.url,
      prefix: 'outage:',
      log: (level, message) => void lines.push(`${level} ${message}`),
    });
    opened.push(store);
    await tokens(store).set('t', { id: 't', expiresAtMs: 1 });
    await redis.stop();
    try {
      const started = Date.now();
      await expect(tokens(store).get('t')).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(await store.health()).toMatchObject({ reachable: false });
      expect(lines.filter((line) => line.startsWith('error state store unreachable'))).toHaveLength(1);
    } finally {
      await redis.restart();
    }
    await expect.poll(async () => (await store.health()).reachable, { timeout: 10_000 }).toBe(true);
    // The append-only file brought the data back with the server.
    expect(await tokens(store).get('t')).toEqual({ id: 't', expiresAtMs: 1 });
    expect(lines).toContain('info state store reachable again');
  });
});
