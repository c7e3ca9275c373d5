/**
 * The Redis store (`--store redis://host:6379/0`): several replicas share one state, and a restart loses
 * nothing. Built on node-redis (`@redis/client`), which pipelines the commands of concurrent requests into
 * one write and, with `disableOfflineQueue`, fails a command at once while Redis is unreachable instead of
 * queueing it; every command also has a timeout, so a stalled Redis is a 503 too, never a hung request.
 *
 * Keys, under the prefix (`--store-prefix`, default `partnermock:`). `|` separates the parts: a session id
 * cannot contain it (sessions.ts), so no session's keys can be another's.
 *   sessions                       set of session ids with keys (what a reset of every session clears)
 *   s|{session}                    hash: `clock` (offset ms), `seeded:{provider}`
 *   s|{session}|keys               set of the session's table and value keys (what its reset clears)
 *   s|{session}|t|{scope}/{name}   hash: `r{id}` → the record's JSON, `m{mark}|{id}` → a mark's or counter's
 *                                  JSON, `#seq` → the write counter; field names never collide, whatever
 *                                  an id holds
 *   s|{session}|t|…|order          sorted set: record ids by their last write (capacity evicts the lowest)
 *   s|{session}|v                  hash: `{scope}/{name}` → JSON (single values)
 *   shared|{name}                  string: a deployment-wide value (the B2COPY signing key)
 * Every session key expires `SESSION_TTL_MS` after the session was last used, as garbage collection only:
 * whether a code or token is expired is decided from the times stored in it, on the session's clock.
 *
 * Each operation is one round trip: one command, or one Lua script where several commands must be one
 * atomic step (a capacity-bounded write, a mark set once, a fixture seed). Scripts touch only the session's
 * own keys; the store is for a single Redis server (or a primary with replicas), not Redis Cluster.
 */
import { createHash } from 'node:crypto';
import { createClient, ErrorReply } from '@redis/client';
import {
  checkField,
  checkTableName,
  tableFields,
  FAULT_TABLE,
  StoreUnavailableError,
  type SeedCollection,
  type SessionMeta,
  type StateStore,
  type StoreTable,
  type StoreValue,
  type TableOptions,
} from './store.ts';
import { redactUrl } from './open-store.ts';
import { JOURNAL_SCRIPTS, RedisJournal, type JournalScript } from './redis-journal.ts';

/** A session's keys outlive its last use by this much (thirty days), then Redis collects them. */
const SESSION_TTL_MS = 30 * 24 * 3600 * 1000;
/** A session's keys have their expiry pushed back at most this often per process. */
const TOUCH_EVERY_MS = 10 * 60 * 1000;
/** Sessions whose last touch a process remembers; past it the oldest is forgotten (and touched again). */
const TOUCHES_KEPT = 10_000;
/** How long one command may take before the request is answered 503 (a stalled or unreachable Redis). */
const COMMAND_TIMEOUT_MS = 3000;

export interface RedisStoreOptions {
  url: string;
  prefix: string;
  /** How the store reports losing and regaining Redis (a line each, not one per failed request). */
  log(level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>): void;
  /** How long the first connection may take before the server refuses to start. Default 5 s. */
  connectTimeoutMs?: number;
}

const SCRIPTS = {
  /** KEYS: meta, the faults table's order. Returns {HGETALL meta, the fault-rule count}. */
  open: `return {redis.call('HGETALL', KEYS[1]), redis.call('ZCARD', KEYS[2])}`,
  /**
   * KEYS: table, order, session keys set, sessions set. ARGV: id, json, capacity, ttl, session id, mode
   * (`set`: the newest | `replace`: where it stands | `add`: only if new), then the mark and counter names.
   * Returns false when `add` found the id taken, else the evicted records as a flat list: id, json, then
   * one value per mark (false when unset), for each.
   */
  write: `
local id, field = ARGV[1], 'r' .. ARGV[1]
if ARGV[6] == 'add' then
  if redis.call('HSETNX', KEYS[1], field, ARGV[2]) == 0 then return false end
else
  redis.call('HSET', KEYS[1], field, ARGV[2])
end
if ARGV[6] ~= 'replace' or not redis.call('ZSCORE', KEYS[2], id) then
  redis.call('ZADD', KEYS[2], redis.call('HINCRBY', KEYS[1], '#seq', 1), id)
end
local evicted = {}
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[3])
if over > 0 then
  for _, old in ipairs(redis.call('ZRANGE', KEYS[2], 0, over - 1)) do
    local fields = {'r' .. old}
    for i = 7, #ARGV do fields[#fields + 1] = 'm' .. ARGV[i] .. '|' .. old end
    evicted[#evicted + 1] = old
    for _, value in ipairs(redis.call('HMGET', KEYS[1], unpack(fields))) do evicted[#evicted + 1] = value end
    redis.call('HDEL', KEYS[1], unpack(fields))
  end
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, over - 1)
end
-- A key just made has no expiry yet: it gets one and joins its session's keys (a session in use has its
-- keys' expiry pushed back by touch, so a write need not).
if redis.call('PTTL', KEYS[1]) < 0 or redis.call('PTTL', KEYS[2]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
  redis.call('SADD', KEYS[3], KEYS[1], KEYS[2])
  redis.call('PEXPIRE', KEYS[3], ARGV[4])
  redis.call('SADD', KEYS[4], ARGV[5])
end
return evicted`,
  /** KEYS: table, order. ARGV: mark count, the marks, then ids. Returns how many records it removed. */
  remove: `
local marks = tonumber(ARGV[1])
local removed = 0
for i = marks + 2, #ARGV do
  local id = ARGV[i]
  if redis.call('HDEL', KEYS[1], 'r' .. id) == 1 then
    removed = removed + 1
    for m = 2, marks + 1 do redis.call('HDEL', KEYS[1], 'm' .. ARGV[m] .. '|' .. id) end
    redis.call('ZREM', KEYS[2], id)
  end
end
return removed`,
  /** KEYS: table. ARGV: id, mark, json, then every mark. Returns false (no record) or {json, won, marks…}. */
  mark: `
local record = redis.call('HGET', KEYS[1], 'r' .. ARGV[1])
if not record then return false end
local out = {record, redis.call('HSETNX', KEYS[1], 'm' .. ARGV[2] .. '|' .. ARGV[1], ARGV[3])}
for i = 4, #ARGV do out[#out + 1] = redis.call('HGET', KEYS[1], 'm' .. ARGV[i] .. '|' .. ARGV[1]) end
return out`,
  /** KEYS: table. ARGV: id, counter, delta. Returns false (no record) or the new count. */
  count: `
if redis.call('HEXISTS', KEYS[1], 'r' .. ARGV[1]) == 0 then return false end
return redis.call('HINCRBY', KEYS[1], 'm' .. ARGV[2] .. '|' .. ARGV[1], ARGV[3])`,
  /** KEYS: table, order. Returns {ids oldest first, HGETALL}. */
  values: `return {redis.call('ZRANGE', KEYS[2], 0, -1), redis.call('HGETALL', KEYS[1])}`,
  /**
   * KEYS: meta, session keys set, sessions set, then a table and its order per collection. ARGV: provider,
   * ttl, session id, then per collection its item count and id, json pairs. Returns 0 if already seeded.
   */
  seed: `
if redis.call('HSETNX', KEYS[1], 'seeded:' .. ARGV[1], '1') == 0 then return 0 end
local a = 4
for k = 4, #KEYS, 2 do
  local count = tonumber(ARGV[a])
  a = a + 1
  redis.call('DEL', KEYS[k], KEYS[k + 1])
  for i = 1, count do
    redis.call('HSET', KEYS[k], 'r' .. ARGV[a], ARGV[a + 1])
    redis.call('ZADD', KEYS[k + 1], i, ARGV[a])
    a = a + 2
  end
  redis.call('HSET', KEYS[k], '#seq', count)
  redis.call('PEXPIRE', KEYS[k], ARGV[2])
  redis.call('PEXPIRE', KEYS[k + 1], ARGV[2])
  redis.call('SADD', KEYS[2], KEYS[k], KEYS[k + 1])
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[3])
return 1`,
  /** KEYS: meta, session keys set, sessions set. ARGV: session id. Every key of the session goes. */
  clear: `
for _, key in ipairs(redis.call('SMEMBERS', KEYS[2])) do redis.call('UNLINK', key) end
redis.call('UNLINK', KEYS[1], KEYS[2])
redis.call('SREM', KEYS[3], ARGV[1])
return 1`,
  /** KEYS: meta, session keys set. ARGV: ttl. Pushes back the expiry of every key of the session. */
  touch: `
for _, key in ipairs(redis.call('SMEMBERS', KEYS[2])) do redis.call('PEXPIRE', key, ARGV[1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return 1`,
  /** KEYS: values hash, session keys set, sessions set. ARGV: field, json, ttl, session id. */
  setValue: `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('SADD', KEYS[2], KEYS[1])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('SADD', KEYS[3], ARGV[4])
return 1`,
  /** KEYS: meta, session keys set, sessions set. ARGV: field, delta, ttl, session id. Returns the new value. */
  increment: `
local value = redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('SADD', KEYS[3], ARGV[4])
return value`,
} as const;

type ScriptName = keyof typeof SCRIPTS | JournalScript;
const ALL_SCRIPTS: Record<ScriptName, string> = { ...SCRIPTS, ...JOURNAL_SCRIPTS };
const SHAS = Object.fromEntries(
  Object.entries(ALL_SCRIPTS).map(([name, source]) => [name, createHash('sha1').update(source).digest('hex')]),
) as Record<ScriptName, string>;

export class RedisStore implements StateStore {
  readonly kind = 'redis';
  readonly location: string;
  readonly #client: RedisClient;
  readonly #prefix: string;
  readonly #touched = new Map<string, number>();
  readonly #journals: RedisJournal[] = [];
  /** Why Redis is unreachable, from its first failure to its next `ready`; undefined while it answers. */
  #down: string | undefined;
  /** The last refusal logged, so a refusing Redis is logged once a minute, not once a request. */
  #lastRefusal = { message: '', atMs: 0 };
  readonly #log: RedisStoreOptions['log'];

  private constructor(client: RedisClient, options: RedisStoreOptions) {
    this.#client = client;
    this.#prefix = options.prefix;
    this.#log = options.log;
    this.location = redactUrl(options.url);
  }

  /**
   * Connects, or throws a clear error naming the URL (without its password): when Redis does not answer in
   * time, or refuses the connection's first commands (a wrong password, a database that does not exist).
   */
  static async connect(options: RedisStoreOptions): Promise<RedisStore> {
    const timeoutMs = options.connectTimeoutMs ?? 5000;
    const client = newClient(options.url, timeoutMs);
    const store = new RedisStore(client, options);
    let started = false;
    let firstFailure: ((error: Error) => void) | undefined;
    client.on('error', (error: Error) => {
      // Before the first connection, a failure is the start's to report (below), not an outage.
      if (!started) return firstFailure?.(error);
      if (store.#down !== undefined) return;
      store.#down = error.message || error.name;
      options.log('error', 'state store unreachable: requests that need state are answered 503 until it is back', {
        store: store.location,
        error: store.#down,
      });
    });
    client.on('ready', () => {
      if (store.#down === undefined) return;
      store.#down = undefined;
      options.log('info', 'state store reachable again', { store: store.location });
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.connect(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          // A refusal (AUTH, SELECT) fails at once rather than being retried until the timeout.
          firstFailure = (error) => {
            if (error instanceof ErrorReply) reject(error);
          };
        }),
      ]);
    } catch (error) {
      client.destroy();
      throw new Error(
        `Cannot reach the Redis store at ${store.location}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    } finally {
      clearTimeout(timer);
    }
    started = true;
    return store;
  }

  async health(): Promise<{ reachable: boolean; error?: string }> {
    try {
      await this.#command(['PING']);
      return { reachable: true };
    } catch (error) {
      return { reachable: false, error: this.#down ?? (error instanceof Error ? error.message : String(error)) };
    }
  }

  // ---- keys

  #session(sessionId: string): string {
    return `${this.#prefix}s|${sessionId}`;
  }
  #keys(sessionId: string): string {
    return `${this.#session(sessionId)}|keys`;
  }
  get #sessions(): string {
    return `${this.#prefix}sessions`;
  }
  #table(sessionId: string, scope: string, name: string): string {
    checkTableName(scope, name);
    return `${this.#session(sessionId)}|t|${scope}/${name}`;
  }

  // ---- commands

  async #command<T>(args: string[]): Promise<T> {
    try {
      return await this.#client.sendCommand<T>(args, { timeout: COMMAND_TIMEOUT_MS });
    } catch (error) {
      throw this.#failure(error);
    }
  }

  /** EVALSHA, loading the script on first use (a NOSCRIPT answer after a Redis restart loads it again). */
  async #script<T>(name: ScriptName, keys: string[], args: (string | number)[]): Promise<T> {
    const tail = [String(keys.length), ...keys, ...args.map(String)];
    try {
      return await this.#client.sendCommand<T>(['EVALSHA', SHAS[name], ...tail], { timeout: COMMAND_TIMEOUT_MS });
    } catch (error) {
      if (!(error instanceof ErrorReply && error.message.startsWith('NOSCRIPT'))) throw this.#failure(error);
    }
    return this.#command<T>(['EVAL', ALL_SCRIPTS[name], ...tail]);
  }

  /**
   * Whatever Redis did not do — unreachable, timed out, out of memory, a password changed, read-only after a
   * failover, a script it refused — the request cannot be answered now: 503. A lost connection is logged by
   * the client's error event; a refusal Redis answered is logged here, once a minute per message, since
   * `/__mock/health` (a PING) would not show it.
   */
  #failure(error: unknown): StoreUnavailableError {
    if (error instanceof ErrorReply) {
      const now = Date.now();
      if (error.message !== this.#lastRefusal.message || now - this.#lastRefusal.atMs > 60_000) {
        this.#lastRefusal = { message: error.message, atMs: now };
        this.#log('error', 'state store refused a command: requests are answered 503', {
          store: this.location,
          error: error.message,
        });
      }
    }
    return new StoreUnavailableError(this.location, error);
  }

  // ---- sessions

  async openSession(sessionId: string): Promise<SessionMeta> {
    const faults = this.#table(sessionId, FAULT_TABLE.scope, FAULT_TABLE.name);
    const [fields, faultRules] = await this.#script<[string[], number]>(
      'open',
      [this.#session(sessionId), `${faults}|order`],
      [],
    );
    const seeded = new Set<string>();
    let clockOffsetMs = 0;
    for (let i = 0; i < fields.length; i += 2) {
      const [field, value] = [fields[i]!, fields[i + 1]!];
      if (field === 'clock') clockOffsetMs = Number(value);
      else if (field.startsWith('seeded:')) seeded.add(field.slice('seeded:'.length));
    }
    if (fields.length > 0) this.#touch(sessionId);
    return { clockOffsetMs, seeded, faultRules };
  }

  /** Pushes back the expiry of a session in use, at most once per TOUCH_EVERY_MS per process. */
  #touch(sessionId: string): void {
    const now = Date.now();
    const last = this.#touched.get(sessionId);
    if (last !== undefined && now - last < TOUCH_EVERY_MS) return;
    this.#touched.delete(sessionId);
    this.#touched.set(sessionId, now);
    if (this.#touched.size > TOUCHES_KEPT) this.#touched.delete(this.#touched.keys().next().value!);
    // Not awaited: the request need not wait for garbage collection's bookkeeping; a failure is harmless.
    this.#script('touch', [this.#session(sessionId), this.#keys(sessionId)], [SESSION_TTL_MS]).catch(() => {});
  }

  async seed(sessionId: string, provider: string, collections: SeedCollection[]): Promise<boolean> {
    const keys = [this.#session(sessionId), this.#keys(sessionId), this.#sessions];
    const args: (string | number)[] = [provider, SESSION_TTL_MS, sessionId];
    for (const { table, items } of collections) {
      const key = this.#table(sessionId, provider, table);
      keys.push(key, `${key}|order`);
      args.push(items.length);
      for (const [id, item] of items) args.push(id, JSON.stringify(item));
    }
    return (await this.#script<number>('seed', keys, args)) === 1;
  }

  advanceClock(sessionId: string, ms: number): Promise<number> {
    return this.#script<number>(
      'increment',
      [this.#session(sessionId), this.#keys(sessionId), this.#sessions],
      ['clock', Math.round(ms), SESSION_TTL_MS, sessionId],
    );
  }

  table<V>(sessionId: string, scope: string, name: string, options: TableOptions<V>): StoreTable<V> {
    const key = this.#table(sessionId, scope, name);
    return new RedisTable<V>(
      {
        command: (args) => this.#command(args),
        script: (script, keys, args) => this.#script(script, keys, args),
      },
      { key, order: `${key}|order`, sessionKeys: this.#keys(sessionId), sessions: this.#sessions, sessionId },
      options,
    );
  }

  value<V>(sessionId: string, scope: string, name: string): StoreValue<V> {
    const key = `${this.#session(sessionId)}|v`;
    const field = `${scope}/${name}`;
    return {
      get: async () => parse<V>(await this.#command<string | null>(['HGET', key, field])),
      set: async (value) => {
        await this.#script(
          'setValue',
          [key, this.#keys(sessionId), this.#sessions],
          [field, JSON.stringify(value), SESSION_TTL_MS, sessionId],
        );
      },
      delete: async () => {
        await this.#command(['HDEL', key, field]);
      },
    };
  }

  async shared<V>(name: string, create: () => Promise<V>): Promise<V> {
    const key = `${this.#prefix}shared|${name}`;
    const stored = parse<V>(await this.#command<string | null>(['GET', key]));
    if (stored !== undefined) return stored;
    const made = await create();
    // NX: of replicas starting together, the first write wins, and every one of them reads that. (Once per
    // process: SET NX GET would save the read, but needs Redis 7.)
    await this.#command(['SET', key, JSON.stringify(made), 'NX']);
    return parse<V>(await this.#command<string | null>(['GET', key])) ?? made;
  }

  journal(capacity: number): RedisJournal {
    const journal = new RedisJournal(
      {
        prefix: this.#prefix,
        command: (args) => this.#command(args),
        script: (name, keys, args) => this.#script(name, keys, args),
        subscribe: (channel, onMessage) => {
          // A connection of its own: one in subscriber mode can send nothing else. It (re)connects in the
          // background and resubscribes after a reconnection by itself; its errors are the main
          // connection's to report. Closing it works in any state, connected or still trying.
          const subscriber = this.#client.duplicate();
          subscriber.on('error', () => {});
          subscriber
            .connect()
            .then(() => subscriber.subscribe(channel, onMessage))
            .catch(() => {});
          return () => subscriber.destroy();
        },
      },
      capacity,
    );
    this.#journals.push(journal);
    return journal;
  }

  async clear(sessionId?: string): Promise<void> {
    const ids = sessionId === undefined ? await this.#command<string[]>(['SMEMBERS', this.#sessions]) : [sessionId];
    await Promise.all(
      ids.map((id) => this.#script('clear', [this.#session(id), this.#keys(id), this.#sessions], [id])),
    );
  }

  forget(): void {
    // Nothing: the other replicas may be using the session, and its key expiry collects it when none is.
  }

  async close(): Promise<void> {
    for (const journal of this.#journals) journal.close();
    this.#client.destroy();
  }
}

interface TableKeys {
  key: string;
  order: string;
  sessionKeys: string;
  sessions: string;
  sessionId: string;
}

interface Commands {
  command<T>(args: string[]): Promise<T>;
  script<T>(name: ScriptName, keys: string[], args: (string | number)[]): Promise<T>;
}

class RedisTable<V> implements StoreTable<V> {
  /** The marks and counters: stored alike, beside the record (`m{field}|{id}`), and read back with it. */
  readonly #fields: readonly string[];

  constructor(
    private readonly redis: Commands,
    private readonly keys: TableKeys,
    readonly options: TableOptions<V>,
  ) {
    this.#fields = tableFields(options);
  }

  async get(id: string): Promise<V | undefined> {
    const fields = [`r${id}`, ...this.#fields.map((field) => `m${field}|${id}`)];
    const [json, ...marks] = await this.redis.command<(string | null)[]>(['HMGET', this.keys.key, ...fields]);
    return this.#record(json ?? null, marks);
  }

  async set(id: string, value: V): Promise<void> {
    await this.#write(id, value, 'set');
  }

  async replace(id: string, value: V): Promise<void> {
    await this.#write(id, value, 'replace');
  }

  add(id: string, value: V): Promise<boolean> {
    return this.#write(id, value, 'add');
  }

  async #write(id: string, value: V, mode: 'set' | 'replace' | 'add'): Promise<boolean> {
    const { key, order, sessionKeys, sessions, sessionId } = this.keys;
    const evicted = await this.redis.script<(string | null)[] | null>(
      'write',
      [key, order, sessionKeys, sessions],
      [
        id,
        JSON.stringify(this.#withoutFields(value)),
        this.options.capacity,
        SESSION_TTL_MS,
        sessionId,
        mode,
        ...this.#fields,
      ],
    );
    if (evicted === null) return false;
    const width = 2 + this.#fields.length;
    if (evicted.length > 0) {
      for (let i = 0; i < evicted.length; i += width) {
        const record = this.#record(evicted[i + 1] ?? null, evicted.slice(i + 2, i + width));
        if (record !== undefined) await this.options.onEvicted?.(record, evicted[i]!);
      }
      this.options.onEvict?.(this.options.name, evicted.length / width);
    }
    return true;
  }

  async delete(id: string): Promise<boolean> {
    return (await this.#remove([id])) === 1;
  }

  #remove(ids: string[]): Promise<number> {
    return this.redis.script<number>(
      'remove',
      [this.keys.key, this.keys.order],
      [this.#fields.length, ...this.#fields, ...ids],
    );
  }

  async mark<K extends keyof V & string>(
    id: string,
    field: K,
    value: NonNullable<V[K]>,
  ): Promise<{ value: V; won: boolean } | undefined> {
    checkField(this.options, field, 'mark');
    const reply = await this.redis.script<[string, number, ...(string | null)[]] | null>(
      'mark',
      [this.keys.key],
      [id, field, JSON.stringify(value), ...this.#fields],
    );
    if (reply === null) return undefined;
    const [json, won, ...marks] = reply;
    const record = this.#record(json, marks);
    return record === undefined ? undefined : { value: record, won: won === 1 };
  }

  async count<K extends keyof V & string>(id: string, field: K, delta: number): Promise<number | undefined> {
    checkField(this.options, field, 'counter');
    const value = await this.redis.script<number | null>('count', [this.keys.key], [id, field, Math.round(delta)]);
    return value ?? undefined;
  }

  async values(): Promise<V[]> {
    return (await this.#entries()).map(([, record]) => record);
  }

  async sweep(nowMs: number, alsoDead?: (value: V, id: string) => boolean): Promise<number> {
    const retain = this.options.retainMs ?? 0;
    const dead = (await this.#entries())
      .filter(([id, record]) => this.options.expiresAtMs(record) + retain <= nowMs || alsoDead?.(record, id))
      .map(([id]) => id);
    return dead.length === 0 ? 0 : this.#remove(dead);
  }

  /** Every record with its id, least recently written first: one script call. */
  async #entries(): Promise<[string, V][]> {
    const [ids, flat] = await this.redis.script<[string[], string[]]>('values', [this.keys.key, this.keys.order], []);
    const fields = new Map<string, string>();
    for (let i = 0; i < flat.length; i += 2) fields.set(flat[i]!, flat[i + 1]!);
    const entries: [string, V][] = [];
    for (const id of ids) {
      const record = this.#record(
        fields.get(`r${id}`) ?? null,
        this.#fields.map((field) => fields.get(`m${field}|${id}`) ?? null),
      );
      if (record !== undefined) entries.push([id, record]);
    }
    return entries;
  }

  /** A record as stored plus its marks and counters, or undefined when there is none. */
  #record(json: string | null, marks: (string | null)[]): V | undefined {
    if (json === null) return undefined;
    const record = JSON.parse(json) as Record<string, unknown>;
    this.#fields.forEach((field, i) => {
      const value = marks[i];
      if (value !== null && value !== undefined) record[field] = JSON.parse(value);
    });
    return record as V;
  }

  /** The record without its marks and counters, which only `mark` and `count` write. */
  #withoutFields(value: V): unknown {
    if (this.#fields.length === 0) return value;
    const copy = { ...(value as Record<string, unknown>) };
    for (const field of this.#fields) delete copy[field];
    return copy;
  }
}

function newClient(url: string, connectTimeoutMs: number) {
  return createClient({
    url,
    // RESP2 replies (flat arrays, null bulk strings) are what the scripts and parsing here are written for.
    RESP: 2,
    // A request must fail fast (503) while Redis is away, not wait in a queue for it to come back.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: connectTimeoutMs,
      // Keeps trying for as long as the server runs: a staging Redis that restarts is a normal event.
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2000),
    },
  });
}

type RedisClient = ReturnType<typeof newClient>;

function parse<V>(json: string | null): V | undefined {
  return json === null ? undefined : (JSON.parse(json) as V);
}
