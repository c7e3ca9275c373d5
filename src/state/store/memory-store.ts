/**
 * The default store: everything in this process's memory, gone when it stops. Each operation runs to
 * completion synchronously inside its promise, so check-and-set (`add`, `delete`, `mark`, `count`) is
 * atomic among concurrent requests.
 *
 * It keeps what the Redis store keeps, the way Redis keeps it, so the tests of either tell the truth about
 * both: a value is stored as a JSON copy (what does not survive JSON does not survive here either), and is
 * frozen, so code that changes a record it read instead of writing it back fails here at once rather than
 * only against Redis, where the change would silently be lost.
 */
import { Journal } from '../journal.ts';
import {
  checkField,
  checkTableName,
  tableFields,
  FAULT_TABLE,
  type SeedCollection,
  type SessionMeta,
  type StateStore,
  type StoreTable,
  type StoreValue,
  type TableOptions,
} from './store.ts';

interface SessionData {
  clockOffsetMs: number;
  seeded: Set<string>;
  /** By `scope/name`: each table's records, least recently written first. */
  tables: Map<string, Map<string, unknown>>;
  values: Map<string, unknown>;
}

const FAULTS = `${FAULT_TABLE.scope}/${FAULT_TABLE.name}`;
const DEFAULT_SESSION = 'default';

export class MemoryStore implements StateStore {
  readonly kind = 'memory';
  readonly location = 'memory';
  /** Least recently used first. */
  readonly #sessions = new Map<string, SessionData>();
  readonly #shared = new Map<string, Promise<unknown>>();

  /**
   * `maxSessions`: named sessions kept beyond this many are dropped, least recently used first (the default
   * session never is), however they come — a request still in flight for a session the registry dropped
   * cannot bring it back for good.
   */
  constructor(private readonly maxSessions = 1000) {}

  async health(): Promise<{ reachable: boolean }> {
    return { reachable: true };
  }

  /** The session's data, made on first use and counted as its use. */
  #session(id: string): SessionData {
    let data = this.#sessions.get(id);
    if (data) {
      this.#sessions.delete(id);
    } else {
      data = { clockOffsetMs: 0, seeded: new Set(), tables: new Map(), values: new Map() };
      for (const oldest of this.#sessions.keys()) {
        if (this.#sessions.size < this.maxSessions + (this.#sessions.has(DEFAULT_SESSION) ? 1 : 0)) break;
        if (oldest !== DEFAULT_SESSION) this.#sessions.delete(oldest);
      }
    }
    this.#sessions.set(id, data);
    return data;
  }

  async openSession(sessionId: string): Promise<SessionMeta> {
    const data = this.#sessions.get(sessionId);
    return {
      clockOffsetMs: data?.clockOffsetMs ?? 0,
      seeded: new Set(data?.seeded),
      faultRules: data?.tables.get(FAULTS)?.size ?? 0,
    };
  }

  async seed(sessionId: string, provider: string, collections: SeedCollection[]): Promise<boolean> {
    const data = this.#session(sessionId);
    if (data.seeded.has(provider)) return false;
    data.seeded.add(provider);
    for (const { table, items } of collections) {
      data.tables.set(`${provider}/${table}`, new Map(items.map(([id, item]) => [id, stored(item)])));
    }
    return true;
  }

  async advanceClock(sessionId: string, ms: number): Promise<number> {
    const data = this.#session(sessionId);
    data.clockOffsetMs += Math.round(ms);
    return data.clockOffsetMs;
  }

  table<V>(sessionId: string, scope: string, name: string, options: TableOptions<V>): StoreTable<V> {
    checkTableName(scope, name);
    return new MemoryTable<V>(() => {
      const tables = this.#session(sessionId).tables;
      let records = tables.get(`${scope}/${name}`);
      if (!records) tables.set(`${scope}/${name}`, (records = new Map()));
      return records as Map<string, V>;
    }, options);
  }

  value<V>(sessionId: string, scope: string, name: string): StoreValue<V> {
    const key = `${scope}/${name}`;
    return {
      get: async () => this.#sessions.get(sessionId)?.values.get(key) as V | undefined,
      set: async (value) => void this.#session(sessionId).values.set(key, stored(value)),
      delete: async () => void this.#sessions.get(sessionId)?.values.delete(key),
    };
  }

  shared<V>(name: string, create: () => Promise<V>): Promise<V> {
    let value = this.#shared.get(name) as Promise<V> | undefined;
    if (!value) {
      value = create();
      // A failed creation is not kept: the next caller tries again.
      value.catch(() => this.#shared.delete(name));
      this.#shared.set(name, value);
    }
    return value;
  }

  journal(capacity: number): Journal {
    return new Journal(capacity);
  }

  async clear(sessionId?: string): Promise<void> {
    if (sessionId === undefined) this.#sessions.clear();
    else this.#sessions.delete(sessionId);
  }

  forget(sessionId: string): void {
    this.#sessions.delete(sessionId);
  }

  async close(): Promise<void> {
    this.#sessions.clear();
  }
}

class MemoryTable<V> implements StoreTable<V> {
  /** The marks and counters, which only `mark` and `count` write. */
  readonly #fields: readonly string[];

  constructor(
    /** The live records, looked up on every call: a reset replaces a session's data under its handles. */
    private readonly records: () => Map<string, V>,
    readonly options: TableOptions<V>,
  ) {
    this.#fields = tableFields(options);
  }

  async get(id: string): Promise<V | undefined> {
    return this.records().get(id);
  }

  set(id: string, value: V): Promise<void> {
    return this.#write(id, value, true);
  }

  replace(id: string, value: V): Promise<void> {
    return this.#write(id, value, false);
  }

  async #write(id: string, value: V, newest: boolean): Promise<void> {
    const records = this.records();
    const old = records.get(id) as Record<string, unknown> | undefined;
    const record = this.#withFieldsOf(value, old);
    // Map.set keeps an existing key where it is: deleting first makes the record the newest.
    if (newest) records.delete(id);
    records.set(id, record);
    await this.#makeRoom(records);
  }

  async add(id: string, value: V): Promise<boolean> {
    const records = this.records();
    if (records.has(id)) return false;
    records.set(id, this.#withFieldsOf(value, undefined));
    await this.#makeRoom(records);
    return true;
  }

  async delete(id: string): Promise<boolean> {
    return this.records().delete(id);
  }

  async mark<K extends keyof V & string>(
    id: string,
    field: K,
    value: NonNullable<V[K]>,
  ): Promise<{ value: V; won: boolean } | undefined> {
    checkField(this.options, field, 'mark');
    const records = this.records();
    const record = records.get(id);
    if (record === undefined) return undefined;
    if ((record as Record<string, unknown>)[field] !== undefined) return { value: record, won: false };
    const marked = stored({ ...record, [field]: value });
    // Where it was: a mark is not a write, and does not make the record the most recent.
    records.set(id, marked);
    return { value: marked, won: true };
  }

  async count<K extends keyof V & string>(id: string, field: K, delta: number): Promise<number | undefined> {
    checkField(this.options, field, 'counter');
    const records = this.records();
    const record = records.get(id) as Record<string, unknown> | undefined;
    if (record === undefined) return undefined;
    const value = ((record[field] as number | undefined) ?? 0) + Math.round(delta);
    records.set(id, stored({ ...record, [field]: value }) as V);
    return value;
  }

  async values(): Promise<V[]> {
    return [...this.records().values()];
  }

  async sweep(nowMs: number, alsoDead?: (value: V, id: string) => boolean): Promise<number> {
    const records = this.records();
    const retain = this.options.retainMs ?? 0;
    let removed = 0;
    for (const [id, value] of records) {
      if (this.options.expiresAtMs(value) + retain <= nowMs || alsoDead?.(value, id)) {
        records.delete(id);
        removed += 1;
      }
    }
    return removed;
  }

  /** The record as stored: its marks and counters those it had (none for a new one), whatever `value` says. */
  #withFieldsOf(value: V, old: Record<string, unknown> | undefined): V {
    const record = JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
    for (const field of this.#fields) {
      const kept = old?.[field];
      if (kept === undefined) delete record[field];
      else record[field] = kept;
    }
    return deepFreeze(record) as V;
  }

  async #makeRoom(records: Map<string, V>): Promise<void> {
    let evicted = 0;
    for (const [oldest, value] of records) {
      if (records.size <= this.options.capacity) break;
      records.delete(oldest);
      await this.options.onEvicted?.(value, oldest);
      evicted += 1;
    }
    if (evicted) this.options.onEvict?.(this.options.name, evicted);
  }
}

/** A value as the store keeps it: a JSON copy, frozen. */
function stored<T>(value: T): T {
  return deepFreeze(JSON.parse(JSON.stringify(value)) as T);
}

/** Freezes a stored value through and through, so no caller can change it in place. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
