/**
 * A session's map of things that expire — codes, tokens, pending forms, authorizations — bounded
 * whatever the traffic:
 *  - at most `capacity` entries: adding one more evicts the oldest (insertion order), and the eviction
 *    is reported through `onEvict` (the core logs it, at most once per session per minute);
 *  - entries whose expiry (plus `retainMs`, for things remembered a while after they die, such as a code
 *    whose reuse must still revoke its token) has passed on the session's clock are removed by `sweep`,
 *    which the core runs for every ExpiringMap in a plugin's state as the session's clock moves.
 * Expiry itself is always checked by the plugin when it reads an entry; sweeping only frees memory.
 */
export interface ExpiringMapOptions<V, K = unknown> {
  /** What it holds, for the eviction log: `tokens`, `pending logins`. */
  name: string;
  capacity: number;
  /** When an entry dies, in ms on the session's clock. */
  expiresAtMs(value: V): number;
  /** How long a dead entry is kept before sweeping may remove it. Default 0. */
  retainMs?: number;
  /** Told how many entries were evicted to make room. */
  onEvict?(name: string, count: number): void;
  /**
   * Told each entry evicted to make room, to undo what it protected: a spent code whose replay could no
   * longer be detected revokes the tokens it gave, for one. (Not called for entries that expired.)
   */
  onEvicted?(value: V, key: K): void;
}

/** Marks an ExpiringMap whichever copy of partnermock made it (a plugin loaded through tsx imports its own). */
const EXPIRING_MAP = Symbol.for('partnermock.ExpiringMap');

export class ExpiringMap<K, V> implements Iterable<[K, V]> {
  static [Symbol.hasInstance](value: unknown): boolean {
    if (this !== ExpiringMap) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[EXPIRING_MAP] === true;
  }

  readonly [EXPIRING_MAP] = true;
  readonly #entries = new Map<K, V>();

  constructor(readonly options: ExpiringMapOptions<V, K>) {
    if (!Number.isSafeInteger(options.capacity) || options.capacity < 1) {
      throw new RangeError(`${options.name}: capacity must be an integer >= 1, got ${String(options.capacity)}.`);
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: K): V | undefined {
    return this.#entries.get(key);
  }

  has(key: K): boolean {
    return this.#entries.has(key);
  }

  /** Adds or replaces; past the capacity the oldest entries make room. */
  set(key: K, value: V): this {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    let evicted = 0;
    for (const [oldest, value] of this.#entries) {
      if (this.#entries.size <= this.options.capacity) break;
      this.#entries.delete(oldest);
      this.options.onEvicted?.(value, oldest);
      evicted += 1;
    }
    if (evicted) this.options.onEvict?.(this.options.name, evicted);
    return this;
  }

  delete(key: K): boolean {
    return this.#entries.delete(key);
  }

  values(): IterableIterator<V> {
    return this.#entries.values();
  }

  keys(): IterableIterator<K> {
    return this.#entries.keys();
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.#entries.entries();
  }

  /** Removes what died (plus `retainMs`) by `nowMs`, and what `alsoDead` picks; returns how many. */
  sweep(nowMs: number, alsoDead?: (value: V, key: K) => boolean): number {
    const retain = this.options.retainMs ?? 0;
    let removed = 0;
    for (const [key, value] of this.#entries) {
      if (this.options.expiresAtMs(value) + retain <= nowMs || alsoDead?.(value, key)) {
        this.#entries.delete(key);
        removed += 1;
      }
    }
    return removed;
  }
}
