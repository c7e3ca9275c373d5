/** The recent requests in a bounded ring: what `GET /__mock/journal` and the index page show. */
import type { ValidationIssue } from '../errors.ts';

export interface JournalEntry {
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

/** What the request path records: the entry, with its time as a number (formatted only when read). */
export type JournalRecord = Omit<JournalEntry, 'time'> & ({ time: string } | { atMs: number });

export class Journal {
  /** A ring: `#next` is where the next entry goes, overwriting the oldest once full. */
  readonly #entries: (JournalRecord | undefined)[];
  #next = 0;

  constructor(private readonly capacity = 500) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`journalSize must be an integer >= 1, got ${String(capacity)}.`);
    }
    this.#entries = new Array<JournalRecord | undefined>(capacity);
  }

  /** Constant time: the request path writes here on every provider request. */
  record(entry: JournalRecord): void {
    this.#entries[this.#next] = entry;
    this.#next = (this.#next + 1) % this.capacity;
  }

  /** Newest first; `limit` (default 100) counts what matches the filter. */
  recent(filter: { session?: string; provider?: string; limit?: number } = {}): JournalEntry[] {
    const limit = filter.limit ?? 100;
    const found: JournalEntry[] = [];
    for (let step = 1; step <= this.capacity && found.length < limit; step++) {
      const entry = this.#entries[(this.#next - step + this.capacity) % this.capacity];
      if (!entry) break;
      if (filter.session && entry.session !== filter.session) continue;
      if (filter.provider && entry.provider !== filter.provider) continue;
      if ('time' in entry) found.push(entry);
      else {
        const { atMs, ...rest } = entry;
        found.push({ time: new Date(atMs).toISOString(), ...rest });
      }
    }
    return found;
  }
}
