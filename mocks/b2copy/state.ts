/**
 * What the B2COPY mock remembers per session (X-Mock-Session): the tokens it issued, grouped into
 * families (one per sign-in, followed through every refresh), the one-time seamless-login tokens of
 * getAuthUrl, and the Web UI sessions those opened. Times are the session clock's.
 */

/** Whose tokens these are: a Back Office user (signIn) or a service admin (authExternalCrm). */
export type SubjectType = 'back_office_user' | 'service_admin';

/** One sign-in and every token pair refreshed from it (RFC 9700 §4.14.2 "token family"). */
export interface TokenFamily {
  id: string;
  sub: string;
  subType: SubjectType;
  /** Set when a used refresh token of this family was presented again: every member is dead. */
  revokedAtSeconds?: number;
}

export interface IssuedToken {
  jti: string;
  use: 'access' | 'refresh';
  familyId: string;
  issuedAtSeconds: number;
  expiresAtSeconds: number;
  /** A refresh token works once; set when it was exchanged. */
  usedAtSeconds?: number;
}

/** A getAuthUrl token: one-time and short-lived. */
export interface AuthUrlToken {
  accountId: string;
  investmentPlatformId: string;
  expiresAtMs: number;
  usedAtMs?: number;
}

/** A Web UI session opened by an auth-URL token (its id is the session cookie). */
export interface WebUiSession {
  accountId: string;
  investmentPlatformId: string;
  createdAtMs: number;
}

export interface B2CopyState {
  families: Map<string, TokenFamily>;
  /** By `jti`. */
  tokens: Map<string, IssuedToken>;
  /** By the 32-hex token in the Web UI URL. */
  authUrlTokens: Map<string, AuthUrlToken>;
  webUiSessions: Map<string, WebUiSession>;
  /** Map sizes at which the next sweep of dead entries runs (see sweepDead). */
  sweepAt: { tokens: number; authUrlTokens: number };
}

/** Below this many entries a map is never swept. */
const SWEEP_FLOOR = 10_000;

export function createB2CopyState(): B2CopyState {
  return {
    families: new Map(),
    tokens: new Map(),
    authUrlTokens: new Map(),
    webUiSessions: new Map(),
    sweepAt: { tokens: SWEEP_FLOOR, authUrlTokens: SWEEP_FLOOR },
  };
}

/**
 * Keeps a long-running session from growing without bound: once a map reaches its sweep size, entries
 * that can no longer change an answer are dropped (an expired token is refused before it is looked
 * up), and the next sweep waits until the map has doubled, so the cost per request stays constant.
 */
export function sweepDead<V>(state: B2CopyState, name: keyof B2CopyState['sweepAt'], isDead: (value: V) => boolean): void {
  const map = state[name] as unknown as Map<string, V>;
  if (map.size < state.sweepAt[name]) return;
  for (const [key, value] of map) if (isDead(value)) map.delete(key);
  if (name === 'tokens') {
    const alive = new Set([...state.tokens.values()].map((token) => token.familyId));
    for (const id of state.families.keys()) if (!alive.has(id)) state.families.delete(id);
  }
  state.sweepAt[name] = Math.max(SWEEP_FLOOR, 2 * map.size);
}
