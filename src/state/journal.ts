/** The recent requests, newest last, in a bounded ring: what `GET /__mock/journal` and the index page show. */
import type { ValidationIssue } from '../errors.ts';

export interface JournalEntry {
  time: string;
  session: string;
  provider?: string;
  operationId?: string;
  page?: string;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  /** Request violations (4xx) or response violations (the mock's own 500). */
  validationErrors?: ValidationIssue[];
}

export class Journal {
  readonly #entries: JournalEntry[] = [];

  constructor(private readonly capacity = 500) {}

  record(entry: JournalEntry): void {
    this.#entries.push(entry);
    if (this.#entries.length > this.capacity) this.#entries.splice(0, this.#entries.length - this.capacity);
  }

  /** Newest first. */
  recent(filter: { session?: string; provider?: string; limit?: number } = {}): JournalEntry[] {
    const matches = this.#entries.filter(
      (entry) =>
        (!filter.session || entry.session === filter.session) &&
        (!filter.provider || entry.provider === filter.provider),
    );
    return matches.slice(-(filter.limit ?? 100)).reverse();
  }
}
