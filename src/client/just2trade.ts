/**
 * Just2Trade client: the OAuth 2.0 authorization code flow as the docs describe it (the authorize URL
 * carries the client secret, the token request is form-encoded), with PKCE (RFC 7636, `S256`) by
 * default, and the profile on the API host.
 */
import { base64url } from 'jose';
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

/** Where to send the browser, and what the token exchange for the code it brings back needs. */
export interface Just2TradeAuthorization {
  url: string;
  /**
   * The PKCE secret: keep it with the sign-in (server side, like `state`) and pass it to `exchangeCode`.
   * Undefined when PKCE was turned off.
   */
  codeVerifier?: string;
}

/** A fresh PKCE pair (RFC 7636 §4.1, §4.2): 32 random bytes as the verifier, its `S256` challenge. */
async function pkcePair(): Promise<{ codeVerifier: string; codeChallenge: string }> {
  const codeVerifier = base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(codeVerifier));
  return { codeVerifier, codeChallenge: base64url.encode(new Uint8Array(digest)) };
}

const PROVIDER = 'just2trade';

export function createJust2TradeClient(options: Just2TradeClientOptions) {
  const fetchOption = options.fetch ? { fetch: options.fetch } : {};
  const authBaseUrl = trimSlash(options.authBaseUrl);
  const auth: Client<paths> = createClient<paths>({ baseUrl: authBaseUrl, ...fetchOption });
  const api: Client<paths> = createClient<paths>({ baseUrl: trimSlash(options.apiBaseUrl), ...fetchOption });

  /** The docs' authorize URL, with an `S256` PKCE challenge when there is one. */
  function authorizeUrl(state: string | undefined, codeChallenge?: string): string {
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: options.clientId,
      client_secret: options.clientSecret,
      redirect_uri: options.redirectUri,
    });
    if (state !== undefined) query.set('state', state);
    if (codeChallenge !== undefined) {
      query.set('code_challenge', codeChallenge);
      query.set('code_challenge_method', 'S256');
    }
    return `${authBaseUrl}/connect/authorize?${query}`;
  }

  return {
    /** The underlying typed clients: `auth` for the auth host, `api` for the API host. */
    auth,
    api,

    /**
     * Where to send the user's browser to sign in, with a fresh `S256` PKCE challenge (RFC 7636): keep
     * the returned `codeVerifier` with the sign-in and give it to `exchangeCode`. `pkce: false` leaves
     * PKCE out (the docs' request as written).
     */
    async startAuthorization({
      state,
      pkce = true,
    }: { state?: string; pkce?: boolean } = {}): Promise<Just2TradeAuthorization> {
      if (!pkce) return { url: authorizeUrl(state) };
      const { codeVerifier, codeChallenge } = await pkcePair();
      return { url: authorizeUrl(state, codeChallenge), codeVerifier };
    },

    /**
     * The docs' authorize URL as written, without PKCE.
     * @deprecated Use `startAuthorization`, which adds an `S256` PKCE challenge and returns its verifier
     * (the challenge needs WebCrypto's asynchronous digest, so this synchronous method cannot make one).
     */
    authorizeUrl({ state }: { state?: string } = {}): string {
      return authorizeUrl(state);
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

    /**
     * Exchanges a one-time authorization code for an access token (valid 24 h, renewed on each use).
     * `codeVerifier`: the one `startAuthorization` returned for this sign-in (a code issued for a PKCE
     * challenge is refused without it, and spent).
     */
    async exchangeCode(code: string, { codeVerifier }: { codeVerifier?: string } = {}): Promise<Just2TradeToken> {
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
            ...(codeVerifier !== undefined ? { code_verifier: codeVerifier } : {}),
          },
          bodySerializer: formBody,
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        }),
      );
    },

    /** The signed-in user's profile. */
    async getProfile(accessToken: string): Promise<Just2TradeProfile> {
      return expectData(
        PROVIDER,
        'getProfile',
        api.GET('/auth', { headers: { Authorization: `Bearer ${accessToken}` } }),
      );
    },
  };
}

export type Just2TradeClient = ReturnType<typeof createJust2TradeClient>;
