import { describe, expect, it } from 'vitest';
import type { CollectionDefinition } from '../../src/plugin.ts';
import { DuplicateFixtureError, FixtureStore, type FixtureItem } from '../../src/state/fixture-store.ts';

const DEFINITIONS: Record<string, CollectionDefinition> = {
  users: { idField: 'id', schema: { type: 'object' } },
  codes: { idField: 'code', schema: { type: 'object' }, readOnly: true },
};

function defaults(): Record<string, FixtureItem[]> {
  return {
    users: [
      { id: 1, name: 'Ann', roles: ['admin'] },
      { id: 'b', name: 'Bob', roles: [] },
    ],
  };
}

describe('FixtureStore construction', () => {
  it('loads the initial items in order and starts declared collections without items empty', () => {
    const store = new FixtureStore(DEFINITIONS, defaults());
    expect(store.list('users')).toEqual(defaults().users);
    expect(store.list('codes')).toEqual([]);
    expect([...store.collection('users').keys()]).toEqual(['1', 'b']);
  });

  it('keeps deep copies of the initial items, never the objects it was given', () => {
    const initial = defaults();
    const store = new FixtureStore(DEFINITIONS, initial);
    const stored = store.get('users', 1)!;
    expect(stored).toEqual(initial.users![0]);
    expect(stored).not.toBe(initial.users![0]);

    (initial.users![0]!.roles as string[]).push('hacker');
    initial.users![0]!.name = 'Changed';
    expect(store.get('users', 1)).toEqual({ id: 1, name: 'Ann', roles: ['admin'] });
  });

  it('shares no object between two stores built from the same defaults (two sessions)', () => {
    const initial = defaults();
    const one = new FixtureStore(DEFINITIONS, initial);
    const two = new FixtureStore(DEFINITIONS, initial);
    (one.get('users', 1)!.roles as string[]).push('changed');
    one.get('users', 'b')!.name = 'Changed';
    one.delete('users', '1');

    expect(two.get('users', 1)).toEqual({ id: 1, name: 'Ann', roles: ['admin'] });
    expect(two.get('users', 'b')?.name).toBe('Bob');
    expect(two.collection('users')).not.toBe(one.collection('users'));
  });

  it('refuses initial items for a collection the plugin does not declare', () => {
    expect(() => new FixtureStore(DEFINITIONS, { admins: [{ id: 1 }] })).toThrow(
      'Fixtures name a collection "admins" that the plugin does not declare.',
    );
  });

  it('refuses two initial items with the same id', () => {
    expect(() => new FixtureStore(DEFINITIONS, { users: [{ id: 1 }, { id: '1' }] })).toThrow(DuplicateFixtureError);
  });
});

describe('FixtureStore reads', () => {
  const store = new FixtureStore(DEFINITIONS, defaults());

  it.each<[string, unknown, string | undefined]>([
    ['a numeric id by number', 1, 'Ann'],
    ['a numeric id by string (a JWT claim)', '1', 'Ann'],
    ['a string id', 'b', 'Bob'],
    ['an unknown id', 'zzz', undefined],
    ['an id of another type that prints differently', 1.5, undefined],
  ])('gets %s', (_title, id, name) => {
    expect(store.get('users', id)?.name).toBe(name);
  });

  it('lists into a new array each time', () => {
    const list = store.list('users');
    list.pop();
    expect(store.list('users')).toHaveLength(2);
  });

  it.each<[string, (store: FixtureStore) => unknown]>([
    ['idOf', (s) => s.idOf('nope', { id: 1 })],
    ['collection', (s) => s.collection('nope')],
    ['list', (s) => s.list('nope')],
    ['get', (s) => s.get('nope', 1)],
    ['add', (s) => s.add('nope', { id: 1 })],
    ['delete', (s) => s.delete('nope', '1')],
  ])('%s on an unknown collection throws', (_method, call) => {
    expect(() => call(store)).toThrow('Unknown fixture collection "nope".');
  });

  it.each<[string, string, FixtureItem, string]>([
    ['the declared id field', 'users', { id: 7 }, '7'],
    ['another collection id field', 'codes', { code: 'abc', id: 'ignored' }, 'abc'],
    ['a missing id field, as the string "undefined"', 'codes', { id: 'x' }, 'undefined'],
  ])('idOf reads %s as a string', (_title, collection, item, want) => {
    expect(store.idOf(collection, item)).toBe(want);
  });
});

describe('FixtureStore writes', () => {
  it('adds an item under its id and returns it', () => {
    const store = new FixtureStore(DEFINITIONS, defaults());
    const item = { id: 3, name: 'Cy' };
    expect(store.add('users', item)).toBe(item);
    expect(store.get('users', '3')).toEqual({ id: 3, name: 'Cy' });
    expect(store.list('users').map((user) => user.id)).toEqual([1, 'b', 3]);
  });

  it.each<[string, FixtureItem]>([
    ['the same id', { id: 'b', name: 'Other' }],
    ['the same id as another type', { id: '1', name: 'Other' }],
  ])('refuses an item with %s, keeping the first', (_title, item) => {
    const store = new FixtureStore(DEFINITIONS, defaults());
    const existing = store.get('users', item.id);
    let thrown: unknown;
    try {
      store.add('users', item);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DuplicateFixtureError);
    expect((thrown as Error).message).toBe(`users already has an item with id "${String(item.id)}".`);
    expect(store.get('users', item.id)).toBe(existing);
    expect(store.list('users')).toHaveLength(2);
  });

  it('allows the same id in different collections', () => {
    const store = new FixtureStore(DEFINITIONS, defaults());
    store.add('codes', { code: '1' });
    expect(store.get('codes', 1)).toEqual({ code: '1' });
    expect(store.get('users', 1)?.name).toBe('Ann');
  });

  it.each<[string, string, boolean, number]>([
    ['a numeric id, by its string', '1', true, 1],
    ['a string id', 'b', true, 1],
    ['an unknown id', 'zzz', false, 2],
  ])('deletes %s', (_title, id, deleted, left) => {
    const store = new FixtureStore(DEFINITIONS, defaults());
    expect(store.delete('users', id)).toBe(deleted);
    expect(store.get('users', id)).toBeUndefined();
    expect(store.list('users')).toHaveLength(left);
  });

  it('accepts an id again once its item is deleted', () => {
    const store = new FixtureStore(DEFINITIONS, defaults());
    store.delete('users', '1');
    store.add('users', { id: 1, name: 'Ann again' });
    expect(store.get('users', 1)?.name).toBe('Ann again');
    expect(store.list('users').map((user) => user.name)).toEqual(['Bob', 'Ann again']);
  });

  it('exposes the live map: what a handler writes through collection() is what get() reads', () => {
    const store = new FixtureStore(DEFINITIONS, defaults());
    store.collection('codes').set('xyz', { code: 'xyz', used: false });
    expect(store.get('codes', 'xyz')).toEqual({ code: 'xyz', used: false });
    store.get('codes', 'xyz')!.used = true;
    expect(store.collection('codes').get('xyz')).toEqual({ code: 'xyz', used: true });
  });
});
