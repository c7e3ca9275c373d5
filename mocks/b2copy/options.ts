/**
 * What a developer may configure on the B2COPY mock (`createB2CopyPlugin({ ... })`). The docs state
 * none of these values; the defaults are ours (inferred) and the spec says so.
 */
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

/** Fills in the defaults and refuses nonsense at startup rather than on the first request. */
export function resolveOptions(options: B2CopyOptions = {}): ResolvedB2CopyOptions {
  const resolved = { ...DEFAULT_OPTIONS };
  for (const name of Object.keys(DEFAULT_OPTIONS) as (keyof ResolvedB2CopyOptions)[]) {
    const value = options[name];
    if (value === undefined) continue;
    // A lifetime of 0 would issue tokens that are dead on arrival; a skew of 0 is a legitimate choice.
    const minimum = name === 'clockSkewSeconds' ? 0 : 1;
    if (!Number.isInteger(value) || value < minimum) {
      throw new TypeError(`createB2CopyPlugin: ${name} must be an integer >= ${minimum} (seconds), got ${String(value)}.`);
    }
    resolved[name] = value;
  }
  return resolved;
}
