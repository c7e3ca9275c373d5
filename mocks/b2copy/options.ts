/**
 * What a developer may configure on the B2COPY mock: `createB2CopyPlugin({ accessTokenTtlSeconds: 60 })`,
 * or the config file. The docs state none of these values; the defaults are ours (inferred) and the spec
 * says so.
 */
import { integerOptionsSchema } from '../../src/index.ts';

export interface B2CopyOptions {
  /** Lifetime of an access token. Default 3600 (1 hour). */
  accessTokenTtlSeconds: number;
  /** Lifetime of a refresh token. Default 2592000 (30 days). */
  refreshTokenTtlSeconds: number;
  /** How long a seamless-login (getAuthUrl) token stays usable. Default 300 (5 minutes). */
  authUrlTtlSeconds: number;
  /** Tolerance for `exp`, `nbf` and `iat` of an external CRM token. Default 60. */
  clockSkewSeconds: number;
  /**
   * Issued tokens (and token families) a session remembers; past it the oldest are forgotten (and then
   * refused as unknown). Default 2000.
   */
  maxIssuedTokens: number;
  /** Seamless-login links (and the Web UI sessions they open) a session remembers. Default 200. */
  maxAuthUrls: number;
}

export const DEFAULT_OPTIONS: B2CopyOptions = {
  accessTokenTtlSeconds: 3600,
  refreshTokenTtlSeconds: 30 * 24 * 3600,
  authUrlTtlSeconds: 300,
  clockSkewSeconds: 60,
  maxIssuedTokens: 2000,
  maxAuthUrls: 200,
};

/**
 * Lifetimes at least 1 second (a token dead on arrival is no use to anyone); a skew of 0 is a legitimate
 * choice (exact clocks).
 */
export const optionsSchema = integerOptionsSchema({
  accessTokenTtlSeconds: 1,
  refreshTokenTtlSeconds: 1,
  authUrlTtlSeconds: 1,
  clockSkewSeconds: 0,
  maxIssuedTokens: 1,
  maxAuthUrls: 1,
});
