/**
 * One session's OAuth state: the login forms waiting for credentials, the authorization codes and
 * the access tokens, in bounded ExpiringMaps; the core keeps one set per `X-Mock-Session` and sweeps it.
 *
 * Every check-and-consume on these maps (a code redeemed, a login form used) happens inside one
 * synchronous block of a handler, with no `await` in between, so simultaneous requests cannot both
 * see "unused".
 */
import { ExpiringMap, type FixtureContext, type FixtureStore } from '../../src/index.ts';
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
  /** Redeemed, or spent by a token request whose `code_verifier` failed: it can never be redeemed again. */
  spent: boolean;
  /** The access tokens issued from this code, revoked if the code is ever presented again. */
  accessTokens: string[];
}

export interface AccessToken {
  token: string;
  clientId: string;
  login: string;
  scope: string;
  /** Moves forward to now + lifetime on every successful use (sliding expiry). */
  expiresAtMs: number;
  /**
   * When Just2Trade revoked it on its side (`POST /__mock/just2trade/tokens/revoke`), on the session clock;
   * kept rather than deleted, so the profile says "revoked" and revoking it again changes nothing.
   */
  revokedAtMs?: number;
}

export interface Just2TradeState {
  pending: ExpiringMap<string, PendingAuthorization>;
  codes: ExpiringMap<string, AuthorizationCode>;
  tokens: ExpiringMap<string, AccessToken>;
  /** The login the authorize endpoint signs in without showing the form (`/__mock/just2trade/auto-login`). */
  autoLogin?: string;
}

/**
 * Expired codes and tokens are kept this long after they expire, so that presenting one still says
 * "expired" rather than "unknown", and a replayed code can still revoke its tokens; then forgotten.
 */
const RETENTION_MS = 24 * 60 * 60 * 1000;

/**
 * Each map has a cap (options): opening the authorize URL costs nothing, so without one a loop (or a
 * benchmark) could grow a session without bound. The oldest entries make room.
 */
export function createState(
  _fixtures: FixtureStore,
  { options, onEvict }: FixtureContext<Just2Trade>,
): Just2TradeState {
  const state: Just2TradeState = {
    pending: new ExpiringMap({
      name: 'pending logins',
      capacity: options.maxPendingLogins,
      expiresAtMs: (pending) => pending.expiresAtMs,
      // Kept a while after it dies, so a late submission hears "expired" rather than "unknown".
      retainMs: RETENTION_MS,
      onEvict,
    }),
    // A code is forgotten only once it is long expired and every token it gave is gone too (a replay
    // must still revoke them): sweepJust2TradeState decides, not the code's own expiry.
    codes: new ExpiringMap<string, AuthorizationCode>({
      name: 'authorization codes',
      capacity: options.maxCodes,
      expiresAtMs: () => Infinity,
      onEvict,
      // Forgotten, a spent code's replay could no longer revoke what it gave: so that goes now.
      onEvicted: (code) => {
        for (const token of code.accessTokens) state.tokens.delete(token);
      },
    }),
    tokens: new ExpiringMap({
      name: 'access tokens',
      capacity: options.maxTokens,
      expiresAtMs: (token) => token.expiresAtMs,
      retainMs: RETENTION_MS,
      onEvict,
    }),
  };
  return state;
}

/** What can no longer matter: dead forms, tokens long expired, codes long expired whose tokens are gone. */
export function sweepJust2TradeState(state: Just2TradeState, nowMs: number): void {
  state.pending.sweep(nowMs);
  state.tokens.sweep(nowMs);
  state.codes.sweep(
    nowMs,
    (code) => code.expiresAtMs + RETENTION_MS <= nowMs && code.accessTokens.every((token) => !state.tokens.has(token)),
  );
}
