/**
 * Per-session state. A request's `X-Mock-Session` header names its session (none: `default`); each
 * session has its own clock and, per provider, its own fixtures and state, written into the state store
 * from the plugin's defaults on first use. The data lives in the store — this process's memory by
 * default, Redis when replicas share it — and this registry holds only the handles to it: a session's
 * clock, its providers' tables, its fault rules.
 *
 * Every request opens its session first (`open`), one read of the store that brings the clock offset
 * another replica may have moved, and seeds the provider's fixtures the first time the session uses it.
 */
import { MockError } from '../errors.ts';
import { faultTableOptions, SessionFaults, type FaultRule, type FaultRuleInput } from '../faults/fault-rules.ts';
import type { FixtureStore } from './fixture-store.ts';
import { MockClock, type TimeSource } from './clock.ts';
import { FAULT_TABLE, type SeedCollection, type SessionMeta, type StateStore } from './store/store.ts';

export const SESSION_HEADER = 'x-mock-session';
export const DEFAULT_SESSION = 'default';
const SESSION_ID = /^[A-Za-z0-9._~:-]{1,128}$/;
/** The core's own part of a session in the store (its fault rules), beside the providers'. */
export const CORE_SCOPE = FAULT_TABLE.scope;

export interface ProviderScope {
  fixtures: FixtureStore;
  state: unknown;
  /**
   * The plugin's options and services when this process first opened the session: a config reload reaches
   * it at its reset.
   */
  options: unknown;
  services: unknown;
}

/** A session's handles in this process: what it holds lives in the store. */
export interface SessionScope {
  id: string;
  providers: Map<string, ProviderScope>;
  /** The handle to the session's fault rules (made on first use). */
  faults?: SessionFaults;
}

/** A session as one request opened it: its handles, and what the request read of it, its own. */
export interface OpenSession {
  session: SessionScope;
  /** The session's clock at the offset this request read: no other request changes it. */
  clock: MockClock;
  /** How many fault rules the session had as this request read it (preset ones it seeded included). */
  faultRules: number;
}

/** How the registry makes one provider's part of a session: the defaults to seed, and the handles to them. */
export interface ProviderScopeFactory {
  seed(): SeedCollection[];
  create(session: SessionScope): ProviderScope;
}

export interface SessionRegistryOptions {
  buildProvider(provider: string): ProviderScopeFactory;
  /** The time source every session clock reads (default `Date.now`). */
  timeSource?: TimeSource;
  /**
   * Named sessions this process keeps beyond this many are dropped, least recently used first, so a long run
   * cannot grow without bound (with the memory store that is the session's only copy). The default session
   * is never dropped. Default 1000.
   */
  maxSessions?: number;
  onEvict?(id: string): void;
  /** The fault rules every session starts with (the config's `faults`); read as each session is made. */
  presetFaults?(): FaultRuleInput[];
  /** The server's seed, for the sessions' fault-rule draws. */
  seed?: number;
}

/** The largest time a JavaScript Date holds (ECMA-262 §21.4.1.1). */
const MAX_DATE_MS = 8.64e15;

export class SessionRegistry {
  readonly #sessions = new Map<string, SessionScope>();
  #mostRecent: string | undefined;
  readonly #maxSessions: number;
  readonly #timeSource: TimeSource;

  constructor(
    readonly store: StateStore,
    private readonly options: SessionRegistryOptions,
  ) {
    this.#maxSessions = options.maxSessions ?? 1000;
    this.#timeSource = options.timeSource ?? Date.now;
  }

  /** The session id a request names, checked. */
  static idFrom(header: string | string[] | undefined): string {
    if (header === undefined || header === '') return DEFAULT_SESSION;
    const id = Array.isArray(header) ? header[0] : header;
    if (!id || !SESSION_ID.test(id)) {
      throw new MockError(
        400,
        'invalid_request',
        'X-Mock-Session must be 1 to 128 characters of letters, digits and . _ ~ : -',
        {
          details: [{ location: '/header/x-mock-session', message: 'must match ^[A-Za-z0-9._~:-]{1,128}$' }],
        },
      );
    }
    return id;
  }

  /** The session's handles in this process (made on first use), without reading the store. */
  session(id: string): SessionScope {
    let scope = this.#sessions.get(id);
    // Already the most recently used (a run of requests in one session): nothing to reorder.
    if (scope && id === this.#mostRecent) return scope;
    this.#mostRecent = id;
    if (scope) {
      // Re-insert to keep Map order = least recently used first.
      this.#sessions.delete(id);
    } else {
      scope = { id, providers: new Map() };
    }
    this.#sessions.set(id, scope);
    for (const candidate of this.#sessions.keys()) {
      if (this.#sessions.size <= this.#maxSessions + (this.#sessions.has(DEFAULT_SESSION) ? 1 : 0)) break;
      if (candidate === DEFAULT_SESSION || candidate === id) continue;
      this.#sessions.delete(candidate);
      this.store.forget(candidate);
      this.options.onEvict?.(candidate);
    }
    return scope;
  }

  /** The session if this process holds it, without making it or counting this as its use. */
  peek(id: string): SessionScope | undefined {
    return this.#sessions.get(id);
  }

  /**
   * Opens a session for a request: its clock brought up to date from the store and, given a provider, that
   * provider's fixtures seeded if the session has none yet. One read of the store, plus the seed once.
   */
  /** What the store holds of the session (its clock offset, fault-rule count, seeded providers), making nothing. */
  meta(id: string): Promise<SessionMeta> {
    return this.store.openSession(id);
  }

  /**
   * Whether the session may have fault rules: it holds some, or it has not started yet and would start with
   * the preset ones. Otherwise a request's fault step has nothing to look at.
   */
  mayHaveFaults(meta: SessionMeta): boolean {
    return meta.faultRules > 0 || (!meta.seeded.has(CORE_SCOPE) && (this.options.presetFaults?.().length ?? 0) > 0);
  }

  async open(id: string, provider?: string, read?: SessionMeta): Promise<OpenSession> {
    const session = this.session(id);
    // A meta the request has just read (its fault step) is used as it is: one read of the store per request.
    const meta = read ?? (await this.store.openSession(id));
    // A clock of this request's own, at the offset it read: a concurrent request that read an older offset
    // (before a POST /__mock/clock) cannot move it back under this one's feet.
    const clock = this.clockAt(meta.clockOffsetMs);
    let faultRules = meta.faultRules;
    if (!meta.seeded.has(CORE_SCOPE)) {
      // A new session (or one reset): it starts with the preset fault rules (of replicas opening it at
      // once, one writes them; the others see them from their next request).
      const presets: FaultRule[] = (this.options.presetFaults?.() ?? []).map((input, index) => ({
        ...structuredClone(input),
        id: `preset-${index + 1}`,
        hits: 0,
        seen: 0,
      }));
      const items = presets.map((rule): [string, unknown] => [rule.id, rule]);
      if (await this.store.seed(id, CORE_SCOPE, [{ table: FAULT_TABLE.name, items }])) faultRules += presets.length;
    }
    if (provider !== undefined && !meta.seeded.has(provider)) {
      await this.store.seed(id, provider, this.options.buildProvider(provider).seed());
    }
    return { session, clock, faultRules };
  }

  /** A clock of the registry's time source at `offsetMs`. */
  clockAt(offsetMs: number): MockClock {
    const clock = new MockClock(this.#timeSource);
    clock.offsetMs = offsetMs;
    return clock;
  }

  /** A provider's part of an open session: fixtures, state, options, the request's clock and the session. */
  async provider(
    id: string,
    provider: string,
    meta?: SessionMeta,
  ): Promise<ProviderScope & { clock: MockClock; session: SessionScope }> {
    const { session, clock } = await this.open(id, provider, meta);
    // The handles are made once per session and provider in this process; the clock is this request's.
    let scope = session.providers.get(provider);
    if (!scope) {
      scope = this.options.buildProvider(provider).create(session);
      session.providers.set(provider, scope);
    }
    return { ...scope, clock, session };
  }

  /** The session's fault rules (README, "Simulate failures"), in the store. */
  faults(session: SessionScope): SessionFaults {
    return (session.faults ??= new SessionFaults(
      this.options.seed ?? 1,
      session.id,
      this.store.table(session.id, FAULT_TABLE.scope, FAULT_TABLE.name, faultTableOptions()),
    ));
  }

  /** Moves a session's clock forward for every replica; refuses (changing nothing) a step backwards or too far. */
  async advanceClock(id: string, seconds: number): Promise<MockClock> {
    if (!Number.isFinite(seconds) || seconds < 0) {
      throw new RangeError('The clock only moves forward: seconds must be a finite number >= 0.');
    }
    const { clock } = await this.open(id);
    const ms = Math.round(seconds * 1000);
    if (clock.nowMs() + ms > MAX_DATE_MS) {
      throw new RangeError(
        `That would move the clock past ${new Date(MAX_DATE_MS).toISOString()}, the last date JavaScript can represent.`,
      );
    }
    return this.clockAt(await this.store.advanceClock(id, ms));
  }

  /** Back to the fixtures and the real clock: one session, or every session, on every replica. */
  async reset(id?: string): Promise<void> {
    await this.store.clear(id);
    if (id === undefined) this.#sessions.clear();
    else this.#sessions.delete(id);
  }
}
