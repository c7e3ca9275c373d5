/**
 * The whole Keeta flow over HTTP from outside the process, as a CRM and a merchant's browser do it:
 * a real listening mock (port 0) and a real callback server on 127.0.0.1, driven with fetch only.
 *
 *   CRM: GET /oauth/authorization/url → browser: GET the link (no fragment) → read the form →
 *   POST it with the page's cookie → follow Location to the CRM's callback → the CRM reads the query.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type RunningMockServer } from '../../src/index.ts';
import { newSession } from '../helpers.ts';
import { SHOP_APP, expectSpecCallback, parseForm } from './keeta-helpers.ts';

let mock: RunningMockServer;
let callbackServer: Server;
let callbackUrl: string;
/** What the callback server received, newest last. */
const received: URL[] = [];

beforeAll(async () => {
  mock = await startMockServer({ port: 0, providers: ['keeta'], log: () => {} });
  callbackServer = createServer((req, res) => {
    received.push(new URL(req.url ?? '/', callbackUrl));
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end('CRM got the callback');
  });
  await new Promise<void>((resolve) => callbackServer.listen(0, '127.0.0.1', resolve));
  callbackUrl = `http://127.0.0.1:${(callbackServer.address() as AddressInfo).port}/keeta/callback`;
});
afterAll(async () => {
  await mock.close();
  await new Promise<void>((resolve) => callbackServer.close(() => resolve()));
});

/** Runs the flow for an app and returns the query the callback server got. */
async function authorizeOverHttp(session: string, clientId: string, state: string): Promise<URL> {
  const headers = { 'X-Mock-Session': session };
  const api = await fetch(
    `${mock.url}/keeta/oauth/authorization/url?${new URLSearchParams({ clientId, redirectUri: callbackUrl, state })}`,
    { headers },
  );
  expect(api.status).toBe(200);
  const { merchantAuthorizationUrl } = (await api.json()) as { merchantAuthorizationUrl: string };
  expect(merchantAuthorizationUrl.startsWith(`${mock.url}/keeta/m/web/openapi/authorize?`)).toBe(true);

  // The browser: fetch drops the fragment, as a browser does.
  const page = await fetch(merchantAuthorizationUrl, { headers });
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  const form = parseForm(await page.text(), page.headers.getSetCookie());
  expect(form.cookie).toMatch(/^keeta_browser=/);

  const body = new URLSearchParams({ ...form.hidden, merchantId: form.merchants[0]!.value, decision: 'authorize' });
  const posted = await fetch(new URL(form.action, page.url), {
    method: 'POST',
    redirect: 'manual',
    headers: { ...headers, 'Content-Type': 'application/x-www-form-urlencoded', Cookie: form.cookie },
    body,
  });
  expect(posted.status).toBe(302);
  const location = posted.headers.get('location')!;
  expect(location.startsWith(`${callbackUrl}?`)).toBe(true);

  const before = received.length;
  const landed = await fetch(location);
  expect(await landed.text()).toBe('CRM got the callback');
  expect(received).toHaveLength(before + 1);
  return received.at(-1)!;
}

describe('end to end over HTTP', () => {
  it('client_credentials: the callback gets authId, state, appId and timestamp', async () => {
    const session = newSession();
    const callback = await authorizeOverHttp(session, 'keeta-demo', 'e2e a b&c=d/é');
    const parameters = Object.fromEntries(callback.searchParams);
    expect(callback.pathname).toBe('/keeta/callback');
    expect(Object.keys(parameters)).toEqual(['authId', 'state', 'appId', 'timestamp']);
    expect(parameters).toMatchObject({ state: 'e2e a b&c=d/é', appId: '2123830428' });
    expectSpecCallback(mock.mock, parameters);

    const listed = (await (
      await fetch(`${mock.url}/__mock/keeta/authorizations`, { headers: { 'X-Mock-Session': session } })
    ).json()) as { authId: string }[];
    expect(listed.map((authorization) => authorization.authId)).toEqual([parameters.authId]);
  });

  it('shop_level_authorization_code: the callback also gets keetaMerchantId and code', async () => {
    const session = newSession();
    const added = await fetch(`${mock.url}/__mock/keeta/apps`, {
      method: 'POST',
      headers: { 'X-Mock-Session': session, 'Content-Type': 'application/json' },
      body: JSON.stringify(SHOP_APP),
    });
    expect(added.status).toBe(201);
    const callback = await authorizeOverHttp(session, SHOP_APP.clientId, 'shop-1');
    const parameters = Object.fromEntries(callback.searchParams);
    expect(Object.keys(parameters)).toEqual(['authId', 'state', 'appId', 'timestamp', 'keetaMerchantId', 'code']);
    expect(parameters).toMatchObject({ state: 'shop-1', appId: SHOP_APP.appId });
    expectSpecCallback(mock.mock, parameters);

    const listed = (await (
      await fetch(`${mock.url}/__mock/keeta/authorizations`, { headers: { 'X-Mock-Session': session } })
    ).json()) as Record<string, unknown>[];
    expect(listed).toEqual([
      expect.objectContaining({
        authId: parameters.authId,
        code: parameters.code,
        merchantId: parameters.keetaMerchantId,
      }),
    ]);
  });

  it('in the default session, as a real browser without X-Mock-Session sees it', async () => {
    const api = await fetch(`${mock.url}/keeta/oauth/authorization/url?clientId=keeta-demo`);
    const { merchantAuthorizationUrl } = (await api.json()) as { merchantAuthorizationUrl: string };
    const page = await fetch(merchantAuthorizationUrl);
    const form = parseForm(await page.text(), page.headers.getSetCookie());
    const body = new URLSearchParams({ ...form.hidden, merchantId: form.merchants[0]!.value, decision: 'authorize' });
    const done = await fetch(form.action, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: form.cookie },
      body,
    });
    expect(done.status).toBe(200);
    const authId = /<dd id="authId">([^<]+)<\/dd>/.exec(await done.text())![1];
    const listed = (await (await fetch(`${mock.url}/__mock/keeta/authorizations`)).json()) as { authId: string }[];
    expect(listed.map((authorization) => authorization.authId)).toContain(authId);
  });
});
