/**
 * One session's OAuth state: the login forms waiting for credentials, the authorization codes and
 * the access tokens. Plain Maps owned by this plugin; the core keeps one set per `X-Mock-Session`.
 *
 * Every check-and-consume on these maps (a code redeemed, a login form used) happens inside one
 * synchronous block of a handler, with no `await` in between, so simultaneous requests cannot both
 * see "unused".
 */
import { sweepWhenGrown } from '../../src/index.ts';
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
}

export interface Just2TradeState {
  pending: Map<string, PendingAuthorization>;
  codes: Map<string, AuthorizationCode>;
  tokens: Map<string, AccessToken>;
}

export function createState(): Just2TradeState {
  return { pending: new Map(), codes: new Map(), tokens: new Map() };
}

/**
 * Login forms one session keeps at most: opening the authorize URL costs nothing, so without a cap
 * a loop (or a benchmark) could grow a session without bound. The oldest are dropped first.
 */
export const MAX_PENDING_PER_SESSION = 1000;

/**
 * Expired codes and tokens are kept this long after they expire, so that presenting one still says
 * "expired" rather than "unknown", and a replayed code can still revoke its tokens; then forgotten.
 */
const RETENTION_MS = 24 * 60 * 60 * 1000;

/** Below this many entries a map is never swept. */
const SWEEP_FLOOR = 1000;

/**
 * Forgets what can no longer matter, once a map has grown enough that it is worth a sweep (so the cost
 * per request stays constant). Called whenever something new is stored.
 */
export function forgetExpired(state: Just2TradeState, nowMs: number): void {
  sweepWhenGrown(state.pending, (pending) => pending.expiresAtMs <= nowMs, SWEEP_FLOOR);
  sweepWhenGrown(state.tokens, (record) => record.expiresAtMs + RETENTION_MS <= nowMs, SWEEP_FLOOR);
  sweepWhenGrown(
    state.codes,
    (record) =>
      record.expiresAtMs + RETENTION_MS <= nowMs && record.accessTokens.every((token) => !state.tokens.has(token)),
    SWEEP_FLOOR,
  );
}

/** Stores a login form, dropping the oldest when the session already holds the maximum. */
export function addPending(state: Just2TradeState, pending: PendingAuthorization, nowMs: number): void {
  forgetExpired(state, nowMs);
  for (const id of state.pending.keys()) {
    if (state.pending.size < MAX_PENDING_PER_SESSION) break;
    state.pending.delete(id);
  }
  state.pending.set(pending.id, pending);
}
