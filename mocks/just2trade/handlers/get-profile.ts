/**
 * `GET /auth` on the API host: the signed-in user's profile. Steps:
 *   bearer token (header only; also in the query: 400) → a known token, not revoked on Just2Trade's side,
 *   unexpired, of a user who still exists and is not disabled (else 401 invalid_token) → renew it for the
 *   full lifetime (documented: "renewed with every usage") → the profile.
 * A disabled user's tokens are refused while the user is disabled, and work again (if still unexpired)
 * once the user is enabled: the user's state is checked on every use, as IdentityServer's `IsActive`.
 * The core has already answered a request with no `Authorization: Bearer …` at all (401 without an
 * error attribute, RFC 6750 §3.1).
 */
import { createHash } from 'node:crypto';
import { MockError, type HandlerContext, type MockResponse } from '../../../src/index.ts';
import type { Just2TradeUser } from '../fixtures.ts';
import type { Just2Trade } from '../index.ts';
import { known } from '../state.ts';

/** RFC 6750 §2.1: `Bearer` (any case) and a b64token. */
const BEARER = /^bearer[ ]+([A-Za-z0-9\-._~+/]+=*)\s*$/i;

const invalidToken = (message: string) => new MockError(401, 'invalid_token', message);

/**
 * A stable UUID-shaped id derived from a login, for users added through the control API without an
 * `id`: the profile always has one, and it is the same on every call and in every session.
 */
function idForLogin(login: string): string {
  const hex = createHash('sha256').update(`just2trade-user:${login}`, 'utf8').digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The documented profile, built from a `users` fixture. */
function profileOf(user: Just2TradeUser) {
  return {
    id: user.id ?? idForLogin(user.login),
    login: user.login,
    email: user.email,
    domestic: user.domestic,
    accounts: user.accounts.map(({ account_number, trade_platform }) => ({ account_number, trade_platform })),
    application: { status: user.applicationStatus },
  };
}

export async function getProfile(ctx: HandlerContext<Just2Trade, 'getProfile'>): Promise<MockResponse> {
  const { request, state, clock, fixtures, options } = ctx;
  // Not a declared parameter (the spec has none on this operation): the query keeps it as sent.
  if (request.query.access_token !== undefined) {
    throw new MockError(
      400,
      'invalid_request',
      'The access token must be sent in exactly one way: the Authorization header.',
    );
  }
  const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
  const record = token === undefined ? undefined : await state.tokens.get(token);
  // Discarded (its code was replayed or forgotten): as unknown as a token never issued.
  if (!known(record)) throw invalidToken('The access token is invalid or was revoked.');
  if (record.revokedAtMs !== undefined) throw invalidToken('The access token was revoked.');
  const nowMs = clock.nowMs();
  if (record.expiresAtMs <= nowMs) throw invalidToken('The access token expired.');
  const user = await fixtures.get<Just2TradeUser>('users', record.login);
  if (!user) throw invalidToken('The user this access token was issued for no longer exists.');
  if (user.disabled === true) throw invalidToken('The user this access token was issued for is disabled.');

  // Sliding expiry: every successful use gives the token its full lifetime again, written back as a new
  // record (of two reads at once, the last write stands: either expiry is right). Now the session's most
  // recently written token: the last its cap would evict. A revocation or discard that lands meanwhile is a
  // mark, which this write leaves as it is: the token stays revoked (this one answer was already decided).
  await state.tokens.set(record.token, { ...record, expiresAtMs: nowMs + options.accessTokenTtlSeconds * 1000 });
  return ctx.respond.json(200, profileOf(user));
}
