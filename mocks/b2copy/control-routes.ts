/**
 * B2COPY's own control routes under `/__mock/b2copy`: the JWKS its tokens verify with, and, for
 * debugging a client, the tokens issued in the session with what became of each.
 */
import type { ControlRoute } from '../../src/index.ts';
import type { B2Copy } from './index.ts';
import { isRevoked } from './tokens.ts';

type Route = ControlRoute<B2Copy>;

/** `GET /__mock/b2copy/jwks.json`: the public key of this server's RS256 signing key. */
const jwks: Route = {
  method: 'GET',
  path: '/jwks.json',
  handler: async ({ services, respond }) => respond.json(200, { keys: [(await services.signing()).publicJwk] }),
};

/**
 * `GET /__mock/b2copy/tokens`: every access and refresh token issued in this session (newest first),
 * without the JWTs themselves: `jti`, use, subject, times and status (`active`, `used`, `revoked`,
 * `expired`), so a client developer can see what rotation and reuse detection did.
 */
const tokens: Route = {
  method: 'GET',
  path: '/tokens',
  handler({ state, clock, respond }) {
    const now = clock.nowSeconds();
    const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
    const list = [...state.tokens.values()].reverse().map((token) => {
      const family = state.families.get(token.familyId);
      const status = isRevoked(state, token)
        ? 'revoked'
        : token.usedAtSeconds !== undefined
          ? 'used'
          : now >= token.expiresAtSeconds
            ? 'expired'
            : 'active';
      return {
        jti: token.jti,
        use: token.use,
        status,
        sub: family?.sub,
        subType: family?.subType,
        familyId: token.familyId,
        issuedAt: iso(token.issuedAtSeconds),
        expiresAt: iso(token.expiresAtSeconds),
        ...(token.usedAtSeconds !== undefined ? { usedAt: iso(token.usedAtSeconds) } : {}),
        ...(family?.revokedAtSeconds !== undefined ? { revokedAt: iso(family.revokedAtSeconds) } : {}),
      };
    });
    return respond.json(200, list);
  },
};

export const controlRoutes: Route[] = [jwks, tokens];
