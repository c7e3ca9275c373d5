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
  familyId: string;
  issuedAt: string;
  expiresAt: string;
  usedAt?: string;
  revokedAt?: string;
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
  void api;
  return {};
}

export type B2CopyEvents = ReturnType<typeof b2copyEvents>;
