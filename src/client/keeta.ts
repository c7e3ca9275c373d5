/** Keeta client: the merchant authorization URL, and the parameters of the redirect back. */
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, paths } from '../generated/keeta.ts';
import { CallbackError } from './callback-error.ts';
import { callbackQuery, expectData, trimSlash } from './call.ts';

export type KeetaAuthorizationUrl = components['schemas']['AuthorizationUrlResponse'];
export type KeetaCallback = components['schemas']['AuthorizationCallback'];
export type KeetaProblem = components['schemas']['Problem'];
export type KeetaPaths = paths;

export interface KeetaClientOptions {
  /** e.g. `http://localhost:4010/keeta` for the mock, or Keeta's open API host. */
  baseUrl: string;
  fetch?: ClientOptions['fetch'];
}

const PROVIDER = 'keeta';

export function createKeetaClient(options: KeetaClientOptions) {
  const api: Client<paths> = createClient<paths>({
    baseUrl: trimSlash(options.baseUrl),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  return {
    /** The underlying typed client for calls the helpers do not cover. */
    api,
    /** The URL to send the merchant to; Keeta redirects back to `redirectUri` with the authorization. */
    async getAuthorizationUrl(query: {
      clientId: string;
      redirectUri?: string;
      state?: string;
    }): Promise<KeetaAuthorizationUrl> {
      return expectData(PROVIDER, 'getAuthorizationUrl', api.GET('/oauth/authorization/url', { params: { query } }));
    },
  };
}

export type KeetaClient = ReturnType<typeof createKeetaClient>;

const REQUIRED: (keyof KeetaCallback)[] = ['authId', 'state', 'appId', 'timestamp'];

/**
 * The redirect back from Keeta's merchant page, typed. Throws CallbackError when the merchant denied
 * (`error` in the redirect), a required parameter is missing or one appears twice, or its `state` is
 * not `expectedState`, the one the CRM sent (CSRF; pass `undefined` only for a link made without one).
 */
export function parseKeetaCallback(url: string | URL, expectedState: string | undefined): KeetaCallback {
  const { search, parameters } = callbackQuery(url, 'Keeta');
  // `state` comes back as sent, which may be empty (the docs' example URL has `state=`); the rest must have a value.
  const missing = REQUIRED.filter((name) => (name === 'state' ? !search.has(name) : !search.get(name)));
  if (missing.length)
    throw new CallbackError('missing_parameter', `The Keeta callback lacks ${missing.join(', ')}`, parameters);
  if ((search.get('state') || undefined) !== (expectedState || undefined)) {
    throw new CallbackError('state_mismatch', 'The Keeta callback carries a state this CRM did not send', parameters);
  }
  const callback: KeetaCallback = {
    authId: search.get('authId')!,
    state: search.get('state')!,
    appId: search.get('appId')!,
    timestamp: search.get('timestamp')!,
  };
  const merchantId = search.get('keetaMerchantId');
  const code = search.get('code');
  if (merchantId) callback.keetaMerchantId = merchantId;
  if (code) callback.code = code;
  return callback;
}
