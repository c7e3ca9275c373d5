/**
 * Issuing an authorization code: what a successful sign-in ends with, whether the user submitted the
 * login form (pages/login.ts) or the session signs a user in without it (auto-login, control-routes.ts).
 */
import { randomId, withQueryParameters, type PluginContext } from '../../src/index.ts';
import type { Just2Trade } from './index.ts';
import type { PendingAuthorization } from './state.ts';

/** The verified authorize request a code is issued for. */
export type AuthorizeRequest = Pick<PendingAuthorization, 'clientId' | 'redirectUri' | 'state' | 'codeChallenge'>;

/**
 * Stores a one-time code for `login` and returns where to send the browser: the redirect URI with code and
 * state. The code starts unspent: its `spentAtMs`, `replayedAtMs` and `accessToken` are marks, set later.
 */
export async function issueCode(
  ctx: Pick<PluginContext<Just2Trade>, 'state' | 'clock' | 'options'>,
  request: AuthorizeRequest,
  login: string,
): Promise<string> {
  const code = randomId(32);
  await ctx.state.codes.set(code, {
    code,
    clientId: request.clientId,
    redirectUri: request.redirectUri,
    login,
    ...(request.codeChallenge ? { codeChallenge: request.codeChallenge } : {}),
    expiresAtMs: ctx.clock.nowMs() + ctx.options.codeTtlSeconds * 1000,
  });
  return withQueryParameters(request.redirectUri, { code, state: request.state });
}
