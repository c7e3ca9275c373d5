/**
 * Per-session state. A request's `X-Mock-Session` header names its session (none: `default`);
 * each session has its own clock and, per provider, its own fixtures and state, built lazily from
 * the plugin's defaults on first use. Nothing is shared between sessions or between servers.
 */
import { MockError } from '../errors.ts';
import type { SessionFaults } from '../faults/fault-rules.ts';
import type { FixtureStore } from './fixture-store.ts';
import { MockClock, type TimeSource } from './clock.ts';

export const SESSION_HEADER = 'x-mock-session';
export const DEFAULT_SESSION = 'default';
const SESSION_ID = /^[A-Za-z0-9._~:-]{1,128}$/;

export interface ProviderScope {
  fixtures: FixtureStore;
  state: unknown;
  /** The plugin's options and services when the session began: a config reload reaches it at its reset. */
  options: unknown;
  services: unknown;
}

export interface SessionScope {
  id: string;
  clock: MockClock;
  providers: Map<string, ProviderScope & { clock: MockClock }>;
  /** The session's fault rules, made when the first is added (`POST /__mock/faults`); a reset drops them. */
  faults?: SessionFaults;
}

export type ProviderScopeFactory = (session: SessionScope) => ProviderScope;

export class SessionRegistry {
  readonly #sessions = new Map<string, SessionScope>();
  #mostRecent: string | undefined;

  constructor(
    private readonly buildProvider: (provider: string) => ProviderScopeFactory,
    private readonly timeSource: TimeSource = Date.now,
    /**
     * Named sessions beyond this many are dropped, least recently used first, so a long run cannot
     * grow without bound. The default session is never dropped.
     */
    private readonly maxSessions = 1000,
    private readonly onEvict: (id: string) => void = () => {},
    /** Called with each session as it is made (the preset fault rules). */
    private readonly onCreate?: (session: SessionScope) => void,
  ) {}

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

  session(id: string): SessionScope {
    let scope = this.#sessions.get(id);
    // Already the most recently used (a run of requests in one session): nothing to reorder.
    if (scope && id === this.#mostRecent) return scope;
    this.#mostRecent = id;
    if (scope) {
      // Re-insert to keep Map order = least recently used first.
      this.#sessions.delete(id);
    } else {
      scope = { id, clock: new MockClock(this.timeSource), providers: new Map() };
      this.onCreate?.(scope);
    }
    this.#sessions.set(id, scope);
    for (const candidate of this.#sessions.keys()) {
      if (this.#sessions.size <= this.maxSessions + (this.#sessions.has(DEFAULT_SESSION) ? 1 : 0)) break;
      if (candidate === DEFAULT_SESSION || candidate === id) continue;
      this.#sessions.delete(candidate);
      this.onEvict(candidate);
    }
    return scope;
  }

  /** The session if it exists, without making it or counting this as its use. */
  peek(id: string): SessionScope | undefined {
    return this.#sessions.get(id);
  }

  provider(id: string, provider: string): ProviderScope & { clock: MockClock } {
    const session = this.session(id);
    let scope = session.providers.get(provider);
    if (!scope) {
      // Made once per session and provider, with the session's clock, and handed out as it is.
      scope = { ...this.buildProvider(provider)(session), clock: session.clock };
      session.providers.set(provider, scope);
    }
    return scope;
  }

  /** Back to the fixtures and the real clock: one session, or every session. */
  reset(id?: string): void {
    if (id === undefined) this.#sessions.clear();
    else this.#sessions.delete(id);
  }
}
