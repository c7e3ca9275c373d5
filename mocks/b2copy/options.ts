/**
 * What a developer may configure on the B2COPY mock (`createB2CopyPlugin({ ... })`). The docs state
 * none of these values; the defaults are ours (inferred) and the spec says so.
 */
import { resolveOptions } from '../../src/index.ts';

export interface B2CopyOptions {
  /** Lifetime of an access token. Default 3600 (1 hour). */
  accessTokenTtlSeconds?: number;
  /** Lifetime of a refresh token. Default 2592000 (30 days). */
  refreshTokenTtlSeconds?: number;
  /** How long a seamless-login (getAuthUrl) token stays usable. Default 300 (5 minutes). */
  authUrlTtlSeconds?: number;
  /** Tolerance for `exp`, `nbf` and `iat` of an external CRM token. Default 60. */
  clockSkewSeconds?: number;
}

export type ResolvedB2CopyOptions = Required<B2CopyOptions>;

export const DEFAULT_OPTIONS: ResolvedB2CopyOptions = {
  accessTokenTtlSeconds: 3600,
  refreshTokenTtlSeconds: 30 * 24 * 3600,
  authUrlTtlSeconds: 300,
  clockSkewSeconds: 60,
};

/** Fills in the defaults and refuses nonsense at startup (a skew of 0 is a legitimate choice). */
export function resolveB2CopyOptions(options: B2CopyOptions = {}): ResolvedB2CopyOptions {
  return resolveOptions('createB2CopyPlugin', DEFAULT_OPTIONS, options, { clockSkewSeconds: 0 });
}
