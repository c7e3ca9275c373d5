/**
 * examples/ start as they are, and each provider's flow completes with the credentials in the file: B2COPY
 * sign-in and external-CRM sign-in signed with the example's test-only private key, Just2Trade's authorize →
 * login form → token → profile for each client and redirect URI, Keeta's shop-level authorization with its
 * code and merchant id. Also as a fresh clone runs it: `partnermock --config examples/team-staging.yaml`.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createB2CopyClient,
  createJust2TradeClient,
  createKeetaClient,
  parseKeetaCallback,
} from '../../src/client/index.ts';
import { ProviderError } from '../../src/client/provider-error.ts';
import { startMockServer, type RunningMockServer } from '../../src/index.ts';
import { completeJust2TradeLogin, decideKeetaAuthorization } from '../../testing/index.ts';
import { spawnCli, type CliProcess } from '../support/config-files.ts';

const TEAM = 'examples/team-staging.yaml';
const MINIMAL = 'examples/minimal.yaml';
const PRIVATE_KEY = readFileSync(new URL('../../examples/keys/crm-staging.private.pem', import.meta.url), 'utf8');

let running: RunningMockServer | undefined;
let child: CliProcess | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
  await child?.stop();
  child = undefined;
  vi.unstubAllEnvs();
});

/** Authorize → login form → token → profile, as a CRM does it, with a client and a user of the file. */
async function just2tradeFlow(
  url: string,
  client: { clientId: string; clientSecret: string; redirectUri: string },
  user: { login: string; password: string },
) {
  const j2t = createJust2TradeClient({
    authBaseUrl: `${url}/just2trade/auth`,
    apiBaseUrl: `${url}/just2trade/api`,
    ...client,
  });
  const { url: authorizeUrl, codeVerifier } = await j2t.startAuthorization({ state: 'st-1' });
  const callback = await completeJust2TradeLogin(authorizeUrl, user);
  expect(`${callback.origin}${callback.pathname}`).toBe(client.redirectUri);
  const { code } = j2t.parseCallback(callback, 'st-1');
  const token = await j2t.exchangeCode(code, { codeVerifier: codeVerifier! });
  return j2t.getProfile(token.access_token);
}

/** Seconds between an issued token's createdAt and expiresAt. */
const lifetime = (token: { createdAt: string; expiresAt: string }) =>
  (Date.parse(token.expiresAt) - Date.parse(token.createdAt)) / 1000;

describe('examples/team-staging.yaml', () => {
  it('B2COPY: the file users sign in, and the external CRM signs in with the example key from allowed IPs', async () => {
    running = await startMockServer({ config: TEAM, port: 0 });
    const b2copy = createB2CopyClient({ baseUrl: `${running.url}/b2copy` });
    const pair = await b2copy.signIn({ email: 'qa@crm.example', password: 'Qa-Secret-1' });
    expect(pair['2faRequired']).toBe(false);
    if (pair['2faRequired']) throw new Error('unreachable');
    expect(lifetime(pair.accessToken)).toBe(900); // options.accessTokenTtlSeconds
    expect(lifetime(pair.refreshToken)).toBe(86400);
    expect(await b2copy.signIn({ email: 'qa-2fa@crm.example', password: 'Qa-Secret-2' })).toEqual({
      '2faRequired': true,
    });
    // The docs' own user is still there: the file merges with the built-in fixtures.
    expect((await b2copy.signIn({ email: 'username@example.com', password: 'Secret123' }))['2faRequired']).toBe(false);

    // device_ip inside the file's CIDR ranges (and the caller on loopback, also allowed).
    for (const deviceIp of ['127.0.0.1', '10.20.30.40', 'fd00::1234']) {
      const crm = await b2copy.signInExternalCrm({
        keyId: 'crm-staging',
        adminId: 42,
        deviceIp,
        privateKeyPem: PRIVATE_KEY,
      });
      expect(lifetime(crm.accessToken)).toBe(900);
    }
    const outside = await b2copy
      .signInExternalCrm({ keyId: 'crm-staging', adminId: 42, deviceIp: '192.168.1.10', privateKeyPem: PRIVATE_KEY })
      .catch((error: unknown) => error);
    expect(outside).toBeInstanceOf(ProviderError);
    expect((outside as ProviderError).status).toBe(403);
    expect(JSON.stringify((outside as ProviderError).body)).toContain('192.168.1.10');
  });

  it('Just2Trade: both clients, each redirect URI, the file user; the ${ENV:-default} secrets', async () => {
    running = await startMockServer({ config: TEAM, port: 0 });
    const user = { login: 'qa-trader', password: 'Qa-Trader-1' };
    const clients = [
      {
        clientId: 'crm-staging',
        clientSecret: 'staging-secret-for-local-use',
        redirectUris: [
          'http://localhost:3000/auth/just2trade/callback',
          'http://127.0.0.1:3000/auth/just2trade/callback',
          'https://crm-staging.example.com/auth/just2trade/callback',
        ],
      },
      {
        clientId: 'crm-review-apps',
        clientSecret: 'review-secret-for-local-use',
        redirectUris: [
          'http://localhost:4000/auth/just2trade/callback',
          'https://review.crm-staging.example.com/auth/just2trade/callback',
        ],
      },
    ];
    for (const { redirectUris, ...client } of clients) {
      for (const redirectUri of redirectUris) {
        const profile = await just2tradeFlow(running.url, { ...client, redirectUri }, user);
        expect(profile).toMatchObject({
          email: 'qa-trader@crm.example',
          accounts: [{ account_number: '20000001@vision', trade_platform: 'ETNA' }],
        });
      }
    }
    // A redirect URI registered for the other client is refused on the error page, never redirected to.
    await expect(
      just2tradeFlow(
        running.url,
        { ...clients[0]!, redirectUri: 'http://localhost:4000/auth/just2trade/callback' },
        user,
      ),
    ).rejects.toThrow(/showed no login form \(400\)/);
    await running.close();

    // In CI the secret comes from the environment.
    vi.stubEnv('J2T_STAGING_CLIENT_SECRET', 'secret-from-ci');
    running = await startMockServer({ config: TEAM, port: 0 });
    expect(await running.fixtures.get('just2trade', 'clients', 'crm-staging')).toMatchObject({
      clientSecret: 'secret-from-ci',
    });
    const profile = await just2tradeFlow(
      running.url,
      { clientId: 'crm-staging', clientSecret: 'secret-from-ci', redirectUri: clients[0]!.redirectUris[0]! },
      { login: 'qa-pending', password: 'Qa-Pending-1' },
    );
    expect(profile).toMatchObject({
      email: 'qa-pending@crm.example',
      domestic: false,
      application: { status: 'pending' },
    });
  });

  it('Keeta: the shop-level app gets a code and the merchant id of the file merchant', async () => {
    running = await startMockServer({ config: TEAM, port: 0 });
    const keeta = createKeetaClient({ baseUrl: `${running.url}/keeta` });
    for (const redirectUri of [
      'http://localhost:3000/auth/keeta/callback',
      'https://crm-staging.example.com/auth/keeta/callback',
    ]) {
      const { merchantAuthorizationUrl } = await keeta.getAuthorizationUrl({
        clientId: 'crm-shop',
        redirectUri,
        state: 'k-1',
      });
      const back = await decideKeetaAuthorization(merchantAuthorizationUrl, {
        decision: 'authorize',
        merchantId: '300000002',
      });
      expect(back).toBeInstanceOf(URL);
      expect(`${(back as URL).origin}${(back as URL).pathname}`).toBe(redirectUri);
      const callback = parseKeetaCallback(back, 'k-1');
      expect(callback).toMatchObject({ appId: '9000000001', keetaMerchantId: '300000002', state: 'k-1' });
      expect(callback.code).toMatch(/.{8,}/);
    }
    const refused = await keeta
      .getAuthorizationUrl({ clientId: 'crm-shop', redirectUri: 'http://localhost:3000/elsewhere' })
      .catch((error: unknown) => error);
    expect((refused as ProviderError).status).toBe(400);
    expect((await running.fixtures.list('keeta', 'authorizations')).length).toBe(2);
  });

  it('as a fresh clone runs it: partnermock --config examples/team-staging.yaml --port 0', async () => {
    child = spawnCli(['--config', TEAM, '--port', '0', '--quiet']);
    const [, url] = await child.waitForOutput(/listening on (http:\/\/localhost:\d+)/);
    await child.waitForOutput(/control API/);
    expect(child.stdout()).toContain('config file  examples/team-staging.yaml');
    const b2copy = createB2CopyClient({ baseUrl: `${url}/b2copy` });
    expect((await b2copy.signIn({ email: 'qa@crm.example', password: 'Qa-Secret-1' }))['2faRequired']).toBe(false);
    const crm = await b2copy.signInExternalCrm({
      keyId: 'crm-staging',
      adminId: 42,
      deviceIp: '10.1.2.3',
      privateKeyPem: PRIVATE_KEY,
    });
    expect(crm.accessToken.token).toMatch(/^ey/);
    const profile = await just2tradeFlow(
      url!,
      {
        clientId: 'crm-staging',
        clientSecret: 'staging-secret-for-local-use',
        redirectUri: 'http://localhost:3000/auth/just2trade/callback',
      },
      { login: 'qa-trader', password: 'Qa-Trader-1' },
    );
    expect(profile.email).toBe('qa-trader@crm.example');
    const keeta = createKeetaClient({ baseUrl: `${url}/keeta` });
    const { merchantAuthorizationUrl } = await keeta.getAuthorizationUrl({
      clientId: 'crm-shop',
      redirectUri: 'http://localhost:3000/auth/keeta/callback',
      state: 's',
    });
    const back = await decideKeetaAuthorization(merchantAuthorizationUrl, {
      decision: 'authorize',
      merchantId: '300000001',
    });
    expect(parseKeetaCallback(back, 's')).toMatchObject({ keetaMerchantId: '300000001', appId: '9000000001' });
    child.child.kill('SIGTERM');
    expect(await child.exited()).toBe(0);
  }, 30_000);
});

describe('examples/minimal.yaml', () => {
  it('serves Just2Trade only, with only the file client and user', async () => {
    running = await startMockServer({ config: MINIMAL, port: 0 });
    expect((await (await fetch(`${running.url}/__mock/health`)).json()).providers).toEqual(['just2trade']);
    expect((await fetch(`${running.url}/b2copy/api/v2/signin`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await running.fixtures.list('just2trade', 'clients')).map((client) => client.clientId)).toEqual(['my-crm']);
    expect((await running.fixtures.list('just2trade', 'users')).map((user) => user.login)).toEqual(['demo']);
    const profile = await just2tradeFlow(
      running.url,
      { clientId: 'my-crm', clientSecret: 'local-secret', redirectUri: 'http://localhost:3000/callback' },
      { login: 'demo', password: 'Demo-Secret-1' },
    );
    expect(profile).toMatchObject({ email: 'demo@crm.example', accounts: [], application: { status: 'process' } });
    // The built-in user is gone (mode: replace).
    await expect(
      just2tradeFlow(
        running.url,
        { clientId: 'my-crm', clientSecret: 'local-secret', redirectUri: 'http://localhost:3000/callback' },
        { login: 'login', password: 'password' },
      ),
    ).rejects.toThrow(/refused the sign-in/);
  });
});
