/**
 * A B2COPY token session: the access token, refreshed shortly before `accessToken.expiresAt`.
 * Refresh tokens are one-time (the provider rotates them and treats reuse as theft), so concurrent
 * callers must share one refresh instead of each spending the same refresh token.
 */
import type { components } from '../generated/b2copy.ts';
import { ProviderError } from './provider-error.ts';
import { ProviderUnavailableError } from './provider-unavailable-error.ts';

type TokenPair = components['schemas']['TokenPair'];

export interface B2CopySessionOptions {
  /** Refresh when the access token expires within this many seconds (at most half its lifetime). Default 60. */
  refreshBeforeSeconds?: number;
  /** The current time in epoch milliseconds (default `Date.now`); tests and mock clocks plug in here. */
  now?: () => number;
  /** Called with each new pair, e.g. to persist the new refresh token. If it throws, the waiting calls reject with
   * its error; the session keeps the new pair. */
  onRefresh?: (tokens: TokenPair) => void;
  /**
   * Refreshes retried after the partner said it did not serve the request (429, 503, with a Retry-After of
   * at most 30 s) or could not be reached at all; default 2. Never after what may have spent the refresh
   * token (a 500, 502 or 504, a timeout, a connection lost mid-answer): retrying that would look like token
   * theft to B2COPY. While it retries, `accessToken()` waits.
   */
  retries?: number;
  /** The wait before retry `attempt` (1, 2, ...), in ms; default 250 × 2^(attempt-1), or the answer's Retry-After. */
  retryDelayMs?: (attempt: number, error: unknown) => number;
}

export interface B2CopySession {
  /** The current pair. */
  readonly tokens: TokenPair;
  /** A live access token, refreshing first when it is about to expire. */
  accessToken(): Promise<string>;
  /** Refreshes now (shared with any refresh already under way). */
  refresh(): Promise<TokenPair>;
}

export function createTokenSession(
  initial: TokenPair,
  refreshWith: (refreshToken: string) => Promise<TokenPair>,
  options: B2CopySessionOptions = {},
): B2CopySession {
  const requestedMarginMs = (options.refreshBeforeSeconds ?? 60) * 1000;
  // A margin as long as the token's whole life would refresh on every call: never more than half of it.
  const marginFor = (pair: TokenPair) =>
    Math.min(requestedMarginMs, (Date.parse(pair.accessToken.expiresAt) - Date.parse(pair.accessToken.createdAt)) / 2);
  const now = options.now ?? Date.now;
  const retries = options.retries ?? 2;
  const delayFor = options.retryDelayMs ?? defaultRetryDelay;
  let tokens = initial;
  let inFlight: Promise<TokenPair> | undefined;

  const attempt = async (refreshToken: string): Promise<TokenPair> => {
    for (let tries = 1; ; tries++) {
      try {
        return await refreshWith(refreshToken);
      } catch (error) {
        if (tries > retries || !spentNothing(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, delayFor(tries, error)));
      }
    }
  };

  const refresh = (): Promise<TokenPair> => {
    inFlight ??= attempt(tokens.refreshToken.token)
      .then((next) => {
        // The session holds the new pair before onRefresh runs: if persisting it fails, the callers see
        // that error (the old refresh token is spent), and the next call still has a working pair.
        tokens = next;
        options.onRefresh?.(next);
        return next;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };

  return {
    get tokens() {
      return tokens;
    },
    async accessToken() {
      if (inFlight) return (await inFlight).accessToken.token;
      const expiresAt = Date.parse(tokens.accessToken.expiresAt);
      if (!(expiresAt - now() > marginFor(tokens))) return (await refresh()).accessToken.token;
      return tokens.accessToken.token;
    },
    refresh,
  };
}

/** The longest Retry-After the session waits out by itself; longer, the error reaches the caller at once. */
const MAX_RETRY_AFTER_SECONDS = 30;

/**
 * Whether a failed refresh certainly left the refresh token unspent: the partner said it did not serve the
 * request (429 Too Many Requests, 503 Service Unavailable) or was never reached. Not a 500, 502 or 504: the
 * partner (or a gateway in front of it) may have rotated the pair before failing, and a retry would then
 * present a spent token.
 */
function spentNothing(error: unknown): boolean {
  if (error instanceof ProviderError) {
    return (error.status === 429 || error.status === 503) && (error.retryAfter ?? 0) <= MAX_RETRY_AFTER_SECONDS;
  }
  return error instanceof ProviderUnavailableError && error.reason === 'network';
}

function defaultRetryDelay(attempt: number, error: unknown): number {
  const retryAfter = error instanceof ProviderError ? error.retryAfter : undefined;
  return retryAfter !== undefined ? retryAfter * 1000 : 250 * 2 ** (attempt - 1);
}
