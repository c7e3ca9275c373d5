/**
 * `POST /connect/token`: exchanges a one-time authorization code for an access token. Steps:
 *   grant type → client authentication → code: exists, issued to this client, not yet redeemed
 *   (a replay also revokes what the code gave), unexpired, same redirect_uri → redeem and issue.
 * The spec has already refused anything but a form body with `grant_type` and `code`. From reading
 * the code to marking it redeemed nothing awaits, so of simultaneous redemptions exactly one wins.
 */
import { MockError, randomId, type HandlerContext, type MockResponse } from '../../../src/index.ts';
import { authenticateClient } from '../client-auth.ts';
import type { Just2TradeSettings } from '../options.ts';
import { forgetExpired, type Just2TradeState } from '../state.ts';

type Context = HandlerContext<Just2TradeState, Just2TradeSettings>;

/** Documented: the only scope the docs show a token granting. */
export const SCOPE = 'email profile';

interface TokenForm {
  grant_type: string;
  code: string;
  client_id?: string;
  client_secret?: string;
  redirect_uri?: string;
}

const invalidGrant = (message: string) => new MockError(400, 'invalid_grant', message);

export function requestToken(ctx: Context): MockResponse {
  const { request, fixtures, state, clock, services } = ctx;
  const form = request.body as TokenForm;
  if (form.grant_type !== 'authorization_code') {
    throw new MockError(400, 'unsupported_grant_type', 'Only grant_type=authorization_code is supported.');
  }
  const client = authenticateClient(fixtures, request.headers.authorization, form);

  const nowMs = clock.nowMs();
  const record = state.codes.get(form.code);
  // Another client's code is as good as unknown to this one: say nothing more, change nothing.
  if (!record || record.clientId !== client.clientId) throw invalidGrant('The authorization code is invalid.');
  if (record.redeemed) {
    // RFC 6749 §4.1.2: a code used twice may have been stolen; what it gave is revoked.
    for (const token of record.accessTokens) state.tokens.delete(token);
    throw invalidGrant('The authorization code was already used; the access token issued for it is revoked.');
  }
  if (record.expiresAtMs <= nowMs) throw invalidGrant('The authorization code has expired.');
  if (form.redirect_uri !== undefined && form.redirect_uri !== record.redirectUri) {
    throw invalidGrant('redirect_uri differs from the one in the authorization request.');
  }

  record.redeemed = true;
  forgetExpired(state, nowMs);
  const token = randomId(32);
  state.tokens.set(token, {
    token,
    clientId: client.clientId,
    login: record.login,
    scope: SCOPE,
    expiresAtMs: nowMs + services.accessTokenTtlSeconds * 1000,
  });
  record.accessTokens.push(token);
  return ctx.respond.json(
    200,
    { scope: SCOPE, token_type: 'Bearer', access_token: token, expires_in: services.accessTokenTtlSeconds },
    { 'Cache-Control': 'no-store', Pragma: 'no-cache' },
  );
}
