/**
 * `POST /connect/token`: exchanges a one-time authorization code for an access token. Errors come in
 * the order of RFC 6749 §5.2, as IdentityServer (Just2Trade's auth server) reports them; the first
 * failure answers:
 *   1. client authentication (client-auth.ts): a malformed `Authorization` header, an unknown client or
 *      a wrong secret → 401 `invalid_client`; an ambiguous or missing client identity (no `client_id`,
 *      Basic and `client_secret` together, two different client ids, a repeated or empty `client_id` or
 *      `client_secret`) → 400 `invalid_request`;
 *   2. `grant_type`: missing, empty or repeated → `invalid_request`; anything but `authorization_code`
 *      → `unsupported_grant_type`;
 *   3. the rest of the request's shape: the spec's checks (`code` missing, a malformed `redirect_uri`
 *      or `code_verifier`, ...) → `invalid_request`;
 *   4. the grant → `invalid_grant`: the code exists, was issued to this client, is not yet spent (a
 *      replay also revokes what the code gave), is unexpired, the same `redirect_uri` (a mismatch uses
 *      nothing up), the PKCE verifier matches the code's challenge (a failure spends the code), and the
 *      user it was issued for has not been disabled since (a failure spends the code too).
 * Steps 1 and 2 are `requestTokenPrecheck`, which the core runs before it validates the body against
 * the spec (step 3); the handler reads the authenticated client back and does step 4.
 *
 * Of simultaneous redemptions of one code, on any number of replicas, exactly one gets a token: the code is
 * spent by the store's atomic `mark` (`spentAtMs`), which exactly one of them wins; the others are replays,
 * and revoke the token the winner issued (see `replay`, and state.ts).
 */
import {
  MockError,
  randomId,
  type HandlerContext,
  type MockResponse,
  type PrecheckContext,
} from '../../../src/index.ts';
import { authenticateClient } from '../client-auth.ts';
import type { Just2TradeUser } from '../fixtures.ts';
import type { Just2Trade } from '../index.ts';
import { PKCE_VALUE, verifierProblem } from '../pkce.ts';
import { discard } from '../state.ts';

/** Documented: the only scope the docs show a token granting. */
export const SCOPE = 'email profile';

export const GRANT_TYPE = 'authorization_code';

const invalidGrant = (message: string) => new MockError(400, 'invalid_grant', message);

/** The parsed form as the precheck sees it: not validated, so anything may be in it. */
function rawForm(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
  return Object.fromEntries(Object.entries(body));
}

/** Steps 1 and 2, before the spec looks at the body. Changes nothing. */
export async function requestTokenPrecheck(ctx: PrecheckContext<Just2Trade>): Promise<void> {
  const form = rawForm(ctx.request.body);
  await authenticateClient(ctx.fixtures, ctx.request.headers.authorization, form);
  const grantType = form.grant_type;
  if (grantType === undefined || grantType === '') {
    throw new MockError(400, 'invalid_request', 'The required parameter grant_type is missing.');
  }
  if (typeof grantType !== 'string')
    throw new MockError(400, 'invalid_request', 'grant_type was sent more than once (RFC 6749 §3.2).');
  if (grantType !== GRANT_TYPE)
    throw new MockError(400, 'unsupported_grant_type', 'Only grant_type=authorization_code is supported.');
}

export async function requestToken(ctx: HandlerContext<Just2Trade, 'requestToken'>): Promise<MockResponse> {
  const { request, fixtures, state, clock, options } = ctx;
  const form = request.body;
  // Step 3 as the spec states it (its pattern), kept here so the order holds whatever the spec says.
  if (form.code_verifier !== undefined && !PKCE_VALUE.test(form.code_verifier)) {
    throw new MockError(
      400,
      'invalid_request',
      'code_verifier must be 43 to 128 characters of A-Z, a-z, 0-9, "-", ".", "_" and "~" (RFC 7636 §4.1).',
    );
  }

  const nowMs = clock.nowMs();
  // Two reads that change nothing, sent together (one wait for the store, not two). The client was
  // authenticated by the precheck: read back, not checked again.
  const [client, record] = await Promise.all([
    authenticateClient(fixtures, request.headers.authorization, form, { checkSecret: false }),
    state.codes.get(form.code),
  ]);
  // Another client's code is as good as unknown to this one: say nothing more, change nothing.
  if (!record || record.clientId !== client.clientId) throw invalidGrant('The authorization code is invalid.');
  if (record.spentAtMs !== undefined) return replay(ctx, record.code);
  if (record.expiresAtMs <= nowMs) throw invalidGrant('The authorization code has expired.');
  if (form.redirect_uri !== undefined && form.redirect_uri !== record.redirectUri) {
    throw invalidGrant('redirect_uri differs from the one in the authorization request.');
  }

  // Spent here, whatever follows: of any number of requests presenting the code at once (on any replica),
  // the store tells exactly one that its mark won; every other one is a replay. It is marked before the
  // verifier is checked: whoever holds the code without its verifier gets one try, not many (IdentityServer
  // removes the code before it checks the verifier).
  const spent = await state.codes.mark(record.code, 'spentAtMs', nowMs);
  // Gone since it was read (forgotten to make room): as unknown as any forgotten code.
  if (!spent) throw invalidGrant('The authorization code is invalid.');
  if (!spent.won) return replay(ctx, record.code);
  const pkceProblem = verifierProblem(record.codeChallenge, form.code_verifier);
  if (pkceProblem !== undefined) throw invalidGrant(pkceProblem);
  // Disabled on Just2Trade's side between sign-in and exchange: no token for them (IdentityServer checks
  // that the user is active when it issues one).
  if ((await fixtures.get<Just2TradeUser>('users', record.login))?.disabled === true) {
    throw invalidGrant('The user this authorization code was issued for is disabled.');
  }

  const token = randomId(32);
  await state.tokens.set(token, {
    token,
    clientId: client.clientId,
    login: record.login,
    scope: SCOPE,
    expiresAtMs: nowMs + options.accessTokenTtlSeconds * 1000,
  });
  // Recorded on the code, so a replay can revoke it. A replay that marked the code before this mark read no
  // token to revoke, but this mark's answer shows its `replayedAtMs`; one that marks it after sees the token.
  // Marks on one record are decided one after the other, so one of the two always sees the other.
  const recorded = await state.codes.mark(record.code, 'accessToken', token);
  if (!recorded || recorded.value.replayedAtMs !== undefined) {
    // Replayed meanwhile (or the code was forgotten to make room, after which no replay could revoke it):
    // the token is revoked as the replay would have. This answer still carries it, as it did before the
    // replay came: the client learns of the revocation when it uses it.
    await discard(state.tokens, token);
  }
  return ctx.respond.json(200, {
    scope: SCOPE,
    token_type: 'Bearer',
    access_token: token,
    expires_in: options.accessTokenTtlSeconds,
  });
}

/**
 * A spent code presented again. RFC 6749 §4.1.2: a code used twice may have been stolen; what it gave is
 * revoked. The replay is marked on the code first (`replayedAtMs`, atomic), so that a redemption still
 * between winning and recording its token sees it and revokes that token itself; the token this mark's
 * answer shows, if any, is revoked here (again, harmlessly, for every later replay).
 */
async function replay(ctx: HandlerContext<Just2Trade, 'requestToken'>, code: string): Promise<never> {
  const { state, clock } = ctx;
  const marked = await state.codes.mark(code, 'replayedAtMs', clock.nowMs());
  const issued = marked?.value.accessToken;
  if (issued !== undefined) await discard(state.tokens, issued);
  throw invalidGrant(
    issued !== undefined
      ? 'The authorization code was already used; the access token issued for it is revoked.'
      : 'The authorization code was already used.',
  );
}
