/**
 * What the B2COPY mock remembers per session (X-Mock-Session): the tokens it issued, grouped into
 * families (one per sign-in, followed through every refresh), the one-time seamless-login tokens of
 * getAuthUrl, the Web UI sessions those opened, and the session's own signing keys once it rotated
 * them. Times are the session clock's.
 */
import { ExpiringMap, type FixtureContext, type FixtureStore } from '../../src/index.ts';
import type { B2Copy } from './index.ts';
import type { SessionSigningKeys } from './keys.ts';

/** Whose tokens these are: a Back Office user (signIn) or a service admin (authExternalCrm). */
export type SubjectType = 'back_office_user' | 'service_admin';

/** One sign-in and every token pair refreshed from it (RFC 9700 §4.14.2 "token family"). */
export interface TokenFamily {
  id: string;
  sub: string;
  subType: SubjectType;
  /**
   * The integration key (`key_id`) an external-CRM sign-in (authExternalCrm) was made with; none for a
   * Back Office user's. Refresh refuses the family while that key is disabled or removed.
   */
  keyId?: string;
  /**
   * Set when the family was revoked, every member dead: a used refresh token of it was presented again
   * (`revokedBy: 'reuse_detection'`), or the partner revoked it (`POST /__mock/b2copy/tokens/revoke`).
   */
  revokedAtSeconds?: number;
  revokedBy?: 'reuse_detection' | 'partner';
  /**
   * Set when the session forgot one of its tokens to make room (maxIssuedTokens): a forgotten used
   * refresh token's replay could no longer be detected, so the whole sign-in is dead instead.
   */
  forgotten?: boolean;
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
  families: ExpiringMap<string, TokenFamily>;
  /** By `jti`. */
  tokens: ExpiringMap<string, IssuedToken>;
  /** By the 32-hex token in the Web UI URL. */
  authUrlTokens: ExpiringMap<string, AuthUrlToken>;
  webUiSessions: ExpiringMap<string, WebUiSession>;
  /**
   * The session's own signing keys, from its first `POST /__mock/b2copy/signing-keys/rotate` on; until
   * then undefined, and the session signs with the server's key (`services.signing()`).
   */
  signingKeys: SessionSigningKeys | undefined;
}

/**
 * How long a dead token or link is still recognised (the link page answers 410 expired, the token
 * listing says expired) before it is forgotten.
 */
const RETAIN_EXPIRED_MS = 24 * 3600 * 1000;

/** How long a Web UI session is remembered (the mock's page does nothing with it after sign-in). */
const WEB_UI_SESSION_MS = 24 * 3600 * 1000;

export function createB2CopyState(_fixtures: FixtureStore, { options, onEvict }: FixtureContext<B2Copy>): B2CopyState {
  const capacity = options.maxIssuedTokens;
  // A family outlives none of its tokens (see sweepB2CopyState); it has no expiry of its own.
  const families = new ExpiringMap<string, TokenFamily>({
    name: 'token families',
    capacity,
    expiresAtMs: () => Infinity,
    onEvict,
  });
  return {
    families,
    tokens: new ExpiringMap<string, IssuedToken>({
      name: 'issued tokens',
      onEvicted: (token) => {
        const family = families.get(token.familyId);
        if (family) family.forgotten = true;
      },
      capacity,
      expiresAtMs: (token) => token.expiresAtSeconds * 1000,
      retainMs: RETAIN_EXPIRED_MS,
      onEvict,
    }),
    authUrlTokens: new ExpiringMap({
      name: 'seamless-login links',
      capacity: options.maxAuthUrls,
      expiresAtMs: (entry) => entry.expiresAtMs,
      retainMs: RETAIN_EXPIRED_MS,
      onEvict,
    }),
    webUiSessions: new ExpiringMap({
      name: 'Web UI sessions',
      capacity: options.maxAuthUrls,
      expiresAtMs: (session) => session.createdAtMs + WEB_UI_SESSION_MS,
      onEvict,
    }),
    signingKeys: undefined,
  };
}

/** Dead tokens go, then every family none of whose tokens is left. */
export function sweepB2CopyState(state: B2CopyState, nowMs: number): void {
  state.tokens.sweep(nowMs);
  state.authUrlTokens.sweep(nowMs);
  state.webUiSessions.sweep(nowMs);
  const alive = new Set([...state.tokens.values()].map((token) => token.familyId));
  state.families.sweep(nowMs, (family) => !alive.has(family.id));
}
