/**
 * B2COPY's own control routes under `/__mock/b2copy`: the JWKS its tokens verify with and, for debugging
 * a client, the tokens issued in the session with what became of each; and the partner-side events a CRM
 * must survive (README, "Partner-side events"): a signing key rotated and the old one retired, tokens
 * revoked. Each event is a POST, so the core journals it (`control`); each works in the caller's session.
 */
import { decodeJwt } from 'jose';
import { MockError, type ControlRoute } from '../../src/index.ts';
import type { BackOfficeUser, ServiceAdmin } from './fixtures.ts';
import type { B2Copy } from './index.ts';
import {
  MAX_PUBLISHED_KEYS,
  addSigningKey,
  generateSigningKey,
  publishedKeys,
  retireOldKeys,
  type SessionSigningKeys,
  type SigningKey,
} from './keys.ts';
import { isRevoked, revokeFamilies } from './tokens.ts';

type Route = ControlRoute<B2Copy>;

/** `GET /__mock/b2copy/jwks.json`: the session's RS256 public keys (the server's one, until it rotates). */
const jwks: Route = {
  method: 'GET',
  path: '/jwks.json',
  handler: async ({ state, services, respond }) =>
    respond.json(200, { keys: (await publishedKeys(state.signingKeys, services)).map((key) => key.publicJwk) }),
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
        ...(family?.revokedAtSeconds !== undefined
          ? { revokedAt: iso(family.revokedAtSeconds), revokedBy: family.revokedBy ?? 'reuse_detection' }
          : {}),
      };
    });
    return respond.json(200, list);
  },
};

/** A refusal of the control API naming the body member at fault (`/body/token`). */
function badBody(location: string, message: string): MockError {
  return new MockError(400, 'invalid_request', `${location.slice('/body'.length + 1) || 'body'} ${message}`, {
    details: [{ location, message }],
  });
}

/** The rotate and retire events take nothing: no body, or `{}`. */
function expectNoBody(body: unknown, route: string): void {
  if (body === undefined) return;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badBody('/body', `must be empty or {}: ${route} takes no parameters.`);
  }
  const [field] = Object.keys(body);
  if (field !== undefined) throw badBody(`/body/${field}`, `is not a parameter: ${route} takes none.`);
}

/** What rotate and retire answer: the kid signing new tokens, and the kids the session's JWKS serves. */
const keyIds = (current: SigningKey, published: SigningKey[]) => ({
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
  async handler({ state, services, request, respond }) {
    expectNoBody(request.body, 'signing-keys/rotate');
    const full = () =>
      new MockError(
        409,
        'conflict',
        `This session already publishes ${MAX_PUBLISHED_KEYS} signing keys: retire the old ones first (POST /__mock/b2copy/signing-keys/retire).`,
      );
    if (publishedCount(state.signingKeys) >= MAX_PUBLISHED_KEYS) throw full();
    // Generating an RSA key takes tens of milliseconds; the state changes after, in one synchronous step.
    const [server, next] = await Promise.all([services.signing(), generateSigningKey()]);
    if (publishedCount(state.signingKeys) >= MAX_PUBLISHED_KEYS) throw full(); // rotations that ran meanwhile
    const keys = (state.signingKeys = addSigningKey(state.signingKeys, server, next));
    return respond.json(200, keyIds(keys.current, keys.published));
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
  async handler({ state, services, clock, request, respond }) {
    expectNoBody(request.body, 'signing-keys/retire');
    const retired = retireOldKeys(state.signingKeys, clock.nowSeconds());
    const keys = state.signingKeys;
    const server = await services.signing();
    return respond.json(200, { ...keyIds(keys?.current ?? server, keys?.published ?? [server]), retired });
  },
};

/**
 * `POST /__mock/b2copy/tokens/revoke` with `{ "token": "<JWT>" }` (an access or refresh token: its whole
 * sign-in) or `{ "user": "<email>" | <admin id> }` (every sign-in of that Back Office user or service
 * admin): B2COPY revokes them on its side, and each of their tokens is refused from then on. Answers how
 * many sign-ins (`families`) were revoked and how many live tokens they held (`tokens`); revoking again
 * what is already revoked counts 0.
 */
const revokeTokens: Route = {
  method: 'POST',
  path: '/tokens/revoke',
  handler({ state, fixtures, clock, request, respond }) {
    const target = revocationTarget(request.body);
    const now = clock.nowSeconds();
    if ('token' in target) {
      const issued = state.tokens.get(target.jti);
      if (!issued) {
        throw new MockError(
          404,
          'not_found',
          `token (jti ${target.jti}) is not a token of this session: issued in another session (X-Mock-Session), before a reset, by another server, or forgotten to make room (maxIssuedTokens).`,
          { details: [{ location: '/body/token', message: 'names no token issued in this session' }] },
        );
      }
      return respond.json(
        200,
        revokeFamilies(state, (family) => family.id === issued.familyId, now),
      );
    }
    const { user } = target;
    const known =
      fixtures.get<BackOfficeUser>('users', user) !== undefined ||
      fixtures.get<ServiceAdmin>('admins', user) !== undefined ||
      [...state.families.values()].some((family) => family.sub === user);
    if (!known) {
      throw new MockError(
        404,
        'not_found',
        `user ${user} is neither a Back Office user (an email in users) nor a service admin (an id in admins) of this session, and holds no tokens.`,
        { details: [{ location: '/body/user', message: 'names no user or admin of this session' }] },
      );
    }
    // A token's subject is the user's email or the admin's id (as a string): whichever `user` is.
    return respond.json(
      200,
      revokeFamilies(state, (family) => family.sub === user, now),
    );
  },
};

/** `{ token }` (read for its `jti`) or `{ user }` (a string; an admin id may be an integer), else a 400. */
function revocationTarget(body: unknown): { token: string; jti: string } | { user: string } {
  const usage = 'send { "token": "<access or refresh token>" } or { "user": "<email or admin id>" }';
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw badBody('/body', `must be an object: ${usage}.`);
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).find((field) => field !== 'token' && field !== 'user');
  if (unknown !== undefined) throw badBody(`/body/${unknown}`, `is not a parameter: ${usage}.`);
  const { token, user } = fields;
  if (token !== undefined && user !== undefined) throw badBody('/body/user', `cannot be sent with token: ${usage}.`);
  if (token !== undefined) {
    if (typeof token !== 'string' || token === '') throw badBody('/body/token', 'must be a non-empty string (a JWT).');
    let jti: unknown;
    try {
      ({ jti } = decodeJwt(token));
    } catch {
      throw badBody(
        '/body/token',
        'is not a JWT: send the token of an accessToken or refreshToken as B2COPY issued it.',
      );
    }
    if (typeof jti !== 'string') throw badBody('/body/token', 'has no jti claim: it is not a token this mock issued.');
    return { token, jti };
  }
  if (user !== undefined) {
    const valid = (typeof user === 'string' && user !== '') || (typeof user === 'number' && Number.isSafeInteger(user));
    if (!valid)
      throw badBody('/body/user', 'must be a non-empty string (an email or admin id) or an integer (an admin id).');
    return { user: String(user) };
  }
  throw badBody('/body', `must have token or user: ${usage}.`);
}

export const controlRoutes: Route[] = [jwks, tokens, rotateSigningKey, retireSigningKeys, revokeTokens];
