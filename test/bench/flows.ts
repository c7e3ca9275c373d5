/**
 * The providers' full flows as a CRM and a browser run them against a mock on loopback, for the bench:
 * the Just2Trade token of the profile scenario and the soak's mixed flows. The browser part (pages,
 * forms, cookies) is partnermock/testing's; nothing reaches into the mock's state. Each
 * request has a timeout, so a flow always ends.
 */
import { completeJust2TradeLogin, decideKeetaAuthorization } from '../../testing/index.ts';

const REQUEST_TIMEOUT_MS = 10_000;
const KEETA_REDIRECT_URI = 'https://crm.example.com/keeta/callback';

export class Flows {
  readonly #base: string;
  #just2tradeClient?: { clientId: string; clientSecret: string; redirectUri: string };

  /** `port`: the mock on 127.0.0.1. Its links say `localhost`; requests go to 127.0.0.1 all the same. */
  constructor(readonly port: number) {
    this.#base = `http://127.0.0.1:${port}`;
  }

  /** fetch on loopback only: the mock's `localhost` links are sent to 127.0.0.1, with a timeout. */
  readonly fetch: typeof globalThis.fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : input.toString());
    if (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost')
      throw new Error(`the bench only talks to loopback, not ${url.href}`);
    url.hostname = '127.0.0.1';
    return globalThis.fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  };

  /** B2COPY: sign in with the docs' credentials, then exchange the refresh token once. */
  async b2copy(): Promise<void> {
    const pair = await this.#json<{ refreshToken?: { token: string } }>('/b2copy/api/v2/signin', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'username@example.com', password: 'Secret123' }),
    });
    await this.#json('/b2copy/api/admin/auth/v2/admin/adminservice/refreshtoken', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh_token: pair.refreshToken!.token }),
    });
  }

  /** Keeta: the merchant URL, the merchant page, Authorize; ends at the redirect back with an authId. */
  async keeta(state: string): Promise<void> {
    const query = new URLSearchParams({ clientId: 'keeta-demo', redirectUri: KEETA_REDIRECT_URI, state });
    const { merchantAuthorizationUrl } = await this.#json<{ merchantAuthorizationUrl: string }>(
      `/keeta/oauth/authorization/url?${query}`,
    );
    const back = await decideKeetaAuthorization(merchantAuthorizationUrl, { decision: 'authorize', fetch: this.fetch });
    if (typeof back === 'string' || !back.searchParams.get('authId'))
      throw new Error('the Keeta merchant page did not redirect back with an authId');
  }

  /** Just2Trade: authorize → login form → code → token → profile. Returns the access token. */
  async just2trade(state: string): Promise<string> {
    const client = await this.#defaultJust2TradeClient();
    const authorize = new URLSearchParams({
      response_type: 'code',
      client_id: client.clientId,
      client_secret: client.clientSecret,
      redirect_uri: client.redirectUri,
      state,
    });
    const back = await completeJust2TradeLogin(`${this.#base}/just2trade/auth/connect/authorize?${authorize}`, {
      login: 'login',
      password: 'password',
      fetch: this.fetch,
    });
    const code = back.searchParams.get('code');
    if (!code) throw new Error('the Just2Trade login form did not redirect back with a code');
    const { access_token: accessToken } = await this.#json<{ access_token: string }>('/just2trade/auth/connect/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: client.redirectUri,
        client_id: client.clientId,
        client_secret: client.clientSecret,
      }),
    });
    await this.#json('/just2trade/api/auth', { headers: { authorization: `Bearer ${accessToken}` } });
    return accessToken;
  }

  /** The default OAuth client as the control API lists it (its secret is generated from the seed). */
  async #defaultJust2TradeClient() {
    this.#just2tradeClient ??= (
      await this.#json<{ clientId: string; clientSecret: string; redirectUris: string[] }[]>(
        '/__mock/just2trade/clients',
      )
    )
      .filter((client) => client.clientId === 'crm-demo')
      .map((client) => ({
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        redirectUri: client.redirectUris[0]!,
      }))[0];
    if (!this.#just2tradeClient) throw new Error('the mock lists no Just2Trade client crm-demo');
    return this.#just2tradeClient;
  }

  /** A request that must answer 200 with JSON. */
  async #json<T = unknown>(path: string, init: RequestInit = {}): Promise<T> {
    const response = await this.fetch(`${this.#base}${path}`, init);
    const text = await response.text();
    if (response.status !== 200)
      throw new Error(`${init.method ?? 'GET'} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  }
}
