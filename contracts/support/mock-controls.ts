/**
 * The mock's control API (`/__mock`) for one provider and one session: what a mock-only scenario
 * uses to move the clock or register fixtures. Each scenario gets its own session, so scenarios never
 * see each other's codes, tokens or fixtures.
 */
export const SESSION_HEADER = 'X-Mock-Session';

export class MockControls {
  constructor(
    /** The mock's origin, e.g. `http://127.0.0.1:4010`. */
    readonly origin: string,
    readonly provider: string,
    readonly session: string,
  ) {}

  get headers(): Record<string, string> {
    return { [SESSION_HEADER]: this.session };
  }

  /** Moves this session's clock forward, expiring codes and tokens without waiting. */
  async advanceClock(seconds: number): Promise<void> {
    await this.#send('POST', '/__mock/clock', { advanceSeconds: seconds });
  }

  /** Adds an item to a fixture collection (`apps`, `integrations`, ...), returning the stored item. */
  async add<T = Record<string, unknown>>(collection: string, item: Record<string, unknown>): Promise<T> {
    return (await this.#send('POST', `/__mock/${this.provider}/${collection}`, item)) as T;
  }

  async list<T = Record<string, unknown>>(collection: string): Promise<T[]> {
    return (await this.#send('GET', `/__mock/${this.provider}/${collection}`)) as T[];
  }

  async remove(collection: string, id: string): Promise<void> {
    await this.#send('DELETE', `/__mock/${this.provider}/${collection}/${encodeURIComponent(id)}`);
  }

  /** A provider's own control route, e.g. `jwks.json`. */
  async get<T = unknown>(path: string): Promise<T> {
    return (await this.#send('GET', `/__mock/${this.provider}/${path}`)) as T;
  }

  async #send(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.origin}${path}`, {
      method,
      headers: { ...this.headers, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    return text ? JSON.parse(text) : undefined;
  }
}

/** Whether `origin` serves the partnermock control API with `provider` (a mock, not the real host). */
export async function isMockServing(origin: string, provider: string): Promise<boolean> {
  try {
    const response = await fetch(`${origin}/__mock/health`, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) return false;
    const health = (await response.json()) as { providers?: unknown };
    return Array.isArray(health.providers) && health.providers.includes(provider);
  } catch {
    return false;
  }
}
