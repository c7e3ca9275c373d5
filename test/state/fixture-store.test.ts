import { describe, expect, it, vi } from 'vitest';
import type { CollectionDefinition } from '../../src/plugin.ts';
import {
  DefaultFixtures,
  DuplicateFixtureError,
  FixtureStore,
  UNBOUNDED_ITEMS,
  collectionTableOptions,
  type FixtureItem,
} from '../../src/state/fixture-store.ts';
import { MemoryStore } from '../../src/state/store/memory-store.ts';

const DEFINITIONS: Record<string, CollectionDefinition> = {
  users: { idField: 'id', schema: { type: 'object' } },
  codes: { idField: 'code', schema: { type: 'object' }, readOnly: true },
};

function initial(): Record<string, FixtureItem[]> {
  return {
    users: [
      { id: 1, name: 'Ann', roles: ['admin'] },
      { id: 'b', name: 'Bob', roles: [] },
    ],
  };
}

interface SessionOptions {
  store?: MemoryStore;
  session?: string;
  defaults?: DefaultFixtures;
  definitions?: Record<string, CollectionDefinition>;
  options?: unknown;
  onEvict?: (name: string, count: number) => void;
}

/**
 * One session's fixtures as the core makes them: the defaults seeded into the store (once per session), and
 * a FixtureStore over the session's collection tables.
 */
async function sessionFixtures(given: SessionOptions = {}): Promise<FixtureStore> {
  const store = given.store ?? new MemoryStore();
  const session = given.session ?? 's1';
  const definitions = given.definitions ?? DEFINITIONS;
  const defaults = given.defaults ?? new DefaultFixtures(definitions, initial());
  await store.seed(
    session,
    'p',
    defaults.entries().map(({ name, items }) => ({ table: `fixtures/${name}`, items })),
  );
  const tables = new Map(
    Object.entries(definitions).map(([name, definition]) => [
      name,
      store.table(
        session,
        'p',
        `fixtures/${name}`,
        collectionTableOptions(name, definition, given.options ?? {}, given.onEvict ?? (() => {})),
      ),
    ]),
  );
  return new FixtureStore(tables, definitions);
}

describe('DefaultFixtures', () => {
  it('loads the initial items in order and starts declared collections without items empty', () => {
    const defaults = new DefaultFixtures(DEFINITIONS, initial());
    expect(defaults.list('users')).toEqual(initial().users);
    expect(defaults.list('codes')).toEqual([]);
    expect(defaults.collectionNames).toEqual(['users', 'codes']);
    expect(defaults.entries().map(({ name, items }) => [name, items.map(([id]) => id)])).toEqual([
      ['users', ['1', 'b']],
      ['codes', []],
    ]);
  });

  it('keeps deep copies of the initial items, never the objects it was given', () => {
    const given = initial();
    const defaults = new DefaultFixtures(DEFINITIONS, given);
    const stored = defaults.get('users', 1)!;
    expect(stored).toEqual(given.users![0]);
    expect(stored).not.toBe(given.users![0]);

    (given.users![0]!.roles as string[]).push('hacker');
    given.users![0]!.name = 'Changed';
    expect(defaults.get('users', 1)).toEqual({ id: 1, name: 'Ann', roles: ['admin'] });
  });

  it('freezes its items through and through, so no session can change the defaults', () => {
    const defaults = new DefaultFixtures(DEFINITIONS, initial());
    const ann = defaults.get('users', '1')!;
    expect(Object.isFrozen(ann)).toBe(true);
    expect(Object.isFrozen(ann.roles)).toBe(true);
    expect(() => (ann.roles as string[]).push('hacker')).toThrow(TypeError);
    expect(() => {
      ann.name = 'Changed';
    }).toThrow(TypeError);
    expect(defaults.get('users', 1)).toEqual({ id: 1, name: 'Ann', roles: ['admin'] });
  });

  it('gets by id as a string, and lists into a new array each time', () => {
    const defaults = new DefaultFixtures(DEFINITIONS, initial());
    expect(defaults.get('users', '1')?.name).toBe('Ann');
    expect(defaults.get('users', 1)?.name).toBe('Ann');
    expect(defaults.get('users', 'zzz')).toBeUndefined();
    expect(defaults.get('nope', 1)).toBeUndefined();
    defaults.list('users').pop();
    expect(defaults.list('users')).toHaveLength(2);
    expect(() => defaults.list('nope')).toThrow('Unknown fixture collection "nope".');
  });

  it('refuses initial items for a collection the plugin does not declare', () => {
    expect(() => new DefaultFixtures(DEFINITIONS, { admins: [{ id: 1 }] })).toThrow(
      'Fixtures name a collection "admins" that the plugin does not declare.',
    );
  });

  it('refuses two initial items with the same id', () => {
    expect(() => new DefaultFixtures(DEFINITIONS, { users: [{ id: 1 }, { id: '1' }] })).toThrow(DuplicateFixtureError);
  });
});

describe('FixtureStore sessions', () => {
  it('starts a session with the defaults, in order', async () => {
    const fixtures = await sessionFixtures();
    expect(await fixtures.list('users')).toEqual(initial().users);
    expect(await fixtures.list('codes')).toEqual([]);
  });

  it('shares nothing mutable between two sessions seeded from the same defaults', async () => {
    const store = new MemoryStore();
    const defaults = new DefaultFixtures(DEFINITIONS, initial());
    const one = await sessionFixtures({ store, defaults, session: 'one' });
    const two = await sessionFixtures({ store, defaults, session: 'two' });
    const ann = (await one.get('users', 1))!;
    expect(() => (ann.roles as string[]).push('changed')).toThrow(TypeError);
    await one.put('users', { id: 'b', name: 'Changed', roles: [] });
    await one.delete('users', '1');
    await one.add('codes', { code: 'c1' });

    expect(await two.get('users', 1)).toEqual({ id: 1, name: 'Ann', roles: ['admin'] });
    expect((await two.get('users', 'b'))?.name).toBe('Bob');
    expect(await two.list('codes')).toEqual([]);
    expect(defaults.get('users', 'b')?.name).toBe('Bob');
    expect(defaults.get('users', 1)).toBeDefined();
  });

  it('is seen alike by two FixtureStores over the same store and session (two replicas)', async () => {
    const store = new MemoryStore();
    const one = await sessionFixtures({ store });
    const two = await sessionFixtures({ store });
    await one.add('users', { id: 3, name: 'Cy' });
    await two.delete('users', 'b');
    expect((await two.list('users')).map((user) => user.id)).toEqual([1, 3]);
    expect((await one.list('users')).map((user) => user.id)).toEqual([1, 3]);
  });
});

describe('FixtureStore reads', () => {
  it.each<[string, unknown, string | undefined]>([
    ['a numeric id by number', 1, 'Ann'],
    ['a numeric id by string (a JWT claim)', '1', 'Ann'],
    ['a string id', 'b', 'Bob'],
    ['an unknown id', 'zzz', undefined],
    ['an id of another type that prints differently', 1.5, undefined],
  ])('gets %s', async (_title, id, name) => {
    const fixtures = await sessionFixtures();
    expect((await fixtures.get('users', id))?.name).toBe(name);
  });

  it('lists into a new array each time', async () => {
    const fixtures = await sessionFixtures();
    const list = await fixtures.list('users');
    list.pop();
    expect(await fixtures.list('users')).toHaveLength(2);
  });

  it.each<[string, (fixtures: FixtureStore) => unknown]>([
    ['idOf', (f) => f.idOf('nope', { id: 1 })],
    ['list', (f) => f.list('nope')],
    ['get', (f) => f.get('nope', 1)],
    ['add', (f) => f.add('nope', { id: 1 })],
    ['put', (f) => f.put('nope', { id: 1 })],
    ['delete', (f) => f.delete('nope', '1')],
  ])('%s on an unknown collection fails', async (_method, call) => {
    const fixtures = await sessionFixtures();
    // Thrown at once or rejected later: either way it fails, naming the collection.
    await expect(Promise.resolve().then(() => call(fixtures))).rejects.toThrow('Unknown fixture collection "nope".');
  });

  it.each<[string, string, FixtureItem, string]>([
    ['the declared id field', 'users', { id: 7 }, '7'],
    ['another collection id field', 'codes', { code: 'abc', id: 'ignored' }, 'abc'],
    ['a missing id field, as the string "undefined"', 'codes', { id: 'x' }, 'undefined'],
  ])('idOf reads %s as a string', async (_title, collection, item, want) => {
    const fixtures = await sessionFixtures();
    expect(fixtures.idOf(collection, item)).toBe(want);
  });
});

describe('FixtureStore writes', () => {
  it('adds an item under its id and returns it, last in the list', async () => {
    const fixtures = await sessionFixtures();
    const item = { id: 3, name: 'Cy' };
    expect(await fixtures.add('users', item)).toBe(item);
    expect(await fixtures.get('users', '3')).toEqual({ id: 3, name: 'Cy' });
    expect((await fixtures.list('users')).map((user) => user.id)).toEqual([1, 'b', 3]);
  });

  it.each<[string, FixtureItem]>([
    ['the same id', { id: 'b', name: 'Other' }],
    ['the same id as another type', { id: '1', name: 'Other' }],
  ])('refuses an item with %s, keeping the first', async (_title, item) => {
    const fixtures = await sessionFixtures();
    const existing = await fixtures.get('users', item.id);
    expect(existing).toBeDefined();
    let thrown: unknown;
    try {
      await fixtures.add('users', item);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DuplicateFixtureError);
    expect((thrown as Error).message).toBe(`users already has an item with id "${String(item.id)}".`);
    expect(await fixtures.get('users', item.id)).toEqual(existing);
    expect(await fixtures.list('users')).toHaveLength(2);
  });

  it('lets exactly one of two concurrent adds of the same id win', async () => {
    const store = new MemoryStore();
    const one = await sessionFixtures({ store });
    const two = await sessionFixtures({ store });
    const results = await Promise.allSettled([
      one.add('users', { id: 9, name: 'first' }),
      two.add('users', { id: '9', name: 'second' }),
    ]);
    const won = results.filter((result) => result.status === 'fulfilled');
    const lost = results.filter((result) => result.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.reason).toBeInstanceOf(DuplicateFixtureError);
    expect(await two.get('users', 9)).toEqual(won[0]!.value);
    expect(await one.list('users')).toHaveLength(3);
  });

  it('allows the same id in different collections', async () => {
    const fixtures = await sessionFixtures();
    await fixtures.add('codes', { code: '1' });
    expect(await fixtures.get('codes', 1)).toEqual({ code: '1' });
    expect((await fixtures.get('users', 1))?.name).toBe('Ann');
  });

  it.each<[string, string, boolean, number]>([
    ['a numeric id, by its string', '1', true, 1],
    ['a string id', 'b', true, 1],
    ['an unknown id', 'zzz', false, 2],
  ])('deletes %s', async (_title, id, deleted, left) => {
    const fixtures = await sessionFixtures();
    expect(await fixtures.delete('users', id)).toBe(deleted);
    expect(await fixtures.get('users', id)).toBeUndefined();
    expect(await fixtures.list('users')).toHaveLength(left);
  });

  it('accepts an id again once its item is deleted', async () => {
    const fixtures = await sessionFixtures();
    await fixtures.delete('users', '1');
    await fixtures.add('users', { id: 1, name: 'Ann again' });
    expect((await fixtures.get('users', 1))?.name).toBe('Ann again');
    expect((await fixtures.list('users')).map((user) => user.name)).toEqual(['Bob', 'Ann again']);
  });

  it('puts an item by its id: replacing it whole where it stands, or adding it last', async () => {
    const fixtures = await sessionFixtures();
    await fixtures.put('users', { id: '1', name: 'Ann renamed' });
    expect(await fixtures.get('users', 1)).toEqual({ id: '1', name: 'Ann renamed' });
    expect((await fixtures.list('users')).map((user) => user.name)).toEqual(['Ann renamed', 'Bob']);
    await fixtures.put('users', { id: 3, name: 'Cy' });
    expect((await fixtures.list('users')).map((user) => user.name)).toEqual(['Ann renamed', 'Bob', 'Cy']);
    await fixtures.put('codes', { code: 'xyz', used: false });
    expect(await fixtures.get('codes', 'xyz')).toEqual({ code: 'xyz', used: false });
  });

  it('hands out records that cannot be changed in place: a change is written back with put', async () => {
    const fixtures = await sessionFixtures();
    await fixtures.add('codes', { code: 'xyz', used: false });
    const read = (await fixtures.get<{ code: string; used: boolean }>('codes', 'xyz'))!;
    expect(() => {
      read.used = true;
    }).toThrow(TypeError);
    expect(await fixtures.get('codes', 'xyz')).toEqual({ code: 'xyz', used: false });
    await fixtures.put('codes', { ...read, used: true });
    expect(await fixtures.get('codes', 'xyz')).toEqual({ code: 'xyz', used: true });
  });
});

describe('collections bounded by maxItems', () => {
  const bounded: Record<string, CollectionDefinition> = {
    done: {
      idField: 'id',
      schema: { type: 'object' },
      readOnly: true,
      maxItems: (options: { maxDone: number }) => options.maxDone,
    },
  };

  it('makes table options from the definition and the plugin options', () => {
    const onEvict = vi.fn();
    const maxItems = vi.fn(() => 7);
    const options = { maxDone: 7 };
    const table = collectionTableOptions('done', { idField: 'id', schema: {}, maxItems }, options, onEvict);
    expect(maxItems).toHaveBeenCalledWith(options);
    expect(table).toMatchObject({ name: 'done', capacity: 7, onEvict });
    expect(table.expiresAtMs({ id: 1 })).toBe(Infinity);
    expect(collectionTableOptions('users', DEFINITIONS.users!, options, onEvict).capacity).toBe(UNBOUNDED_ITEMS);
  });

  it('keeps at most maxItems, dropping the oldest and reporting the eviction', async () => {
    const onEvict = vi.fn();
    const fixtures = await sessionFixtures({
      definitions: bounded,
      defaults: new DefaultFixtures(bounded, {}),
      options: { maxDone: 2 },
      onEvict,
    });
    await fixtures.add('done', { id: 'a' });
    await fixtures.add('done', { id: 'b' });
    expect(onEvict).not.toHaveBeenCalled();
    await fixtures.add('done', { id: 'c' });
    expect((await fixtures.list('done')).map((item) => item.id)).toEqual(['b', 'c']);
    expect(await fixtures.get('done', 'a')).toBeUndefined();
    expect(onEvict).toHaveBeenCalledWith('done', 1);

    // A put replaces an item where it stands: still the oldest, it goes next.
    await fixtures.put('done', { id: 'b', again: true });
    expect(onEvict).toHaveBeenCalledTimes(1);
    await fixtures.add('done', { id: 'd' });
    expect(await fixtures.list('done')).toEqual([{ id: 'c' }, { id: 'd' }]);
    // A put of a new item is bounded like an add.
    await fixtures.put('done', { id: 'e' });
    expect((await fixtures.list('done')).map((item) => item.id)).toEqual(['d', 'e']);
    expect(onEvict).toHaveBeenCalledTimes(3);
  });

  it('bounds each session on its own', async () => {
    const store = new MemoryStore();
    const given = { store, definitions: bounded, defaults: new DefaultFixtures(bounded, {}), options: { maxDone: 1 } };
    const one = await sessionFixtures({ ...given, session: 'one' });
    const two = await sessionFixtures({ ...given, session: 'two' });
    await one.add('done', { id: 'a' });
    await two.add('done', { id: 'x' });
    await one.add('done', { id: 'b' });
    expect(await one.list('done')).toEqual([{ id: 'b' }]);
    expect(await two.list('done')).toEqual([{ id: 'x' }]);
  });
});
