/**
 * What the B2COPY mock remembers per session (X-Mock-Session): the tokens it issued, grouped into
 * families (one per sign-in, followed through every refresh), the one-time seamless-login tokens of
 * getAuthUrl, the Web UI sessions those opened, and the session's own signing keys once it rotated
 * them. Times are the session clock's.
 *
 * All of it lives in the state store (this process's memory by default, Redis when replicas share it),
 * as tables and values the core hands out (`ctx.table`, `ctx.value`): every record is JSON, every read
 * and write is a round trip, and a record read is never changed in place but written back whole.
 *
 * What happens once is decided by the store, atomically, never by reading a record, checking it and
 * writing it back (two requests, on two replicas, could both read "unused"): those fields are marks, set
 * at most once by `mark()`, which tells exactly one of any number of concurrent callers that it won.
 * - a refresh token's `usedAtSeconds`: only the refresh that sets it issues the new pair; any other
 *   presentation of the token is a reuse;
 * - a family's `revoked` (reuse detected, or a partner-side revocation) and `forgotten`: set once, never
 *   cleared, and the first one says when and why;
 * - a seamless-login link's `usedAtMs`: only the visit that sets it opens a Web UI session.
 */
import type { StateContext, StoreTable, StoreValue } from '../../src/index.ts';
import type { B2Copy } from './index.ts';
import type { SessionSigningKeys } from './keys.ts';

/** Whose tokens these are: a Back Office user (signIn) or a service admin (authExternalCrm). */
export type SubjectType = 'back_office_user' | 'service_admin';

/** Why a family was revoked: a used refresh token of it presented again, or the partner revoked it. */
export type RevokedBy = 'reuse_detection' | 'partner';

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
   * A mark, set when the family was revoked, every member dead: a used refresh token of it was presented
   * again (`by: 'reuse_detection'`), or the partner revoked it (`POST /__mock/b2copy/tokens/revoke`). One
   * mark for both, so when and why always agree: the first revocation is the one the family keeps.
   */
  revoked?: { atSeconds: number; by: RevokedBy };
  /**
   * A mark, set when the session forgot one of its tokens to make room (maxIssuedTokens): a forgotten used
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
  /** A refresh token works once: a mark, set by the one refresh that exchanged it. */
  usedAtSeconds?: number;
}

/** A getAuthUrl token: one-time and short-lived. */
export interface AuthUrlToken {
  /** The 32-hex token of the Web UI URL, also the record's id (the inspector lists its first characters). */
  token: string;
  accountId: string;
  investmentPlatformId: string;
  expiresAtMs: number;
  /** A mark, set by the one visit that signed in with the link. */
  usedAtMs?: number;
}

/** A Web UI session opened by an auth-URL token (its id is the session cookie). */
export interface WebUiSession {
  accountId: string;
  investmentPlatformId: string;
  createdAtMs: number;
}

export interface B2CopyState {
  /** By family id. */
  families: StoreTable<TokenFamily>;
  /** By `jti`. */
  tokens: StoreTable<IssuedToken>;
  /** By the 32-hex token in the Web UI URL. */
  authUrlTokens: StoreTable<AuthUrlToken>;
  webUiSessions: StoreTable<WebUiSession>;
  /**
   * The session's own signing keys (JWK JSON), from its first `POST /__mock/b2copy/signing-keys/rotate`
   * on; until then unset, and the session signs with the server's key (`services.signing()`).
   */
  signingKeys: StoreValue<SessionSigningKeys>;
}

/**
 * How long a dead token or link is still recognised (the link page answers 410 expired, the token
 * listing says expired) before it is forgotten.
 */
const RETAIN_EXPIRED_MS = 24 * 3600 * 1000;

/** How long a Web UI session is remembered (the mock's page does nothing with it after sign-in). */
const WEB_UI_SESSION_MS = 24 * 3600 * 1000;

export function createB2CopyState({ options, table, value }: StateContext<B2Copy>): B2CopyState {
  const capacity = options.maxIssuedTokens;
  // A family outlives none of its tokens (see sweepB2CopyState); it has no expiry of its own.
  const families = table<TokenFamily>('families', {
    name: 'token families',
    capacity,
    expiresAtMs: () => Infinity,
    marks: ['revoked', 'forgotten'],
  });
  return {
    families,
    tokens: table<IssuedToken>('tokens', {
      name: 'issued tokens',
      // A mark, not a write: it cannot undo a revocation, and the family keeps its place in the table.
      onEvicted: async (token) => {
        await families.mark(token.familyId, 'forgotten', true);
      },
      capacity,
      expiresAtMs: (token) => token.expiresAtSeconds * 1000,
      retainMs: RETAIN_EXPIRED_MS,
      marks: ['usedAtSeconds'],
    }),
    authUrlTokens: table<AuthUrlToken>('authUrlTokens', {
      name: 'seamless-login links',
      capacity: options.maxAuthUrls,
      expiresAtMs: (entry) => entry.expiresAtMs,
      retainMs: RETAIN_EXPIRED_MS,
      marks: ['usedAtMs'],
    }),
    webUiSessions: table<WebUiSession>('webUiSessions', {
      name: 'Web UI sessions',
      capacity: options.maxAuthUrls,
      expiresAtMs: (session) => session.createdAtMs + WEB_UI_SESSION_MS,
    }),
    signingKeys: value<SessionSigningKeys>('signingKeys'),
  };
}

/**
 * Dead tokens, links and Web UI sessions go, then every family none of whose tokens is left. The families
 * are read before the tokens: a sign-in writes its tokens before its family (tokens.ts), so a family listed
 * here has its tokens in the store already, and one being created meanwhile is never taken for empty.
 */
export async function sweepB2CopyState(state: B2CopyState, nowMs: number): Promise<void> {
  await Promise.all([state.tokens.sweep(nowMs), state.authUrlTokens.sweep(nowMs), state.webUiSessions.sweep(nowMs)]);
  const families = await state.families.values();
  if (families.length === 0) return;
  const alive = new Set((await state.tokens.values()).map((token) => token.familyId));
  const dead = new Set(families.filter((family) => !alive.has(family.id)).map((family) => family.id));
  if (dead.size) await state.families.sweep(nowMs, (_family, id) => dead.has(id));
}
