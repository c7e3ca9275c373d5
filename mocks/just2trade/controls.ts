/**
 * What a test suite gets as `mock.just2trade` on `startMockServer()`'s and `connectMockServer()`'s
 * handles: typed calls to the control API in the handle's session.
 */
import type { ControlRequester } from '../../src/index.ts';
import type { OAuthClient } from './fixtures.ts';

export function just2tradeControls(api: ControlRequester) {
  return {
    /** A registered client's secret (for `createJust2TradeClient({ clientSecret })`). */
    async clientSecret(clientId: string): Promise<string> {
      const client = await api.call<OAuthClient>('GET', `/just2trade/clients/${encodeURIComponent(clientId)}`);
      return client.clientSecret;
    },
    /** From now on, authorize requests in this session come straight back with a code for `login`. */
    async autoLogin(login: string): Promise<void> {
      await api.call('POST', '/just2trade/auto-login', { login });
    },
    /** Authorize requests show the login form again. */
    async stopAutoLogin(): Promise<void> {
      await api.call('DELETE', '/just2trade/auto-login');
    },
  };
}

export type Just2TradeControls = ReturnType<typeof just2tradeControls>;

/** What `revokeTokens` revokes: one access token, or every token of a user (a login). */
export type Just2TradeRevocation = { token: string; user?: never } | { user: string; token?: never };

/** What a test suite gets as `mock.events.just2trade`: the partner-side events, in the handle's session. */
export function just2tradeEvents(api: ControlRequester) {
  return {
    /**
     * Just2Trade revokes an access token, or every token of a user: their profile calls answer 401
     * `invalid_token` from now on. `revoked` counts the tokens that were usable and no longer are.
     */
    async revokeTokens(target: Just2TradeRevocation): Promise<{ revoked: number }> {
      return api.call<{ revoked: number }>('POST', '/just2trade/tokens/revoke', target);
    },
    /** Just2Trade gives the client a new secret, returned; the old one is refused from now on. */
    async rotateClientSecret(clientId: string): Promise<string> {
      const path = `/just2trade/clients/${encodeURIComponent(clientId)}/rotate-secret`;
      return (await api.call<{ clientId: string; clientSecret: string }>('POST', path)).clientSecret;
    },
  };
}

export type Just2TradeEvents = ReturnType<typeof just2tradeEvents>;
