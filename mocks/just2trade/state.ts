/**
 * One session's OAuth state: the login forms waiting for credentials, the authorization codes and the
 * access tokens, in bounded tables of the state store, and the session's auto-login; the core keeps one
 * set per `X-Mock-Session` (shared by every replica on the same store) and sweeps it.
 *
 * Every read and write is a round trip to the store, and other requests (on this replica or another)
 * run in between, so nothing one-time is decided by reading a record and then writing it. Each is
 * decided by one of the store's atomic operations, which tells exactly one concurrent caller it won:
 * - a login form is consumed by `pending.delete` (only the caller it returns true to issues a code);
 * - a code is redeemed by `codes.mark(code, 'spentAtMs')`; a replay marks `replayedAtMs`, the winner
 *   marks the token it issued as `accessToken`, and each then reads the other's mark from what its own
 *   `mark` returned, so of the two the later one always sees the earlier (handlers/request-token.ts);
 * - a token is revoked by `tokens.mark(token, 'revokedAtMs')`, and discarded (see AccessToken) by
 *   `tokens.mark(token, 'discarded')`.
 * Records read from the store are not changed in place (the memory store freezes them): a change is a new
 * record written back with `set`, which leaves the marks as they are.
 */
import type { StateContext, StoreTable, StoreValue } from '../../src/index.ts';
import type { Just2Trade } from './index.ts';
import type { CodeChallenge } from './pkce.ts';

/** An authorize request whose client and redirect URI were verified, waiting for the user's credentials. */
export interface PendingAuthorization {
  /** Random id; the login form carries it, nothing else of the request. */
  id: string;
  /** Random; must come back both as the form field and as the cookie the login page set. */
  csrfToken: string;
  clientId: string;
  redirectUri: string;
  /** The client's `state`, returned untouched on the redirect (absent when the request had none). */
  state?: string;
  /** The request's PKCE challenge (RFC 7636), handed on to the code; absent without PKCE. */
  codeChallenge?: CodeChallenge;
  expiresAtMs: number;
}

export interface AuthorizationCode {
  code: string;
  clientId: string;
  /** The redirect URI of the authorization request; a token request that sends one must match it. */
  redirectUri: string;
  login: string;
  /** The token request must carry the matching `code_verifier` (RFC 7636); absent: it must carry none. */
  codeChallenge?: CodeChallenge;
  expiresAtMs: number;
  /**
   * A mark: when a token request spent the code (redeemed it, or failed its `code_verifier` or found its
   * user disabled): it can never be redeemed again. The request whose `mark` wins is the only one to go on.
   */
  spentAtMs?: number;
  /** A mark: when the code was first presented again after it was spent (RFC 6749 §4.1.2: a replay). */
  replayedAtMs?: number;
  /**
   * A mark: the access token issued from this code, discarded if the code is ever presented again (set by
   * the redemption that won, after it stored the token; one code gives at most one token).
   */
  accessToken?: string;
}

export interface AccessToken {
  token: string;
  clientId: string;
  login: string;
  scope: string;
  /** Moves forward to now + lifetime on every successful use (sliding expiry). */
  expiresAtMs: number;
  /**
   * A mark: when Just2Trade revoked it on its side (`POST /__mock/just2trade/tokens/revoke`), on the session
   * clock; kept rather than deleted, so the profile says "revoked" and revoking it again changes nothing.
   */
  revokedAtMs?: number;
  /**
   * A mark: the token is as good as gone — revoked by a replay of its code, or its code was forgotten to make
   * room — and every reader treats it as unknown. Marked rather than deleted because a profile read that had
   * read the token just before would write it back with its new expiry (`set`), bringing a deleted token back
   * to life; a mark survives that write. It is dropped with the token, by the sweep or to make room.
   */
  discarded?: true;
}

export interface Just2TradeState {
  pending: StoreTable<PendingAuthorization>;
  codes: StoreTable<AuthorizationCode>;
  tokens: StoreTable<AccessToken>;
  /** The login the authorize endpoint signs in without showing the form (`/__mock/just2trade/auto-login`). */
  autoLogin: StoreValue<string>;
}

/** A token that may still be looked at: neither unknown nor discarded (revoked or expired ones are kept). */
export function known(token: AccessToken | undefined): token is AccessToken {
  return token !== undefined && token.discarded === undefined;
}

/** Marks a token discarded (see AccessToken): revoked for good, and unknown from now on. */
export async function discard(tokens: StoreTable<AccessToken>, token: string): Promise<void> {
  await tokens.mark(token, 'discarded', true);
}

/**
 * Expired codes and tokens are kept this long after they expire, so that presenting one still says
 * "expired" rather than "unknown", and a replayed code can still revoke its tokens; then forgotten.
 */
const RETENTION_MS = 24 * 60 * 60 * 1000;

/**
 * Each table has a cap (options): opening the authorize URL costs nothing, so without one a loop (or a
 * benchmark) could grow a session without bound. The least recently written records make room.
 */
export function createState(ctx: StateContext<Just2Trade>): Just2TradeState {
  const { options } = ctx;
  const tokens = ctx.table<AccessToken>('tokens', {
    name: 'access tokens',
    capacity: options.maxTokens,
    expiresAtMs: (token) => token.expiresAtMs,
    retainMs: RETENTION_MS,
    marks: ['revokedAtMs', 'discarded'],
  });
  return {
    pending: ctx.table<PendingAuthorization>('pending', {
      name: 'pending logins',
      capacity: options.maxPendingLogins,
      expiresAtMs: (pending) => pending.expiresAtMs,
      // Kept a while after it dies, so a late submission hears "expired" rather than "unknown".
      retainMs: RETENTION_MS,
    }),
    // A code is forgotten only once it is long expired and the token it gave is gone too (a replay must
    // still revoke it): sweepJust2TradeState decides, not the code's own expiry.
    codes: ctx.table<AuthorizationCode>('codes', {
      name: 'authorization codes',
      capacity: options.maxCodes,
      expiresAtMs: () => Infinity,
      marks: ['spentAtMs', 'replayedAtMs', 'accessToken'],
      // Forgotten, a spent code's replay could no longer revoke what it gave: so that goes now. (A token
      // issued but not yet recorded on the code when it goes is discarded by its redemption.)
      onEvicted: async (code) => {
        if (code.accessToken !== undefined) await discard(tokens, code.accessToken);
      },
    }),
    tokens,
    autoLogin: ctx.value<string>('autoLogin'),
  };
}

/** What can no longer matter: dead forms, tokens long expired, codes long expired whose token is gone. */
export async function sweepJust2TradeState(state: Just2TradeState, nowMs: number): Promise<void> {
  await Promise.all([state.pending.sweep(nowMs), state.tokens.sweep(nowMs)]);
  // Read after the tokens' sweep: what it kept. A code this old can no longer be redeemed, so no token
  // can be issued from it meanwhile.
  const kept = new Set((await state.tokens.values()).filter(known).map((token) => token.token));
  await state.codes.sweep(
    nowMs,
    (code) =>
      code.expiresAtMs + RETENTION_MS <= nowMs && (code.accessToken === undefined || !kept.has(code.accessToken)),
  );
}
