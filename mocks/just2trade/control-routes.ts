/**
 * Just2Trade's own control routes under `/__mock/just2trade`.
 *
 * `auto-login`: for a suite that wants no HTML, `POST {"login": "..."}` makes this session's authorize
 * requests redirect straight back with a code for that user, as if the login form had been submitted
 * (every other check of the authorize request still applies); `DELETE` turns it off, `GET` says which
 * login is set. A reset of the session turns it off too.
 *
 * The partner-side events (README, "Partner-side events"), each a POST the core journals:
 * - `tokens/revoke` with `{"token": "…"}` (one access token) or `{"user": "<login>"}` (every token of that
 *   user): `{ "revoked": n }`, how many tokens this call took from usable to revoked. Idempotent, as token
 *   revocation is (RFC 7009 §2.2): a token already revoked or expired counts 0, a user without tokens is 0;
 *   a token the session never issued (or forgot) is 404, since it names nothing to revoke. A revoked token
 *   is kept, marked, so the profile answers 401 `invalid_token` "revoked" (handlers/get-profile.ts).
 * - `clients/:clientId/rotate-secret`: a new random secret replaces the client's in the session's
 *   `clients`; `{ clientId, clientSecret }`. The old one is refused from then on wherever a secret is
 *   checked (authorize, the token endpoint), since both read the stored client. Issued tokens stay valid.
 *
 * Each POST declares its body as a schema (`body`), which the core checks first: a 400 naming the field,
 * an unknown field included. The handlers check only what a schema cannot: that the user, token or client
 * named is in the session (else 404).
 */
import { randomInt } from 'node:crypto';
import { MockError, type ControlContext, type ControlRoute } from '../../src/index.ts';
import type { OAuthClient, Just2TradeUser } from './fixtures.ts';
import type { Just2Trade } from './index.ts';
import { known, type AccessToken } from './state.ts';

type Route = ControlRoute<Just2Trade>;

const PATH = '/auto-login';

const autoLoginState = async ({ state, respond }: ControlContext<Just2Trade>) => {
  const login = await state.autoLogin.get();
  return respond.json(200, { autoLogin: login === undefined ? null : { login } });
};

/** The session's users' logins, for a 404's message. */
async function loginsOf(ctx: ControlContext<Just2Trade>): Promise<string> {
  const logins = (await ctx.fixtures.list<Just2TradeUser>('users')).map((user) => user.login);
  return logins.join(', ') || 'none';
}

const setAutoLogin: Route = {
  method: 'POST',
  path: PATH,
  body: {
    type: 'object',
    required: ['login'],
    properties: { login: { type: 'string', minLength: 1 } },
    additionalProperties: false,
  },
  async handler(ctx) {
    const { login } = ctx.request.body as { login: string };
    if (!(await ctx.fixtures.get<Just2TradeUser>('users', login))) {
      throw new MockError(
        404,
        'not_found',
        `No user "${login}" in this session; users: ${await loginsOf(ctx)} (add one at /__mock/just2trade/users).`,
      );
    }
    await ctx.state.autoLogin.set(login);
    return autoLoginState(ctx);
  },
};

const stopAutoLogin: Route = {
  method: 'DELETE',
  path: PATH,
  async handler(ctx) {
    await ctx.state.autoLogin.delete();
    return autoLoginState(ctx);
  },
};

/** A value named in a message, cut short: a token could be anything a test sends. */
const shown = (value: string) => JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);

const revokeTokens: Route = {
  method: 'POST',
  path: '/tokens/revoke',
  // One access token, or every token of a login: one of the two, nothing else.
  body: {
    type: 'object',
    properties: { token: { type: 'string', minLength: 1 }, user: { type: 'string', minLength: 1 } },
    additionalProperties: false,
    oneOf: [{ required: ['token'] }, { required: ['user'] }],
  },
  async handler(ctx) {
    const target = ctx.request.body as { token: string } | { user: string };
    const { tokens } = ctx.state;
    const nowMs = ctx.clock.nowMs();
    let matching: AccessToken[];
    if ('token' in target) {
      const record = await tokens.get(target.token);
      // A discarded token (its code replayed or forgotten) is as unknown as one never issued.
      if (!known(record)) {
        throw new MockError(
          404,
          'not_found',
          `No access token ${shown(target.token)} in this session: never issued here, or no longer kept.`,
          { details: [{ location: '/body/token', message: 'names no access token of this session' }] },
        );
      }
      matching = [record];
    } else {
      matching = (await tokens.values()).filter((record) => known(record) && record.login === target.user);
      if (!matching.length && !(await ctx.fixtures.get<Just2TradeUser>('users', target.user))) {
        throw new MockError(
          404,
          'not_found',
          `No user ${shown(target.user)} in this session; users: ${await loginsOf(ctx)}.`,
          { details: [{ location: '/body/user', message: 'names no user of this session' }] },
        );
      }
    }
    // Only what could still be used is revoked (and counted): an expired or revoked token stays as it is.
    // Revoking is a mark: it survives a profile read's write of the token's new expiry, and of two revocations
    // at once (a token and its user, say) only the one whose mark won counts the token.
    const live = matching.filter((record) => record.revokedAtMs === undefined && record.expiresAtMs > nowMs);
    const marked = await Promise.all(live.map((record) => tokens.mark(record.token, 'revokedAtMs', nowMs)));
    const revoked = marked.filter((result) => result?.won === true && known(result.value)).length;
    return ctx.respond.json(200, { revoked });
  },
};

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A new client secret shaped like the generated default one: 32 random letters and digits. */
function newClientSecret(): string {
  return Array.from({ length: 32 }, () => ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]).join('');
}

const rotateClientSecret: Route = {
  method: 'POST',
  path: '/clients/:clientId/rotate-secret',
  // No body, or `{}`: the new secret is generated.
  body: { type: 'object', additionalProperties: false },
  async handler(ctx) {
    const clientId = ctx.request.params.clientId!;
    const client = await ctx.fixtures.get<OAuthClient>('clients', clientId);
    if (!client) {
      const ids = (await ctx.fixtures.list<OAuthClient>('clients')).map((candidate) => candidate.clientId);
      throw new MockError(
        404,
        'not_found',
        `No client ${shown(clientId)} in this session; clients: ${ids.join(', ') || 'none'}.`,
        { details: [{ location: '/path/clientId', message: 'names no client of this session' }] },
      );
    }
    const rotated: OAuthClient = { ...client, clientSecret: newClientSecret() };
    // Written back whole (a stored client is never changed in place); every replica reads the new secret.
    await ctx.fixtures.put('clients', rotated);
    return ctx.respond.json(200, { clientId, clientSecret: rotated.clientSecret });
  },
};

export const controlRoutes: Route[] = [
  { method: 'GET', path: PATH, handler: autoLoginState },
  setAutoLogin,
  stopAutoLogin,
  revokeTokens,
  rotateClientSecret,
];
