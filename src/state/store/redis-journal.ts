/**
 * The journal in Redis: one journal for every replica sharing the store. The entries of one turn of the
 * event loop are recorded by one Lua script (not awaited: an answer never waits for the journal), which
 * numbers them across replicas, keeps the newest `journalSize` entries and the exchanges of the newest
 * EXCHANGES_KEPT, and publishes each entry; each replica's event stream subscribes to that channel, so a
 * reader of `/__mock/events` on one replica sees the requests every replica answers.
 *
 * Keys, under the store's prefix: `journal:seq` (the last id), `journal:ids` (newest first), `journal:entries`
 * and `journal:exchanges` (hashes by id), `journal:xids` (the ids whose exchange is kept, newest first); the
 * channel is `{prefix}journal`.
 */
import {
  EXCHANGES_KEPT,
  entryOf,
  type MaskedExchange,
  type JournalEntry,
  type JournalFilter,
  type JournalFind,
  type JournalRecord,
  type RequestJournal,
} from '../journal.ts';
import { maskedRequest, maskedResponse } from '../../inspector/mask-exchange.ts';

export const JOURNAL_SCRIPTS = {
  /**
   * KEYS: seq, ids, entries, xids, exchanges. ARGV: capacity, kept, channel, then per entry its JSON without
   * id and its exchange's JSON (or ''). Numbers, keeps, trims and publishes each; returns how many.
   */
  journalRecord: `
local capacity, kept = tonumber(ARGV[1]), tonumber(ARGV[2])
for a = 4, #ARGV, 2 do
  local id = tostring(redis.call('INCR', KEYS[1]))
  local entry = '{"id":"' .. id .. '",' .. string.sub(ARGV[a], 2)
  redis.call('LPUSH', KEYS[2], id)
  redis.call('HSET', KEYS[3], id, entry)
  if ARGV[a + 1] ~= '' then
    redis.call('LPUSH', KEYS[4], id)
    redis.call('HSET', KEYS[5], id, ARGV[a + 1])
  end
  redis.call('PUBLISH', ARGV[3], entry)
end
while redis.call('LLEN', KEYS[2]) > capacity do
  local old = redis.call('RPOP', KEYS[2])
  redis.call('HDEL', KEYS[3], old)
  redis.call('HDEL', KEYS[5], old)
end
while redis.call('LLEN', KEYS[4]) > kept do redis.call('HDEL', KEYS[5], redis.call('RPOP', KEYS[4])) end
return (#ARGV - 3) / 2`,
  /** KEYS: ids, entries. ARGV: how many. The newest entries' JSON, newest first. */
  journalRecent: `
local out = {}
for i, id in ipairs(redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)) do
  out[i] = redis.call('HGET', KEYS[2], id) or ''
end
return out`,
} as const;

export type JournalScript = keyof typeof JOURNAL_SCRIPTS;

/** What the journal needs of the Redis store. */
export interface JournalRedis {
  prefix: string;
  command<T>(args: string[]): Promise<T>;
  script<T>(name: JournalScript, keys: string[], args: (string | number)[]): Promise<T>;
  /** Subscribes a connection of its own to `channel` (in the background); returns what closes it. */
  subscribe(channel: string, onMessage: (message: string) => void): () => void;
}

export class RedisJournal implements RequestJournal {
  readonly #listeners = new Set<(entry: JournalEntry, json: string) => void>();
  readonly #keys: { seq: string; ids: string; entries: string; xids: string; exchanges: string; channel: string };
  /** Closes the subscription's connection, once the first reader made it. */
  #unsubscribe?: () => void;
  /** Entries recorded this turn and not yet sent: entry JSON, exchange JSON, ... */
  #pending: string[] = [];

  constructor(
    private readonly redis: JournalRedis,
    private readonly capacity: number,
  ) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`journalSize must be an integer >= 1, got ${String(capacity)}.`);
    }
    const key = (name: string) => `${redis.prefix}journal:${name}`;
    this.#keys = {
      seq: key('seq'),
      ids: key('ids'),
      entries: key('entries'),
      xids: key('xids'),
      exchanges: key('exchanges'),
      channel: `${redis.prefix}journal`,
    };
  }

  record(record: JournalRecord): void {
    const { exchange, ...rest } = record;
    const { id: _id, ...entry } = entryOf({ ...rest, id: '' });
    // Masked before it leaves the process: a Redis the team shares holds no password or client secret.
    const masked: MaskedExchange | undefined = exchange && {
      masked: true,
      request: maskedRequest(exchange.request),
      ...(exchange.response ? { response: maskedResponse(exchange.response) } : {}),
    };
    this.#pending.push(JSON.stringify(entry), masked ? JSON.stringify(masked) : '');
    // Sent once per turn of the event loop, however many answers it finished: one script call for all.
    if (this.#pending.length === 2) setImmediate(() => this.#flush());
  }

  #flush(): void {
    const batch = this.#pending;
    this.#pending = [];
    const { seq, ids, entries, xids, exchanges, channel } = this.#keys;
    // Not awaited, and a failure dropped: while Redis is away the requests are answered 503 anyway, and
    // the store has said so in the log.
    void this.redis
      .script('journalRecord', [seq, ids, entries, xids, exchanges], [this.capacity, EXCHANGES_KEPT, channel, ...batch])
      .catch(() => {});
  }

  subscribe(listener: (entry: JournalEntry, json: string) => void): () => void {
    this.#listeners.add(listener);
    // One subscription per process, made for the first reader and kept: readers come and go.
    this.#unsubscribe ??= this.redis.subscribe(this.#keys.channel, (json) => {
      let entry: JournalEntry;
      try {
        entry = JSON.parse(json) as JournalEntry;
      } catch {
        return;
      }
      for (const each of this.#listeners) each(entry, json);
    });
    return () => this.#listeners.delete(listener);
  }

  async get(id: string): Promise<JournalFind> {
    if (!/^\d{1,16}$/.test(id)) return undefined;
    const [entry, exchange] = await Promise.all([
      this.redis.command<string | null>(['HGET', this.#keys.entries, id]),
      this.redis.command<string | null>(['HGET', this.#keys.exchanges, id]),
    ]);
    if (entry === null) return undefined;
    return {
      entry: JSON.parse(entry) as JournalEntry,
      ...(exchange !== null ? { exchange: JSON.parse(exchange) as MaskedExchange } : {}),
    };
  }

  async recent(filter: JournalFilter = {}): Promise<JournalEntry[]> {
    const limit = filter.limit ?? 100;
    const all = await this.redis.script<string[]>(
      'journalRecent',
      [this.#keys.ids, this.#keys.entries],
      [this.capacity],
    );
    const found: JournalEntry[] = [];
    for (const json of all) {
      if (found.length >= limit) break;
      if (json === '') continue;
      const entry = JSON.parse(json) as JournalEntry;
      if (filter.session && entry.session !== filter.session) continue;
      if (filter.provider && entry.provider !== filter.provider) continue;
      found.push(entry);
    }
    return found;
  }

  /** Closes the subscription's connection, whatever its state (connected, or still trying). */
  close(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }
}
