/**
 * `GET /auth` on the API host: the signed-in user's profile. Steps:
 *   bearer token (header only; also in the query: 400) → live token (else 401 invalid_token) →
 *   renew it for the full lifetime (documented: "renewed with every usage") → the profile.
 * The core has already answered a request with no `Authorization: Bearer …` at all (401 without an
 * error attribute, RFC 6750 §3.1).
 */
import { MockError, type HandlerContext, type MockResponse } from '../../../src/index.ts';
import type { Just2TradeUser } from '../fixtures.ts';
import type { Just2TradeSettings } from '../options.ts';
import { profileOf } from '../profile.ts';
import type { Just2TradeState } from '../state.ts';

type Context = HandlerContext<Just2TradeState, Just2TradeSettings>;

/** RFC 6750 §2.1: `Bearer` (any case) and a b64token. */
const BEARER = /^bearer[ ]+([A-Za-z0-9\-._~+/]+=*)\s*$/i;

const invalidToken = (message: string) => new MockError(401, 'invalid_token', message);

export function getProfile(ctx: Context): MockResponse {
  const { request, state, clock, fixtures, services } = ctx;
  if (request.query.access_token !== undefined) {
    throw new MockError(
      400,
      'invalid_request',
      'The access token must be sent in exactly one way: the Authorization header.',
    );
  }
  const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
  const record = token === undefined ? undefined : state.tokens.get(token);
  if (!record) throw invalidToken('The access token is invalid or was revoked.');
  const nowMs = clock.nowMs();
  if (record.expiresAtMs <= nowMs) throw invalidToken('The access token expired.');
  const user = fixtures.get<Just2TradeUser>('users', record.login);
  if (!user) throw invalidToken('The user this access token was issued for no longer exists.');

  // Sliding expiry: every successful use gives the token its full lifetime again.
  record.expiresAtMs = nowMs + services.accessTokenTtlSeconds * 1000;
  return ctx.respond.json(200, profileOf(user));
}
