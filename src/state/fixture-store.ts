/**
 * One session's copy of a plugin's fixture collections. Items are plain objects keyed by their id
 * field (compared as strings), so `admins` with `{ id: 1 }` and a JWT claim `"1"` meet.
 */
import type { CollectionDefinition } from '../plugin.ts';

export type FixtureItem = Record<string, unknown>;

export class DuplicateFixtureError extends Error {}

export class FixtureStore {
  readonly #collections = new Map<string, Map<string, FixtureItem>>();
  readonly #definitions: Record<string, CollectionDefinition>;

  constructor(definitions: Record<string, CollectionDefinition>, initial: Record<string, FixtureItem[]>) {
    this.#definitions = definitions;
    for (const name of Object.keys(definitions)) this.#collections.set(name, new Map());
    for (const [name, items] of Object.entries(initial)) {
      if (!(name in definitions)) {
        throw new Error(`Fixtures name a collection "${name}" that the plugin does not declare.`);
      }
      // structuredClone: a session must never share an object with the defaults or another session.
      for (const item of items) this.add(name, structuredClone(item));
    }
  }

  /** The live map of a collection; handlers read (and, for read-only collections, write) through it. */
  collection<T extends FixtureItem = FixtureItem>(name: string): Map<string, T> {
    const map = this.#collections.get(name);
    if (!map) throw new Error(`Unknown fixture collection "${name}".`);
    return map as Map<string, T>;
  }

  list<T extends FixtureItem = FixtureItem>(name: string): T[] {
    return [...this.collection<T>(name).values()];
  }

  get<T extends FixtureItem = FixtureItem>(name: string, id: unknown): T | undefined {
    return this.collection<T>(name).get(String(id));
  }

  idOf(name: string, item: FixtureItem): string {
    const field = this.#definitions[name]?.idField;
    if (!field) throw new Error(`Unknown fixture collection "${name}".`);
    return String(item[field]);
  }

  add<T extends FixtureItem>(name: string, item: T): T {
    const map = this.collection(name);
    const id = this.idOf(name, item);
    if (map.has(id)) throw new DuplicateFixtureError(`${name} already has an item with id "${id}".`);
    map.set(id, item);
    return item;
  }

  delete(name: string, id: string): boolean {
    return this.collection(name).delete(id);
  }
}
