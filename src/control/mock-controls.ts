/**
 * The control API (`/__mock`, README "Control API"), typed, for test suites: the handle
 * `startMockServer()` returns and what `connectMockServer(url)` gives for a mock running elsewhere.
 *
 * Every method is one HTTP call to the control API, in-process or not, so a suite behaves the same
 * against either. A handle works on one session: the unscoped one on `default`, `session(id)` on its
 * own, and its `fetch` sends `X-Mock-Session` so the provider calls of a client built with it land in
 * that session too. Each provider adds its own helpers (the plugin's `controls`) under its name.
 */
import type { FaultRule, FaultRuleInput } from '../faults/fault-rules.ts';
import type { JournalEntry } from '../state/journal.ts';
import { DEFAULT_SESSION, SESSION_HEADER } from '../state/sessions.ts';

/** A control call the mock refused, with the control API's `{ error: { code, message } }`. */
export class MockControlError extends Error {
  override readonly name = 'MockControlError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: { location: string; message: string }[],
  ) {
    super(message);
  }
}

/** What the core and a plugin's `controls` use to call the control API in one session. */
export interface ControlRequester {
  /** The mock's base URL (its public URL), without a trailing slash. */
  readonly url: string;
  /** The session every call works on. */
  readonly sessionId: string;
  /** `fetch` that adds this session's `X-Mock-Session` header. */
  readonly fetch: typeof globalThis.fetch;
  /** One control call: `path` below `/__mock`, e.g. `/clock`; a JSON body when given; the JSON answer. */
  call<T = unknown>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T>;
}

export interface JournalQuery {
  provider?: string;
  /** How many entries (newest first); the mock's default is 100, its maximum 1000. */
  limit?: number;
}

type Item = Record<string, unknown>;

/** The control API for one session. `P` is what the providers add (built-in: b2copy, just2trade, keeta). */
export type SessionControls<P extends object = object> = CoreControls & P;

export interface CoreControls {
  /** The session this handle works on. */
  readonly sessionId: string;
  /** `fetch` with this session's header: pass it to `createB2CopyClient({ fetch })` and the others. */
  readonly fetch: typeof globalThis.fetch;
  clock: {
    /** The session's time, ISO 8601. */
    now(): Promise<string>;
    /** Moves the session's clock forward (codes and tokens expire without waiting); the new time. */
    advance(seconds: number): Promise<string>;
  };
  fixtures: {
    list<T = Item>(provider: string, collection: string): Promise<T[]>;
    /** The item, or `undefined` when the collection has none with that id. */
    get<T = Item>(provider: string, collection: string, id: string): Promise<T | undefined>;
    /** Adds an item (checked against the collection's schema); the stored item. */
    add<T = Item>(provider: string, collection: string, item: Item): Promise<T>;
    /** Changes some fields of an item (null removes one), as a partner-side change would; the updated item. */
    update<T = Item>(provider: string, collection: string, id: string, changes: Item): Promise<T>;
    remove(provider: string, collection: string, id: string): Promise<void>;
  };
  /** The session's fault rules (README, "Simulate failures"). */
  faults: {
    /** Adds a rule; the handle reads its hits and removes it. */
    add(rule: FaultRuleInput): Promise<FaultHandle>;
    /** The session's rules, in the order they are checked, with their hits. */
    list(): Promise<FaultRule[]>;
    clear(): Promise<void>;
  };
  /** The session's journal, newest first. */
  journal(query?: JournalQuery): Promise<JournalEntry[]>;
  /** Back to the fixtures and the real clock, for this session only. */
  reset(): Promise<void>;
}

/** A fault rule added through the typed handle. */
export interface FaultHandle {
  readonly id: string;
  readonly rule: FaultRule;
  /** How many requests it has answered so far. */
  hits(): Promise<number>;
  remove(): Promise<void>;
}

/** Builds the providers' helpers for a session (from the plugins' `controls`). */
export type ProviderControlsFactory<P extends object> = (requester: ControlRequester) => P;

/** The unscoped handle: the `default` session, plus `session(id)` and a reset of every session. */
export type MockControls<P extends object = object> = SessionControls<P> & {
  /** The same controls for another session (created on first use, isolated from every other). */
  session(id: string): SessionControls<P>;
  /** Every session back to the fixtures. */
  resetAll(): Promise<void>;
};

export function createControls<P extends object>(
  url: string,
  providers: ProviderControlsFactory<P>,
  baseFetch: typeof globalThis.fetch = globalThis.fetch,
  /** The mock's control token: sent on control API calls only, never on a session's provider calls. */
  controlToken?: string,
): MockControls<P> {
  const base = url.replace(/\/+$/, '');
  const auth: Record<string, string> = controlToken === undefined ? {} : { Authorization: `Bearer ${controlToken}` };
  const root = sessionControls(requester(base, DEFAULT_SESSION, baseFetch, auth), providers);
  return Object.assign(root, {
    session: (id: string) => sessionControls(requester(base, id, baseFetch, auth), providers),
    resetAll: async () => {
      // No session header: the control API resets every session.
      await send(baseFetch, base, auth, 'POST', '/reset');
    },
  });
}

function sessionControls<P extends object>(
  api: ControlRequester,
  providers: ProviderControlsFactory<P>,
): SessionControls<P> {
  const collection = (provider: string, name: string) => `/${encodeURIComponent(provider)}/${encodeURIComponent(name)}`;
  const core: CoreControls = {
    sessionId: api.sessionId,
    fetch: api.fetch,
    clock: {
      now: async () => (await api.call<{ now: string }>('GET', '/clock')).now,
      advance: async (seconds) => (await api.call<{ now: string }>('POST', '/clock', { advanceSeconds: seconds })).now,
    },
    fixtures: {
      list: (provider, name) => api.call('GET', collection(provider, name)),
      get: async <T>(provider: string, name: string, id: string) => {
        try {
          return await api.call<T>('GET', `${collection(provider, name)}/${encodeURIComponent(id)}`);
        } catch (error) {
          // The control API names the part of the path that matched nothing: here, only the id may.
          const missingItem = (error as MockControlError).details?.some((issue) => issue.location === '/path/id');
          if (error instanceof MockControlError && error.status === 404 && missingItem) return undefined;
          throw error;
        }
      },
      add: (provider, name, item) => api.call('POST', collection(provider, name), item),
      update: (provider, name, id, changes) =>
        api.call('PATCH', `${collection(provider, name)}/${encodeURIComponent(id)}`, changes),
      remove: async (provider, name, id) => {
        await api.call('DELETE', `${collection(provider, name)}/${encodeURIComponent(id)}`);
      },
    },
    faults: {
      add: async (input) => {
        const rule = await api.call<FaultRule>('POST', '/faults', input);
        return {
          id: rule.id,
          rule,
          hits: async () => {
            const current = (await api.call<FaultRule[]>('GET', '/faults')).find((each) => each.id === rule.id);
            if (!current) throw new MockControlError(404, 'not_found', `The fault rule ${rule.id} is gone.`);
            return current.hits;
          },
          remove: async () => {
            await api.call('DELETE', `/faults/${encodeURIComponent(rule.id)}`);
          },
        };
      },
      list: () => api.call('GET', '/faults'),
      clear: async () => {
        await api.call('DELETE', '/faults');
      },
    },
    journal: (query = {}) => {
      const search = new URLSearchParams();
      if (query.provider !== undefined) search.set('provider', query.provider);
      if (query.limit !== undefined) search.set('limit', String(query.limit));
      return api.call('GET', `/journal${search.size ? `?${search}` : ''}`);
    },
    reset: async () => {
      await api.call('POST', '/reset');
    },
  };
  return Object.assign(core, providers(api));
}

/** `fetch` that sends `X-Mock-Session: <sessionId>`: the caller's headers win, except the session's. */
export function withSessionHeader(baseFetch: typeof globalThis.fetch, sessionId: string): typeof globalThis.fetch {
  return (input, init) => {
    const headers = new Headers(input instanceof Request ? input.headers : undefined);
    new Headers(init?.headers).forEach((value, name) => headers.set(name, value));
    headers.set(SESSION_HEADER, sessionId);
    return baseFetch(input, { ...init, headers });
  };
}

function requester(
  url: string,
  sessionId: string,
  baseFetch: typeof globalThis.fetch,
  auth: Record<string, string>,
): ControlRequester {
  const header = { ...auth, [SESSION_HEADER]: sessionId };
  return {
    url,
    sessionId,
    fetch: withSessionHeader(baseFetch, sessionId),
    call: (method, path, body) => send(baseFetch, url, header, method, path, body),
  };
}

async function send<T>(
  baseFetch: typeof globalThis.fetch,
  url: string,
  headers: Record<string, string>,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await baseFetch(`${url}/__mock${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let answer: unknown;
  try {
    answer = text ? JSON.parse(text) : undefined;
  } catch {
    throw new MockControlError(
      response.status,
      'not_a_mock',
      `${method} ${url}/__mock${path} did not answer JSON (status ${response.status}): is a partnermock server there?`,
    );
  }
  if (!response.ok) {
    const error = (answer as { error?: Partial<Pick<MockControlError, 'code' | 'message' | 'details'>> } | undefined)
      ?.error;
    throw new MockControlError(
      response.status,
      error?.code ?? 'error',
      `${method} /__mock${path}: ${error?.message ?? `status ${response.status}`}`,
      error?.details,
    );
  }
  return answer as T;
}
