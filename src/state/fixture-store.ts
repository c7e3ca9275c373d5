/**
 * A session's fixture collections, kept in the state store so that every replica sees the same users and
 * clients, and a change through the control API is seen by all of them at once. Items are plain JSON
 * objects keyed by their id field (compared as strings), so `admins` with `{ id: 1 }` and a JWT claim
 * `"1"` meet. A session starts with the plugin's defaults, written into the store on its first request.
 */
import type { CollectionDefinition } from '../plugin.ts';
import { deepFreeze } from './store/memory-store.ts';
import type { StoreTable, TableOptions } from './store/store.ts';

export type FixtureItem = Record<string, unknown>;

export class DuplicateFixtureError extends Error {}

/** How many items a collection holds at most when its definition sets no `maxItems`. */
export const UNBOUNDED_ITEMS = 1_000_000_000;

export class FixtureStore {
  constructor(
    private readonly tables: ReadonlyMap<string, StoreTable<FixtureItem>>,
    private readonly definitions: Record<string, CollectionDefinition>,
  ) {}

  #table<T extends FixtureItem>(name: string): StoreTable<T> {
    const table = this.tables.get(name);
    if (!table) throw new Error(`Unknown fixture collection "${name}".`);
    return table as unknown as StoreTable<T>;
  }

  /** Every item, oldest first. */
  list<T extends FixtureItem = FixtureItem>(name: string): Promise<T[]> {
    return this.#table<T>(name).values();
  }

  get<T extends FixtureItem = FixtureItem>(name: string, id: unknown): Promise<T | undefined> {
    return this.#table<T>(name).get(String(id));
  }

  idOf(name: string, item: FixtureItem): string {
    return idOf(this.definitions, name, item);
  }

  /** Adds an item; a DuplicateFixtureError if its id is taken (decided atomically in the store). */
  async add<T extends FixtureItem>(name: string, item: T): Promise<T> {
    const id = this.idOf(name, item);
    if (!(await this.#table<T>(name).add(id, item))) {
      throw new DuplicateFixtureError(`${name} already has an item with id "${id}".`);
    }
    return item;
  }

  /** Replaces an item by its id, where it stands in the collection's order (or adds it last). */
  put<T extends FixtureItem>(name: string, item: T): Promise<void> {
    return this.#table<T>(name).replace(this.idOf(name, item), item);
  }

  delete(name: string, id: string): Promise<boolean> {
    return this.#table(name).delete(id);
  }
}

/** The table options of a collection: bounded by its `maxItems` (given the plugin's options), never expiring. */
export function collectionTableOptions(
  name: string,
  definition: CollectionDefinition,
  options: unknown,
  onEvict: (name: string, count: number) => void,
): TableOptions<FixtureItem> {
  return {
    name,
    capacity: definition.maxItems?.(options) ?? UNBOUNDED_ITEMS,
    expiresAtMs: () => Infinity,
    onEvict,
  };
}

function idOf(definitions: Record<string, CollectionDefinition>, name: string, item: FixtureItem): string {
  const field = definitions[name]?.idField;
  if (!field) throw new Error(`Unknown fixture collection "${name}".`);
  return String(item[field]);
}

/**
 * A plugin's default fixtures, read synchronously: what every session starts with, for the startup banner
 * (`describe`) and for seeding sessions. Made once per configuration, its items frozen and shared.
 */
export class DefaultFixtures {
  readonly #collections = new Map<string, Map<string, FixtureItem>>();

  constructor(
    private readonly definitions: Record<string, CollectionDefinition>,
    initial: Record<string, FixtureItem[]>,
  ) {
    for (const name of Object.keys(definitions)) this.#collections.set(name, new Map());
    for (const [name, items] of Object.entries(initial)) {
      const collection = this.#collections.get(name);
      if (!collection) throw new Error(`Fixtures name a collection "${name}" that the plugin does not declare.`);
      for (const item of items) {
        const id = idOf(definitions, name, item);
        if (collection.has(id)) throw new DuplicateFixtureError(`${name} already has an item with id "${id}".`);
        // A copy, frozen: sessions share these items and must never change the defaults.
        collection.set(id, deepFreeze(structuredClone(item)));
      }
    }
  }

  list<T extends FixtureItem = FixtureItem>(name: string): T[] {
    const collection = this.#collections.get(name);
    if (!collection) throw new Error(`Unknown fixture collection "${name}".`);
    return [...collection.values()] as T[];
  }

  get<T extends FixtureItem = FixtureItem>(name: string, id: unknown): T | undefined {
    return this.#collections.get(name)?.get(String(id)) as T | undefined;
  }

  /** Every collection with its items by id, as the store seeds a session. */
  entries(): { name: string; items: [string, FixtureItem][] }[] {
    return [...this.#collections].map(([name, items]) => ({ name, items: [...items] }));
  }

  get collectionNames(): string[] {
    return Object.keys(this.definitions);
  }
}
