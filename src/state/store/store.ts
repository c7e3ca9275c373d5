/**
 * The state store: where everything a session holds lives — its clock offset, its fixtures, the
 * providers' codes, forms, tokens and authorizations, its fault rules. Two implementations share this
 * interface: in memory (the default, one process) and Redis (several replicas sharing one state,
 * surviving restarts). Handlers, pages and control routes reach it only through the tables and values
 * their plugin's `createState` asked for, never through a `Map` of their own.
 *
 * Every operation is one round trip to the store, and the ones that decide a race are atomic in it:
 * `delete` (a one-time form) and `mark` (a code spent, a refresh token used, a family revoked) tell
 * exactly one of any number of concurrent callers, on any replica, that it won.
 */

import type { RequestJournal } from '../journal.ts';

/** A value the store can keep: what `JSON.stringify` round-trips (no Map, Date, class or undefined in arrays). */
export type Stored = unknown;

export interface TableOptions<V> {
  /** What it holds, for the eviction log: `issued tokens`, `pending logins`. */
  name: string;
  /** At most this many records; writing one more evicts the least recently written. */
  capacity: number;
  /**
   * When a record dies, in ms on the session's clock (Infinity: never by itself). Reading a record never
   * checks it — the plugin does, against the session clock — but `sweep` drops what died.
   */
  expiresAtMs(value: V): number;
  /** How long a dead record is kept before `sweep` may drop it (so a replay still hears "expired"). */
  retainMs?: number;
  /**
   * Fields set at most once, by `mark` (a code's `spentAtMs`, a token's `usedAtSeconds`): `set` leaves them
   * as they are, and the first `mark` of one wins over every concurrent one.
   */
  marks?: readonly (keyof V & string)[];
  /** Number fields changed only by `count` (a fault rule's `hits`), atomically; `set` leaves them too. */
  counters?: readonly (keyof V & string)[];
  /** Told how many records were evicted to make room (the core logs it, at most once per session a minute). */
  onEvict?(name: string, count: number): void;
  /** Told each record evicted to make room, to undo what it protected (a spent code's tokens, say). */
  onEvicted?(value: V, id: string): void | Promise<void>;
}

/** One kind of record in one session of one provider: `tokens`, `codes`, a fixture collection. */
export interface StoreTable<V> {
  get(id: string): Promise<V | undefined>;
  /** Writes the record whole (its marks stay as they are) and makes it the most recently written. */
  set(id: string, value: V): Promise<void>;
  /** Writes the record whole where it stands in the order (a fixture item edited); a new one goes last. */
  replace(id: string, value: V): Promise<void>;
  /** Writes the record unless one with this id exists; whether it wrote. */
  add(id: string, value: V): Promise<boolean>;
  /** Removes it; `true` for exactly one of several concurrent deletes of a record (a one-time form used). */
  delete(id: string): Promise<boolean>;
  /**
   * Sets a mark field (see `TableOptions.marks`) unless it is set: `won` for exactly one of several
   * concurrent callers, and the record as it is now (with the winner's mark). Undefined: no such record.
   */
  mark<K extends keyof V & string>(
    id: string,
    field: K,
    value: NonNullable<V[K]>,
  ): Promise<{ value: V; won: boolean } | undefined>;
  /**
   * Adds `delta` to a counter field (see `TableOptions.counters`; unset counts as 0), atomically: concurrent
   * counts on any replica all add up. The new value; undefined when there is no such record.
   */
  count<K extends keyof V & string>(id: string, field: K, delta: number): Promise<number | undefined>;
  /** Every record, least recently written first. */
  values(): Promise<V[]>;
  /** Drops what died (plus `retainMs`) by `nowMs`, and what `alsoDead` picks; how many. */
  sweep(nowMs: number, alsoDead?: (value: V, id: string) => boolean): Promise<number>;
  readonly options: TableOptions<V>;
}

/** One named value of a session's provider state: an auto-login switch, a session's signing keys. */
export interface StoreValue<V> {
  get(): Promise<V | undefined>;
  set(value: V): Promise<void>;
  delete(): Promise<void>;
}

/** What every request reads of its session first, in one round trip. */
export interface SessionMeta {
  /** How far the session's clock is ahead of the server's, in ms. */
  clockOffsetMs: number;
  /** The providers whose default fixtures the session holds already. */
  seeded: ReadonlySet<string>;
  /** How many fault rules the session has (the size of its FAULT_TABLE; none: the fault step costs nothing). */
  faultRules: number;
}

/** What a table's scope and name may be (they are parts of key names in Redis): checked by both stores. */
const TABLE_NAME = /^[A-Za-z0-9_.~/-]{1,100}$/;

/** Throws when a table's scope or name could not be part of a key. */
export function checkTableName(scope: string, name: string): void {
  if (!TABLE_NAME.test(scope) || !TABLE_NAME.test(name)) {
    throw new Error(`A table's scope and name are 1 to 100 letters, digits and _ . ~ / -: not "${scope}/${name}".`);
  }
}

/**
 * A table's options checked (a capacity of at least 1), and the fields stored beside its records: its marks
 * and counters, which only `mark` and `count` write. Both stores begin a table with it.
 */
export function tableFields<V>(options: TableOptions<V>): readonly string[] {
  if (!Number.isSafeInteger(options.capacity) || options.capacity < 1) {
    throw new RangeError(`${options.name}: capacity must be an integer >= 1, got ${String(options.capacity)}.`);
  }
  return [...(options.marks ?? []), ...(options.counters ?? [])];
}

/** Throws unless `field` is one of the table's marks (or, `counter`, its counters). */
export function checkField<V>(options: TableOptions<V>, field: string, kind: 'mark' | 'counter'): void {
  const fields: readonly string[] = (kind === 'mark' ? options.marks : options.counters) ?? [];
  if (!fields.includes(field)) throw new Error(`${options.name}: ${field} is not a ${kind}.`);
}

/** Where the core keeps a session's fault rules: the store counts them for every request's meta. */
export const FAULT_TABLE = { scope: '~core', name: 'faults' } as const;

/** A fixture collection's default items, as the session starts with them. */
export interface SeedCollection {
  table: string;
  items: [id: string, item: Stored][];
}

/** The store could not be reached or answered an error: the request is answered 503. */
export class StoreUnavailableError extends Error {
  constructor(
    readonly store: string,
    cause: unknown,
  ) {
    super(`The state store (${store}) is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = 'StoreUnavailableError';
  }
}

export interface StateStore {
  readonly kind: 'memory' | 'redis';
  /** For the banner and `/__mock/health`: `memory`, or the Redis URL without its password. */
  readonly location: string;
  /** Whether the store answers now (Redis: a PING), and why not. */
  health(): Promise<{ reachable: boolean; error?: string }>;

  /** The session's clock offset, seeded providers and fault-rule count, in one read (creating nothing). */
  openSession(sessionId: string): Promise<SessionMeta>;
  /**
   * Writes a provider's default fixtures into a session unless it holds them already (one replica wins;
   * the rest see them once it has); whether this call wrote them.
   */
  seed(sessionId: string, provider: string, collections: SeedCollection[]): Promise<boolean>;
  /** Moves the session's clock on by `ms`; the new offset. */
  advanceClock(sessionId: string, ms: number): Promise<number>;

  /** A table of one session's state: `scope` is the provider's name (or `~core`), `name` the table's. */
  table<V>(sessionId: string, scope: string, name: string, options: TableOptions<V>): StoreTable<V>;
  value<V>(sessionId: string, scope: string, name: string): StoreValue<V>;

  /**
   * A value shared by the whole deployment and kept across restarts (the B2COPY server signing key): the
   * stored one, or — when there is none yet — what `create` makes, stored; concurrent first calls on
   * several replicas all get the one that was stored first.
   */
  shared<V>(name: string, create: () => Promise<V>): Promise<V>;

  /**
   * The journal of recent requests (`journalSize` entries): this process's in memory, the deployment's in
   * Redis, where each replica's event stream carries every replica's entries. Made once per app.
   */
  journal(capacity: number): RequestJournal;

  /** Back to the defaults: one session, or every session. */
  clear(sessionId?: string): Promise<void>;
  /**
   * This process no longer holds the session (more sessions than `maxSessions`): the memory store drops
   * it, its only copy; the Redis store keeps it for the other replicas (its key expiry collects it).
   */
  forget(sessionId: string): void;
  close(): Promise<void>;
}
