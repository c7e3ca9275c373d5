/**
 * Keeta contract: the merchant authorization URL, the merchant page and the redirect back, through the
 * typed client. Against the mock by default; set PARTNERMOCK_KEETA_URL (and PARTNERMOCK_KEETA_CLIENT_ID)
 * to run it against Keeta's open API.
 */
import { expect } from 'vitest';
import { CallbackError, createKeetaClient, parseKeetaCallback } from '../src/client/index.ts';
import { refusedWith } from './support/refusal.ts';
import { defineContract, type ScenarioContext } from './support/contract.ts';
import { decideKeetaAuthorization } from '../testing/index.ts';

type Credential = 'clientId' | 'redirectUri';
type Context = ScenarioContext<Credential>;

const client = (t: Context) => createKeetaClient({ baseUrl: t.urls['/keeta']!, fetch: t.fetch });

/** The call must fail with this status, as RFC 9457 problem details. */
const refused = (call: Promise<unknown>, status: number) =>
  refusedWith(call, status, { title: expect.any(String), status });

/** Opens the merchant page, keeps the first merchant and takes `decision`; returns where Keeta redirects. */
async function decide(t: Context, merchantAuthorizationUrl: string, decision: 'authorize' | 'deny'): Promise<URL> {
  const back = await decideKeetaAuthorization(merchantAuthorizationUrl, { decision, fetch: t.fetch });
  if (typeof back === 'string') throw new Error(`the merchant page showed "${back}" instead of redirecting back`);
  return back;
}

/** A new link for the configured app and redirect URI, decided on the merchant page. */
async function decideOnNewLink(t: Context, state: string, decision: 'authorize' | 'deny'): Promise<URL> {
  const { merchantAuthorizationUrl } = await client(t).getAuthorizationUrl({
    clientId: t.credentials.clientId,
    redirectUri: t.credentials.redirectUri,
    state,
  });
  return decide(t, merchantAuthorizationUrl, decision);
}

defineContract<Credential>(
  {
    provider: 'keeta',
    spec: new URL('../openapi/keeta.yaml', import.meta.url),
    urls: { '/keeta': 'PARTNERMOCK_KEETA_URL' },
    credentials: {
      clientId: { env: 'PARTNERMOCK_KEETA_CLIENT_ID', mock: 'keeta-demo' },
      redirectUri: { env: 'PARTNERMOCK_KEETA_REDIRECT_URI', mock: 'https://crm.example/keeta/callback' },
    },
  },
  (scenario) => {
    scenario(
      'the merchant authorization URL carries the app and the state',
      { covers: ['getAuthorizationUrl 200'], credentials: ['clientId', 'redirectUri'] },
      async (t) => {
        const { merchantAuthorizationUrl } = await client(t).getAuthorizationUrl({
          clientId: t.credentials.clientId,
          redirectUri: t.credentials.redirectUri,
          state: 'contract state/é',
        });
        const url = new URL(merchantAuthorizationUrl);
        expect(url.hash).toBe('#/app-activation');
        expect(url.searchParams.get('state')).toBe('contract state/é');
        expect(url.searchParams.get('redirectUri')).toBe(t.credentials.redirectUri);
        // The docs' example URL reads `scope=all/#/app-activation`; the slash may be an artefact of the docs.
        expect(url.searchParams.get('scope')).toMatch(/^all\/?$/);
      },
    );

    scenario(
      'client_credentials: authorize on the merchant page and come back with authId',
      {
        covers: ['getAuthorizationUrl 200'],
        mockOnly: 'the real merchant page needs a merchant login',
        credentials: ['clientId', 'redirectUri'],
      },
      async (t) => {
        const back = await decideOnNewLink(t, 'k-1', 'authorize');
        expect(`${back.origin}${back.pathname}`).toBe(t.credentials.redirectUri);
        const callback = parseKeetaCallback(back, 'k-1');
        expect(callback.code).toBeUndefined();
        const [stored] = await t.mock!.fixtures.list<{ authId: string }>('keeta', 'authorizations');
        expect(stored?.authId).toBe(callback.authId);
      },
    );

    scenario(
      'shop_level_authorization_code: the redirect adds keetaMerchantId and a one-time code',
      { covers: ['getAuthorizationUrl 200'], mockOnly: 'registers an app in that mode' },
      async (t) => {
        await t.mock!.fixtures.add('keeta', 'apps', {
          clientId: 'contract-shop',
          appId: '777000111',
          mode: 'shop_level_authorization_code',
          region: 'BR',
          cityId: '110200008',
          locale: 'en',
          redirectUris: ['https://crm.example/shop/callback'],
        });
        const { merchantAuthorizationUrl } = await client(t).getAuthorizationUrl({
          clientId: 'contract-shop',
          redirectUri: 'https://crm.example/shop/callback',
          state: 's-1',
        });
        const callback = parseKeetaCallback(await decide(t, merchantAuthorizationUrl, 'authorize'), 's-1');
        expect(callback).toMatchObject({
          appId: '777000111',
          keetaMerchantId: expect.any(String),
          code: expect.any(String),
        });
      },
    );

    scenario(
      'a merchant who denies sends the CRM an error',
      {
        covers: ['getAuthorizationUrl 200'],
        mockOnly: 'the real merchant page needs a merchant login',
        credentials: ['clientId', 'redirectUri'],
      },
      async (t) => {
        const back = await decideOnNewLink(t, 'k-2', 'deny');
        expect(() => parseKeetaCallback(back, 'k-2')).toThrow(CallbackError);
        expect(back.searchParams.get('error')).toBe('access_denied');
        expect(back.searchParams.get('state')).toBe('k-2');
      },
    );

    scenario('an unknown clientId is unauthorized', { covers: ['getAuthorizationUrl 401'] }, async (t) => {
      await refused(client(t).getAuthorizationUrl({ clientId: 'no-such-client-4242' }), 401);
    });

    scenario(
      'a missing clientId or a javascript: redirectUri is a bad request',
      { covers: ['getAuthorizationUrl 400'], credentials: ['clientId'] },
      async (t) => {
        const { response } = await client(t).api.GET('/oauth/authorization/url', { params: { query: {} as never } });
        expect(response.status).toBe(400);
        await refused(
          client(t).getAuthorizationUrl({ clientId: t.credentials.clientId, redirectUri: 'javascript:alert(1)' }),
          400,
        );
      },
    );
  },
);
