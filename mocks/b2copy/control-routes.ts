/**
 * B2COPY's own control routes under `/__mock/b2copy`: the JWKS its tokens verify with and, for debugging
 * a client, the tokens issued in the session with what became of each; and the partner-side events a CRM
 * must survive (README, "Partner-side events"): a signing key rotated and the old one retired, tokens
 * revoked. Each event is a POST, so the core journals it (`control`); each works in the caller's session.
 * A revocation is a mark on each family it revokes (state.ts), so concurrent ones count each family once.
 */
import { decodeJwt } from 'jose';
import { MockError, type ControlRoute } from '../../src/index.ts';
import type { BackOfficeUser, ServiceAdmin } from './fixtures.ts';
import type { B2Copy } from './index.ts';
import {
  MAX_PUBLISHED_KEYS,
  addSigningKey,
  currentKey,
  generateSigningKey,
  publishedKeys,
  retireOldKeys,
  type SessionSigningKeys,
  type StoredSigningKey,
} from './keys.ts';
import type { B2CopyState, IssuedToken, TokenFamily } from './state.ts';
import { isDead, revokeFamilies } from './tokens.ts';

type Route = ControlRoute<B2Copy>;

/** `GET /__mock/b2copy/jwks.json`: the session's RS256 public keys (the server's one, until it rotates). */
const jwks: Route = {
  method: 'GET',
  path: '/jwks.json',
  handler: async ({ state, services, respond }) =>
    respond.json(200, {
      keys: (await publishedKeys(await state.signingKeys.get(), services)).map((key) => key.publicJwk),
    }),
};

/**
 * `GET /__mock/b2copy/tokens`: every access and refresh token issued in this session (newest first),
 * without the JWTs themselves: `jti`, use, subject (and for an external CRM's sign-in the `keyId` it used),
 * times and status (`active`, `used`, `revoked`, `expired`), so a client developer can see what rotation and
 * reuse detection did.
 */
const tokens: Route = {
  method: 'GET',
  path: '/tokens',
  async handler({ state, clock, respond }) {
    const now = clock.nowSeconds();
    const [issued, families] = await Promise.all([state.tokens.values(), familiesById(state)]);
    return respond.json(
      200,
      issued.reverse().map((token) => issuedTokenView(families.get(token.familyId), token, now)),
    );
  },
};

/** Every family of the session by id: read once for a listing, not once per token. */
export async function familiesById(state: B2CopyState): Promise<Map<string, TokenFamily>> {
  return new Map((await state.families.values()).map((family) => [family.id, family]));
}

/**
 * One issued token as `GET /__mock/b2copy/tokens` lists it (and the inspector, mocks/b2copy/inspect-session.ts):
 * its `jti`, subject, times and status on the session's clock at `nowSeconds`, never the JWT itself.
 * `family` is the token's family as the session has it (undefined: forgotten).
 */
export function issuedTokenView(family: TokenFamily | undefined, token: IssuedToken, nowSeconds: number) {
  const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
  const status: 'active' | 'used' | 'revoked' | 'expired' = isDead(family)
    ? 'revoked'
    : token.usedAtSeconds !== undefined
      ? 'used'
      : nowSeconds >= token.expiresAtSeconds
        ? 'expired'
        : 'active';
  return {
    jti: token.jti,
    use: token.use,
    status,
    sub: family?.sub,
    subType: family?.subType,
    ...(family?.keyId !== undefined ? { keyId: family.keyId } : {}),
    familyId: token.familyId,
    issuedAt: iso(token.issuedAtSeconds),
    expiresAt: iso(token.expiresAtSeconds),
    ...(token.usedAtSeconds !== undefined ? { usedAt: iso(token.usedAtSeconds) } : {}),
    ...(family?.revoked !== undefined
      ? { revokedAt: iso(family.revoked.atSeconds), revokedBy: family.revoked.by }
      : {}),
  };
}

/** The rotate and retire events take nothing: no body, or `{}` (the core checks it, naming a member sent). */
const NO_PARAMETERS = { type: 'object', additionalProperties: false };

/** What rotate and retire answer: the kid signing new tokens, and the kids the session's JWKS serves. */
const keyIds = (current: StoredSigningKey, published: StoredSigningKey[]) => ({
  current: current.kid,
  published: published.map((key) => key.kid),
});

const publishedCount = (keys: SessionSigningKeys | undefined) => keys?.published.length ?? 1;

/**
 * `POST /__mock/b2copy/signing-keys/rotate`: a new RS256 key signs the session's new tokens under a new
 * `kid`; the session's JWKS serves it beside the old ones, which still verify, until they are retired.
 */
const rotateSigningKey: Route = {
  method: 'POST',
  path: '/signing-keys/rotate',
  body: NO_PARAMETERS,
  async handler({ state, services, respond }) {
    const full = () =>
      new MockError(
        409,
        'conflict',
        `This session already publishes ${MAX_PUBLISHED_KEYS} signing keys: retire the old ones first (POST /__mock/b2copy/signing-keys/retire).`,
      );
    if (publishedCount(await state.signingKeys.get()) >= MAX_PUBLISHED_KEYS) throw full();
    // Generating an RSA key takes tens of milliseconds; the session's keys are read again after it, and
    // written back at once, so a rotation or retirement that ran meanwhile is kept. (Two rotations of one
    // session at the very same moment may still keep only one: the keys are one value, and a partner-side
    // event is sent one at a time.)
    const [server, next] = await Promise.all([services.signing(), generateSigningKey()]);
    const before = await state.signingKeys.get();
    if (publishedCount(before) >= MAX_PUBLISHED_KEYS) throw full(); // rotations that ran meanwhile
    const keys = addSigningKey(before, server, next);
    await state.signingKeys.set(keys);
    // Imported already: the session's first token under the new key needs no import of its own.
    services.remember(next);
    return respond.json(200, keyIds(currentKey(keys), keys.published));
  },
};

/**
 * `POST /__mock/b2copy/signing-keys/retire`: every key but the current one leaves the session's JWKS, and
 * the tokens signed with them are refused from now on. Nothing to retire (no rotation since the last
 * retirement) is no error: `retired` is empty.
 */
const retireSigningKeys: Route = {
  method: 'POST',
  path: '/signing-keys/retire',
  body: NO_PARAMETERS,
  async handler({ state, services, clock, respond }) {
    const { keys, retired } = retireOldKeys(await state.signingKeys.get(), clock.nowSeconds());
    if (keys && retired.length) await state.signingKeys.set(keys);
    const server = await services.signing();
    return respond.json(200, {
      ...keyIds(keys ? currentKey(keys) : server, keys?.published ?? [server]),
      retired,
    });
  },
};

/**
 * `POST /__mock/b2copy/tokens/revoke` with `{ "token": "<JWT>" }` (an access or refresh token: its whole
 * sign-in) or `{ "user": "<email>" | <admin id> }` (every sign-in of that Back Office user or service
 * admin): B2COPY revokes them on its side, and each of their tokens is refused from then on. Answers how
 * many sign-ins (`families`) were revoked and how many live tokens they held (`tokens`); revoking again
 * what is already revoked counts 0. The body's shape (one of the two, nothing else) is the route's schema,
 * checked by the core; what it names (a token of this session, a known user) is checked here: 404.
 */
const revokeTokens: Route = {
  method: 'POST',
  path: '/tokens/revoke',
  body: {
    type: 'object',
    properties: {
      // A compact JWS (three base64url parts); the handler reads its jti.
      token: { type: 'string', pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$' },
      // A Back Office user's email or a service admin's id, which may be an integer (as in admins).
      user: { type: ['string', 'integer'], minLength: 1 },
    },
    additionalProperties: false,
    oneOf: [{ required: ['token'] }, { required: ['user'] }],
  },
  async handler({ state, fixtures, clock, request, respond }) {
    const target = request.body as { token: string } | { user: string | number };
    const now = clock.nowSeconds();
    if ('token' in target) {
      const jti = jtiOf(target.token);
      const issued = jti === undefined ? undefined : await state.tokens.get(jti);
      if (!issued) {
        const which = jti === undefined ? 'has no jti claim: it' : `(jti ${jti})`;
        throw new MockError(
          404,
          'not_found',
          `token ${which} is not a token of this session: issued in another session (X-Mock-Session), before a reset, by another server, or forgotten to make room (maxIssuedTokens).`,
          { details: [{ location: '/body/token', message: 'names no token issued in this session' }] },
        );
      }
      return respond.json(200, await revokeFamilies(state, (family) => family.id === issued.familyId, now));
    }
    // A token's subject is the user's email or the admin's id as a string: 1 and "1" are the same admin.
    const user = String(target.user);
    const known =
      (await fixtures.get<BackOfficeUser>('users', user)) !== undefined ||
      (await fixtures.get<ServiceAdmin>('admins', user)) !== undefined ||
      (await state.families.values()).some((family) => family.sub === user);
    if (!known) {
      throw new MockError(
        404,
        'not_found',
        `user ${user} is neither a Back Office user (an email in users) nor a service admin (an id in admins) of this session, and holds no tokens.`,
        { details: [{ location: '/body/user', message: 'names no user or admin of this session' }] },
      );
    }
    return respond.json(200, await revokeFamilies(state, (family) => family.sub === user, now));
  },
};

/** The `jti` of a token shaped like a JWT, if it decodes to one with a string `jti` (every token this mock issues). */
function jtiOf(token: string): string | undefined {
  try {
    const { jti } = decodeJwt(token);
    return typeof jti === 'string' ? jti : undefined;
  } catch {
    return undefined;
  }
}

export const controlRoutes: Route[] = [jwks, tokens, rotateSigningKey, retireSigningKeys, revokeTokens];
