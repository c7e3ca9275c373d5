/**
 * A B2COPY token session: the access token, refreshed shortly before `accessToken.expiresAt`.
 * Refresh tokens are one-time (the provider rotates them and treats reuse as theft), so concurrent
 * callers must share one refresh instead of each spending the same refresh token.
 */
import type { components } from '../generated/b2copy.ts';

type TokenPair = components['schemas']['TokenPair'];

export interface B2CopySessionOptions {
  /** Refresh when the access token expires within this many seconds (at most half its lifetime). Default 60. */
  refreshBeforeSeconds?: number;
  /** The current time in epoch milliseconds (default `Date.now`); tests and mock clocks plug in here. */
  now?: () => number;
  /** Called with each new pair, e.g. to persist the new refresh token. If it throws, the waiting calls reject with
   * its error; the session keeps the new pair. */
  onRefresh?: (tokens: TokenPair) => void;
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
  let tokens = initial;
  let inFlight: Promise<TokenPair> | undefined;

  const refresh = (): Promise<TokenPair> => {
    inFlight ??= refreshWith(tokens.refreshToken.token)
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
