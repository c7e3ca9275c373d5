/**
 * The recent requests in a bounded ring: what `GET /__mock/journal`, `GET /__mock/journal/{id}`, the event
 * stream (`GET /__mock/events`) and the inspector show. A provider request's record keeps its exchange
 * (request and answer) by reference, as the request path had them: nothing is copied or formatted until
 * someone reads it, and the ring's size bounds what is kept.
 */
import type { ValidationIssue } from '../errors.ts';

export interface JournalEntry {
  /** The entry's id, for `GET /__mock/journal/{id}`: increasing, unique for the server's life. */
  id: string;
  /** When the answer was sent, ISO 8601. */
  time: string;
  session: string;
  provider?: string;
  operationId?: string;
  page?: string;
  /** A plugin control route that changed the session, e.g. `auto-login`. */
  control?: string;
  method: string;
  path: string;
  /** 0 when no answer was sent (a fault rule reset the connection or holds it). */
  status: number;
  /** The id of the fault rule that answered (`/__mock/faults`). */
  fault?: string;
  durationMs: number;
  /** Request violations (4xx) or response violations (the mock's own 500). */
  validationErrors?: ValidationIssue[];
}

/** The exchange behind an entry, as sent and answered (bodies as text or the answer's value). */
export interface Exchange {
  request: { method: string; url: string; headers: Record<string, string | string[] | undefined>; body?: string };
  response?: { status: number; headers: Record<string, string>; contentType?: string; body?: unknown };
}

/** What the request path records: the entry, with its time as a number (formatted only when read). */
export type JournalRecord = Omit<JournalEntry, 'time' | 'id'> &
  ({ time: string } | { atMs: number }) & {
    exchange?: Exchange;
  };

/** How many of the newest entries keep their whole exchange (the rest keep the entry alone). */
export const EXCHANGES_KEPT = 100;

/** A record as kept: with its id. */
type Kept = JournalRecord & { id: string };

/** An exchange with its secrets masked before it was stored (the Redis journal keeps no secret). */
export interface MaskedExchange {
  masked: true;
  request: { method: string; url: string; headers: Record<string, string>; body?: unknown };
  response?: { status: number; headers: Record<string, string>; contentType?: string; body?: unknown };
}

/** What `GET /__mock/journal/{id}` reads: the entry, and its exchange while it is kept. */
export type JournalFind = { entry: JournalEntry; exchange?: Exchange | MaskedExchange } | undefined;

/**
 * The journal as the app uses it, in this process's memory (`Journal`, below) or in the Redis store, where
 * every replica records into one journal and each replica's event stream sees every replica's entries.
 * Recording never waits: the request path calls it on every provider request.
 */
export interface RequestJournal {
  record(entry: JournalRecord): void;
  /** Calls `listener` with each entry recorded from now on; the returned function stops it. */
  subscribe(listener: (entry: JournalEntry, json: string) => void): () => void;
  get(id: string): JournalFind | Promise<JournalFind>;
  recent(filter?: JournalFilter): JournalEntry[] | Promise<JournalEntry[]>;
}

export interface JournalFilter {
  session?: string;
  provider?: string;
  limit?: number;
}

export class Journal implements RequestJournal {
  /** A ring: `#next` is where the next entry goes, overwriting the oldest once full. */
  readonly #entries: (Kept | undefined)[];
  #next = 0;
  #lastId = 0;
  /** Who watches the journal live (the event stream's clients); none, and recording costs nothing more. */
  readonly #listeners = new Set<(entry: JournalEntry, json: string) => void>();

  constructor(private readonly capacity = 500) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`journalSize must be an integer >= 1, got ${String(capacity)}.`);
    }
    this.#entries = new Array<Kept | undefined>(capacity);
  }

  /** Constant time: the request path writes here on every provider request. */
  record(entry: JournalRecord): void {
    this.#lastId += 1;
    const kept = Object.assign(entry, { id: String(this.#lastId) }) as Kept;
    this.#entries[this.#next] = kept;
    // Only the newest entries keep their exchange: under load an exchange then dies young, instead of
    // piling up in the old generation until a full collection (the soak's RSS sawtooth).
    if (this.capacity > EXCHANGES_KEPT) {
      delete this.#entries[(this.#next - EXCHANGES_KEPT + this.capacity) % this.capacity]?.exchange;
    }
    this.#next = (this.#next + 1) % this.capacity;
    if (this.#listeners.size) {
      // Formatted and serialised once, however many listen.
      const formatted = entryOf(kept);
      const json = JSON.stringify(formatted);
      for (const listener of this.#listeners) listener(formatted, json);
    }
  }

  /** Calls `listener` with each entry recorded from now on; the returned function stops it. */
  subscribe(listener: (entry: JournalEntry, json: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** An entry still in the ring, with its exchange; undefined once it has been overwritten. */
  get(id: string): JournalFind {
    // Entry n went to slot (n - 1) mod capacity: one look, no scan.
    const n = Number(id);
    if (!Number.isSafeInteger(n) || n < 1) return undefined;
    const kept = this.#entries[(n - 1) % this.capacity];
    if (kept?.id !== id) return undefined;
    return { entry: entryOf(kept), ...(kept.exchange ? { exchange: kept.exchange } : {}) };
  }

  /** Newest first; `limit` (default 100) counts what matches the filter. */
  recent(filter: JournalFilter = {}): JournalEntry[] {
    const limit = filter.limit ?? 100;
    const found: JournalEntry[] = [];
    for (let step = 1; step <= this.capacity && found.length < limit; step++) {
      const entry = this.#entries[(this.#next - step + this.capacity) % this.capacity];
      if (!entry) break;
      if (filter.session && entry.session !== filter.session) continue;
      if (filter.provider && entry.provider !== filter.provider) continue;
      found.push(entryOf(entry));
    }
    return found;
  }
}

/** A record as readers see it: the time formatted, the exchange left out. */
export function entryOf(kept: Kept): JournalEntry {
  const { exchange: _exchange, ...rest } = kept;
  if ('time' in rest) return rest as JournalEntry;
  const { atMs, ...others } = rest as typeof rest & { atMs: number };
  return { time: new Date(atMs).toISOString(), ...others } as JournalEntry;
}
