/**
 * Just2Trade client: the OAuth 2.0 authorization code flow as the docs describe it (the authorize URL
 * carries the client secret, the token request is form-encoded) and the profile on the API host.
 */
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, paths } from '../generated/just2trade.ts';
import { CallbackError } from './callback-error.ts';
import { callbackQuery, expectData, formBody, trimSlash } from './call.ts';

export type Just2TradeToken = components['schemas']['TokenResponse'];
export type Just2TradeProfile = components['schemas']['Profile'];
export type Just2TradeOAuthError = components['schemas']['OAuthError'];
export type Just2TradePaths = paths;

export interface Just2TradeClientOptions {
  /** The auth host, e.g. `http://localhost:4010/just2trade/auth`. */
  authBaseUrl: string;
  /** The API host, e.g. `http://localhost:4010/just2trade/api`. */
  apiBaseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Must equal a redirect URI registered for the client, character for character. */
  redirectUri: string;
  fetch?: ClientOptions['fetch'];
}

const PROVIDER = 'just2trade';

export function createJust2TradeClient(options: Just2TradeClientOptions) {
  const fetchOption = options.fetch ? { fetch: options.fetch } : {};
  const authBaseUrl = trimSlash(options.authBaseUrl);
  const auth: Client<paths> = createClient<paths>({ baseUrl: authBaseUrl, ...fetchOption });
  const api: Client<paths> = createClient<paths>({ baseUrl: trimSlash(options.apiBaseUrl), ...fetchOption });

  return {
    /** The underlying typed clients: `auth` for the auth host, `api` for the API host. */
    auth,
    api,

    /** Where to send the user's browser to sign in. */
    authorizeUrl({ state }: { state?: string } = {}): string {
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: options.clientId,
        client_secret: options.clientSecret,
        redirect_uri: options.redirectUri,
      });
      if (state !== undefined) query.set('state', state);
      return `${authBaseUrl}/connect/authorize?${query}`;
    },

    /**
     * The authorization code from the redirect back. Throws CallbackError when the redirect carries an
     * error, has no code, repeats a parameter, or its state differs from the one this CRM sent.
     */
    parseCallback(url: string | URL, expectedState: string | undefined): { code: string; state?: string } {
      const { search, parameters } = callbackQuery(url, 'Just2Trade');
      if ((search.get('state') ?? undefined) !== expectedState) {
        throw new CallbackError('state_mismatch', 'The callback carries a state this CRM did not send', parameters);
      }
      const code = search.get('code');
      if (!code) throw new CallbackError('missing_parameter', 'The callback lacks code', parameters);
      return expectedState === undefined ? { code } : { code, state: expectedState };
    },

    /** Exchanges a one-time authorization code for an access token (valid 24 h, renewed on each use). */
    async exchangeCode(code: string): Promise<Just2TradeToken> {
      return expectData(
        PROVIDER,
        'requestToken',
        auth.POST('/connect/token', {
          body: {
            grant_type: 'authorization_code',
            code,
            client_id: options.clientId,
            client_secret: options.clientSecret,
            redirect_uri: options.redirectUri,
          },
          bodySerializer: formBody,
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        }),
      );
    },

    /** The signed-in user's profile. */
    async getProfile(accessToken: string): Promise<Just2TradeProfile> {
      return expectData(PROVIDER, 'getProfile', api.GET('/auth', { headers: { Authorization: `Bearer ${accessToken}` } }));
    },
  };
}

export type Just2TradeClient = ReturnType<typeof createJust2TradeClient>;
