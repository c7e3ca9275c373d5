/**
 * The tokens B2COPY hands out: RS256 JWTs signed with the session's key (the server's, until the session
 * rotates its own; see keys.ts), recorded in the session's state so that refresh rotation, reuse
 * detection and partner-side revocation can follow them.
 *
 * Claims: `sub`, `iat`, `exp`, `iss` (this mock's B2COPY base URL), a unique `jti` (documented: the
 * docs' example tokens carry `sub`, `iat`, `exp`, `iss`), and ours: `token_use` (`access` or `refresh`,
 * so an access token cannot be exchanged as a refresh token), `family_id` (one per sign-in, kept through
 * every refresh) and `sub_type` (`back_office_user` or `service_admin`).
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { components } from '../../src/generated/b2copy.ts';
import type { PluginContext } from '../../src/index.ts';
import { B2CopyError } from './errors.ts';
import { MOUNT } from './fixtures.ts';
import type { B2Copy } from './index.ts';
import { currentKey } from './keys.ts';
import { type B2CopyState, type IssuedToken, type TokenFamily } from './state.ts';

/**
 * What issuing and verifying tokens read of a handler's context. `respond` is left out: each handler's
 * is typed for its own operation, and nothing here answers.
 */
export type B2CopyContext = Omit<PluginContext<B2Copy>, 'respond'>;

/** The documented token-pair answer (`2faRequired: false`). */
export type TokenPairBody = components['schemas']['TokenPair'];

/** Who the mock's tokens are issued by: its own B2COPY base URL. */
export function issuerOf(ctx: Pick<B2CopyContext, 'urlFor'>): string {
  return ctx.urlFor(MOUNT);
}

/** A fresh sign-in: its subject, and for an external CRM's, the integration key (`key_id`) it signed in with. */
export type NewSignIn = Pick<TokenFamily, 'sub' | 'subType' | 'keyId'>;

/** Whose tokens to issue: a fresh sign-in (a new family), or a refresh in an existing family. */
export type TokenOwner = TokenFamily | NewSignIn;

/** A pair recorded in the state, not yet signed. */
export interface PendingTokenPair {
  family: TokenFamily;
  access: IssuedToken;
  refresh: IssuedToken;
}

/**
 * The times of a new pair issued now, checked first: throws (changing nothing) if the clock is beyond what
 * the answer can write. A refresh checks this before it spends the old token.
 */
export function pairTimes(ctx: Pick<B2CopyContext, 'clock' | 'options'>): PairTimes {
  const { options } = ctx;
  const iat = ctx.clock.nowSeconds();
  const accessExp = iat + options.accessTokenTtlSeconds;
  const refreshExp = iat + options.refreshTokenTtlSeconds;
  isoWithOffset(Math.max(accessExp, refreshExp));
  return { iat, accessExp, refreshExp };
}

export interface PairTimes {
  iat: number;
  accessExp: number;
  refreshExp: number;
}

/** A new access and refresh token (and, for a fresh sign-in, their family), not yet recorded. */
export function newTokenPair(
  owner: TokenOwner,
  { iat, accessExp, refreshExp }: PairTimes,
): PendingTokenPair & { newFamily: boolean } {
  const family = 'id' in owner ? owner : newFamily(owner);
  return {
    family,
    access: newToken(family, 'access', iat, accessExp),
    refresh: newToken(family, 'refresh', iat, refreshExp),
    newFamily: !('id' in owner),
  };
}

/**
 * Records a pair in the state. The tokens are written before a new family: the sweep reads the families
 * before the tokens (state.ts), so it never sees a new family without the tokens that keep it alive. A
 * family whose revocation races this pair (a reuse of the refreshed token on another replica) takes the
 * pair with it, as every token of the family is judged by the family's mark (`isDead`).
 */
async function recordTokenPair(
  ctx: B2CopyContext,
  { family, access, refresh, newFamily }: PendingTokenPair & { newFamily: boolean },
): Promise<void> {
  // Sent together (one round trip with Redis's pipelining), written in this order.
  await Promise.all([ctx.state.tokens.set(access.jti, access), ctx.state.tokens.set(refresh.jti, refresh)]);
  if (newFamily) await ctx.state.families.set(family.id, family);
}

/**
 * Records a new pair for `owner` and signs it into the documented answer, the two at once: the store's
 * round trips overlap the signing's CPU. Answered only when both are done, so a client never holds a token
 * the state does not know.
 */
export async function issueTokenPair(
  ctx: B2CopyContext,
  owner: TokenOwner,
  times: PairTimes = pairTimes(ctx),
): Promise<TokenPairBody> {
  const pair = newTokenPair(owner, times);
  const [body] = await Promise.all([signTokenPair(ctx, pair), recordTokenPair(ctx, pair)]);
  return body;
}

/** Signs a recorded pair into the documented token-pair answer. */
async function signTokenPair(
  ctx: B2CopyContext,
  { family, access, refresh }: PendingTokenPair,
): Promise<TokenPairBody> {
  // The session's own key once it rotated one (a partner-side event), else the server's; imported once
  // per process either way.
  const keys = await ctx.state.signingKeys.get();
  const signing = keys ? await ctx.services.signingKey(currentKey(keys)) : await ctx.services.signing();
  const sign = (issued: IssuedToken) =>
    new SignJWT({ token_use: issued.use, family_id: family.id, sub_type: family.subType })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: signing.kid })
      .setSubject(family.sub)
      .setIssuer(issuerOf(ctx))
      .setIssuedAt(issued.issuedAtSeconds)
      .setExpirationTime(issued.expiresAtSeconds)
      .setJti(issued.jti)
      .sign(signing.privateKey);
  const [accessJwt, refreshJwt] = await Promise.all([sign(access), sign(refresh)]);
  return {
    '2faRequired': false,
    accessToken: {
      token: accessJwt,
      createdAt: isoWithOffset(access.issuedAtSeconds),
      expiresAt: isoWithOffset(access.expiresAtSeconds),
    },
    refreshToken: {
      token: refreshJwt,
      createdAt: isoWithOffset(refresh.issuedAtSeconds),
      expiresAt: isoWithOffset(refresh.expiresAtSeconds),
    },
  };
}

function newFamily({ sub, subType, keyId }: NewSignIn): TokenFamily {
  return { id: randomUUID(), sub, subType, ...(keyId !== undefined ? { keyId } : {}) };
}

function newToken(family: TokenFamily, use: IssuedToken['use'], iat: number, exp: number): IssuedToken {
  return { jti: randomUUID(), use, familyId: family.id, issuedAtSeconds: iat, expiresAtSeconds: exp };
}

/** The first instant RFC 3339 (four-digit years) cannot write. */
const YEAR_10000_SECONDS = Date.UTC(10000, 0, 1) / 1000;

/**
 * `2024-01-01T00:00:00+00:00`, the docs' format: ISO 8601 with an explicit offset, whole seconds, so it
 * equals the JWT's `iat`/`exp`.
 */
export function isoWithOffset(seconds: number): string {
  if (seconds >= YEAR_10000_SECONDS) {
    // Only a clock advanced by thousands of years gets here; say so instead of answering a broken date.
    throw new B2CopyError(
      400,
      'clock_out_of_range',
      `The session clock has been advanced past the year 9999, where B2COPY timestamps cannot be written. Reset it with POST /__mock/reset.`,
    );
  }
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

/** Whether a family is dead (reuse detected, revoked by the partner, or forgotten); undefined: forgotten whole. */
export function isDead(family: TokenFamily | undefined): boolean {
  return family === undefined || family.revoked !== undefined || family.forgotten === true;
}

/** What a partner-side revocation did: the sign-ins it revoked and the live tokens they held. */
export interface Revocation {
  families: number;
  tokens: number;
}

/**
 * Revokes on the partner's side every family `select` picks that is still alive: each of its tokens is
 * refused from now on (`refresh_token_revoked`). Answers how many families, and how many of their tokens
 * were live (neither used nor expired: what `GET /__mock/b2copy/tokens` listed as active).
 *
 * Each family is revoked by its `revoked` mark: of concurrent revocations (a reuse detected, another
 * partner revocation, on any replica) the first keeps the family, and only a family this call revoked
 * counts, so revoking again what is already revoked counts 0.
 */
export async function revokeFamilies(
  state: B2CopyState,
  select: (family: TokenFamily) => boolean,
  nowSeconds: number,
): Promise<Revocation> {
  const candidates = (await state.families.values()).filter((family) => select(family) && !isDead(family));
  const marked = await Promise.all(
    candidates.map((family) => state.families.mark(family.id, 'revoked', { atSeconds: nowSeconds, by: 'partner' })),
  );
  const revoked = new Set(candidates.filter((_family, i) => marked[i]?.won).map((family) => family.id));
  let tokens = 0;
  if (revoked.size) {
    for (const token of await state.tokens.values()) {
      const live = token.usedAtSeconds === undefined && nowSeconds < token.expiresAtSeconds;
      if (live && revoked.has(token.familyId)) tokens++;
    }
  }
  return { families: revoked.size, tokens };
}
