/**
 * `POST /api/admin/auth/v2/admin/adminservice/refreshtoken` (docs: b2copy-external-crm.md; the body
 * `{"refresh_token": "..."}` is ours): a refresh token for a new pair. Refresh tokens rotate: each works
 * once, and presenting a used one again revokes its whole family (RFC 9700 §4.14.2), since either the
 * client or an attacker holds a stolen copy. An external CRM's sign-in is refused while the integration key
 * it signed in with is disabled or removed (a partner-side change).
 *
 * Which of several presentations of one refresh token is the refresh, and which are reuses, is decided by
 * the store: the token's `usedAtSeconds` is a mark, and only the request that sets it (on whatever replica)
 * issues the new pair. Every check before it only refuses early; none decides.
 */
import { errors, jwtVerify, type JWTHeaderParameters, type JWTPayload } from 'jose';
import type { HandlerContext } from '../../../src/index.ts';
import { B2CopyError } from '../errors.ts';
import type { Integration } from '../fixtures.ts';
import type { B2Copy } from '../index.ts';
import { currentKey, retiredAt, type B2CopyKeys, type SessionSigningKeys } from '../keys.ts';
import type { TokenFamily } from '../state.ts';
import { isoWithOffset, issuerOf, issueTokenPair, pairTimes, type B2CopyContext } from '../tokens.ts';

const FIELD = '/refresh_token';
const refused = (code: string, message: string) => new B2CopyError(401, code, message, FIELD);
const unknownToken = () =>
  refused(
    'invalid_refresh_token',
    'refresh_token is not known in this session: it was issued in another session (X-Mock-Session), the session was reset, or it forgot the token to make room (maxIssuedTokens).',
  );

export async function refreshToken(ctx: HandlerContext<B2Copy, 'refreshToken'>) {
  const { jti, familyId } = await verifyOwnRefreshToken(ctx.request.body.refresh_token, ctx);

  const { state } = ctx;
  const now = ctx.clock.nowSeconds();
  // The family first, then the token (its id is a claim of the verified token): a family read as revoked
  // was revoked before the token was read, so a token read unused was not spent by then, and no concurrent
  // reuse of it can be what revoked the family — a request that lost the race to spend it hears "reused"
  // (from the token read, or from the mark below), never "revoked" by the other losers' reuse detection.
  const family = await state.families.get(familyId);
  const used = family && (await state.tokens.get(jti));
  if (!used || used.use !== 'refresh' || used.familyId !== familyId || !family) throw unknownToken();
  if (used.usedAtSeconds !== undefined) return reused(ctx, family, used.usedAtSeconds, now);
  if (family.forgotten) {
    throw refused(
      'refresh_token_revoked',
      'refresh_token was revoked: the session forgot part of this sign-in to make room (maxIssuedTokens), so every token of it is dead. Sign in again.',
    );
  }
  if (family.revoked !== undefined) {
    const why =
      family.revoked.by === 'partner'
        ? 'by B2COPY (a partner-side revocation, POST /__mock/b2copy/tokens/revoke)'
        : 'when a used refresh token of the same sign-in was presented again';
    throw refused(
      'refresh_token_revoked',
      `refresh_token was revoked at ${isoWithOffset(family.revoked.atSeconds)}, ${why}. Sign in again.`,
    );
  }
  // An external CRM's sign-in lives only as long as its integration key: refused (the token unspent) while
  // B2COPY has the key disabled or removed, refreshed again once it is back.
  if (family.keyId !== undefined) await assertIntegrationUsable(ctx, family.keyId);
  // Everything that can refuse is checked before the token is spent (the clock included).
  const times = pairTimes(ctx);

  // The decision: of every request presenting this token, on any replica, exactly one sets the mark.
  const spent = await state.tokens.mark(jti, 'usedAtSeconds', now);
  // Gone meanwhile (forgotten to make room, or the session reset): unknown, as if it had been before.
  if (!spent) {
    throw unknownToken();
  }
  if (!spent.won) return reused(ctx, family, spent.value.usedAtSeconds ?? now, now);

  return ctx.respond.json(200, await issueTokenPair(ctx, family, times));
}

/**
 * A used refresh token presented again: the whole family is revoked (unless it was already, whose first
 * revocation stands: the mark is set once) and the request refused.
 */
async function reused(ctx: B2CopyContext, family: TokenFamily, usedAtSeconds: number, now: number): Promise<never> {
  await ctx.state.families.mark(family.id, 'revoked', { atSeconds: now, by: 'reuse_detection' });
  throw refused(
    'refresh_token_reused',
    `refresh_token was already used at ${isoWithOffset(usedAtSeconds)}; presenting it again revoked every token of this sign-in (refresh-token reuse detection). Sign in again.`,
  );
}

/** The integration key an external-CRM sign-in was made with, as the session has it now: there and enabled. */
async function assertIntegrationUsable(ctx: B2CopyContext, keyId: string): Promise<void> {
  const integration = await ctx.fixtures.get<Integration>('integrations', keyId);
  if (!integration) {
    throw refused(
      'unknown_key_id',
      `refresh_token belongs to an external CRM sign-in with key_id ${keyId}, which B2COPY no longer has (removed from integrations): refused until the key is registered again. The refresh token is not used up.`,
    );
  }
  if (integration.disabled === true) {
    throw refused(
      'integration_disabled',
      `key_id ${keyId} is disabled: B2COPY refreshes no token of an external CRM sign-in made with it until it is enabled again. The refresh token is not used up.`,
    );
  }
}

/**
 * Signature (the session's keys: the server's, or those the session rotated to and still publishes),
 * issuer, expiry against the session clock, and that it is a refresh token. Answers its `jti`, the key
 * of the token in the session's state, and its `family_id` (signed by this mock, so as good as the record's).
 */
async function verifyOwnRefreshToken(token: string, ctx: B2CopyContext): Promise<{ jti: string; familyId: string }> {
  const now = ctx.clock.now();
  const keys = await ctx.state.signingKeys.get();
  // A session that never rotated has one key, the server's; one that did picks by the token's `kid`.
  // Read outside the `try`: a store that cannot be reached is a 503, not a bad token.
  const key = keys ? publishedKeyFor(keys, ctx.services) : (await ctx.services.signing()).publicKey;
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, key, {
      algorithms: ['RS256'],
      issuer: issuerOf(ctx),
      currentDate: now,
      requiredClaims: ['jti', 'sub', 'iat', 'exp'],
    }));
  } catch (error) {
    if (error instanceof B2CopyError) throw error; // a retired key, named by publishedKeyFor
    // The signature is good by now (jose checks claims after it): an expired access token is still an
    // access token, and that is what the client needs to hear.
    if (error instanceof errors.JWTExpired && error.payload.token_use !== 'refresh') throw notARefreshToken();
    if (error instanceof errors.JWTExpired) {
      throw refused(
        'refresh_token_expired',
        `refresh_token has expired (exp ${new Date(Number(error.payload.exp) * 1000).toISOString()}; mock clock ${now.toISOString()}). Sign in again.`,
      );
    }
    if (error instanceof errors.JWSSignatureVerificationFailed) {
      throw refused(
        'invalid_refresh_token',
        'refresh_token signature is invalid: it was not issued by this mock server (another server, or one restarted without a shared --store, signs with another key; a session that rotated its key signs with its own) or it was altered.',
      );
    }
    if (error instanceof errors.JWTClaimValidationFailed) {
      throw refused(
        'invalid_refresh_token',
        `refresh_token ${error.claim} claim is not what this mock server issues: ${error.message}.`,
      );
    }
    throw refused(
      'invalid_refresh_token',
      `refresh_token is not a token of this mock server: ${(error as Error)?.message ?? 'unreadable'}.`,
    );
  }
  if (payload.token_use !== 'refresh') throw notARefreshToken();
  // Required above, and a string in every token this server signs; anything else is not one of them.
  if (typeof payload.jti !== 'string')
    throw refused('invalid_refresh_token', 'refresh_token jti claim is not a string.');
  if (typeof payload.family_id !== 'string')
    throw refused('invalid_refresh_token', 'refresh_token family_id claim is not a string.');
  return { jti: payload.jti, familyId: payload.family_id };
}

/**
 * The key a token's `kid` names among those the session publishes. A retired one is refused by name; an
 * unknown kid gets the current key, and so the signature check's answer (another server, or altered).
 */
function publishedKeyFor(keys: SessionSigningKeys, services: B2CopyKeys) {
  return async ({ kid }: JWTHeaderParameters) => {
    const published = keys.published.find((key) => key.kid === kid);
    if (published) return (await services.signingKey(published)).publicKey;
    const retired = retiredAt(keys, kid);
    if (retired !== undefined) {
      throw refused(
        'invalid_refresh_token',
        `refresh_token is signed with key ${kid}, which B2COPY retired at ${isoWithOffset(retired)} (POST /__mock/b2copy/signing-keys/retire): tokens signed with it are refused. Sign in again.`,
      );
    }
    return (await services.signingKey(currentKey(keys))).publicKey;
  };
}

const notARefreshToken = () =>
  refused('invalid_refresh_token', 'refresh_token is an access token; send the refreshToken.token of a token pair.');
