/**
 * What the B2COPY mock remembers per session (X-Mock-Session): the tokens it issued, grouped into
 * families (one per sign-in, followed through every refresh), the one-time seamless-login tokens of
 * getAuthUrl, and the Web UI sessions those opened. Times are the session clock's.
 */
import { sweepWhenGrown } from '../../src/index.ts';

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
}

export function createB2CopyState(): B2CopyState {
  return { families: new Map(), tokens: new Map(), authUrlTokens: new Map(), webUiSessions: new Map() };
}

/**
 * Frees what can no longer change an answer once the token map has grown (an expired token is refused
 * before it is looked up): expired tokens, then the families none of whose tokens is left.
 */
export function sweepDeadTokens(state: B2CopyState, nowSeconds: number): void {
  if (!sweepWhenGrown(state.tokens, (token) => token.expiresAtSeconds <= nowSeconds, SWEEP_FLOOR)) return;
  const alive = new Set([...state.tokens.values()].map((token) => token.familyId));
  for (const id of state.families.keys()) if (!alive.has(id)) state.families.delete(id);
}

/** Below this many entries a map is never swept. */
export const SWEEP_FLOOR = 10_000;
