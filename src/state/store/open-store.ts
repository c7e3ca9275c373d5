/**
 * Picks the state store from `--store` (`PARTNERMOCK_STORE`, `store:` in the config file): `memory` (the
 * default) or a `redis://` / `rediss://` URL. The Redis client is imported only when a Redis store is asked
 * for, so the in-memory default loads nothing it does not use.
 */
import type { Logger } from '../../logger.ts';
import { MemoryStore } from './memory-store.ts';
import type { StateStore } from './store.ts';

export const DEFAULT_STORE_PREFIX = 'partnermock:';

/** What `--store` accepts, as a problem to report, or undefined when it is fine. */
export function storeProblem(store: string): string | undefined {
  if (store === 'memory') return undefined;
  let url: URL;
  try {
    url = new URL(store);
  } catch {
    return `must be "memory" or a redis:// URL such as redis://127.0.0.1:6379/0, got ${JSON.stringify(store)}`;
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    return `must be "memory" or a redis:// (or rediss://) URL, got the scheme ${url.protocol}`;
  }
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d{1,2}$/.test(db)) return `names database "${db}"; a Redis database is a number, e.g. /0`;
  return undefined;
}

export async function openStore(
  store: string | StateStore | undefined,
  options: { prefix?: string | undefined; log: Logger; maxSessions?: number | undefined },
): Promise<StateStore> {
  const { prefix, log, maxSessions } = options;
  if (store === undefined || store === 'memory') return new MemoryStore(maxSessions);
  if (typeof store !== 'string') return store;
  const problem = storeProblem(store);
  if (problem) throw new Error(`store ${problem}`);
  const { RedisStore } = await import('./redis-store.ts');
  return RedisStore.connect({ url: store, prefix: prefix ?? DEFAULT_STORE_PREFIX, log });
}

/** The URL as it may be shown: without a password (`memory`, or anything not a URL, as it is). */
export function redactUrl(url: string): string {
  if (!/^rediss?:\/\//i.test(url)) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'redis://(unparsable URL)';
  }
}
