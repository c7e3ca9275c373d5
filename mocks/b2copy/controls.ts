/**
 * What a test suite gets as `mock.b2copy` on `startMockServer()`'s and `connectMockServer()`'s handles:
 * typed calls to the control API in the handle's session.
 */
import type { JSONWebKeySet } from 'jose';
import type { ControlRequester } from '../../src/index.ts';

/** One token issued in the session, as `GET /__mock/b2copy/tokens` lists it (no JWT). */
export interface IssuedToken {
  jti: string;
  use: 'access' | 'refresh';
  status: 'active' | 'used' | 'revoked' | 'expired';
  sub?: string;
  subType?: string;
  /** The integration key (`key_id`) of an external CRM's sign-in; refresh refuses it while the key is disabled. */
  keyId?: string;
  familyId: string;
  issuedAt: string;
  expiresAt: string;
  usedAt?: string;
  revokedAt?: string;
  /** Why it was revoked: a used refresh token presented again, or a partner-side revocation. */
  revokedBy?: 'reuse_detection' | 'partner';
}

/** What rotating or retiring signing keys answers: the session's key ids. */
export interface SigningKeyIds {
  /** The `kid` the session's new tokens are signed under. */
  current: string;
  /** Every `kid` the session's JWKS serves (and refresh accepts), oldest first; `current` is the last. */
  published: string[];
}

/** What `tokens/revoke` is given: one token (its whole sign-in), or a user (every sign-in of theirs). */
export type RevokeTokensTarget =
  | { token: string }
  /** A Back Office user's email, or a service admin's id. */
  | { user: string | number };

/** What `tokens/revoke` answers: the sign-ins it revoked and the live tokens they held (0 for none). */
export interface RevokedTokens {
  families: number;
  tokens: number;
}

export function b2copyControls(api: ControlRequester) {
  return {
    /** The public keys B2COPY's tokens verify with (`createLocalJWKSet(await mock.b2copy.jwks())`). */
    jwks: () => api.call<JSONWebKeySet>('GET', '/b2copy/jwks.json'),
    /** Every token issued in this session, newest first, with what became of it (rotation, reuse). */
    tokens: () => api.call<IssuedToken[]>('GET', '/b2copy/tokens'),
  };
}

export type B2CopyControls = ReturnType<typeof b2copyControls>;

/** What a test suite gets as `mock.events.b2copy`: the partner-side events, in the handle's session. */
export function b2copyEvents(api: ControlRequester) {
  return {
    /**
     * A new RS256 key signs the session's new tokens under a new `kid`; the JWKS serves it beside the old
     * ones, which still verify until `retireSigningKeys()`.
     */
    rotateSigningKey: () => api.call<SigningKeyIds>('POST', '/b2copy/signing-keys/rotate'),
    /** The old keys leave the session's JWKS, and tokens signed with them are refused; `retired`: their kids. */
    retireSigningKeys: () => api.call<SigningKeyIds & { retired: string[] }>('POST', '/b2copy/signing-keys/retire'),
    /**
     * Revokes on B2COPY's side `{ token }`'s whole sign-in, or every sign-in of `{ user }` (an email or an
     * admin id); their tokens are refused from then on (`refresh_token_revoked`).
     */
    revokeTokens: (target: RevokeTokensTarget) => api.call<RevokedTokens>('POST', '/b2copy/tokens/revoke', target),
  };
}

export type B2CopyEvents = ReturnType<typeof b2copyEvents>;
