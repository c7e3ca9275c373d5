/**
 * The merchant page in a real browser (Debian's Chromium driven by playwright-core): the link from
 * the API, fragment and all, opens the page; the merchant picks a merchant by its label and presses
 * Authorize or Deny; the browser follows the 302 to the CRM's callback page (a second real server),
 * in both app modes. The browser sends no X-Mock-Session, so this runs in the default session.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMockServer, type RunningMockServer } from '../../src/index.ts';
import { launchChromium, skipWithoutChromium, newWatchedPage, startCallbackPage } from '../support/browser.ts';
import { SHOP_APP } from './keeta-helpers.ts';

describe.skipIf(skipWithoutChromium)('the merchant page in a browser', () => {
  let mock: RunningMockServer;
  let callbackPage: Awaited<ReturnType<typeof startCallbackPage>>;
  let callbackUrl: string;
  let browser: Browser;
  let page: Page;
  const arrivals: URL[] = [];
  const refusals: string[] = [];

  beforeAll(async () => {
    mock = await startMockServer({ port: 0, providers: ['keeta'], log: () => {} });
    callbackPage = await startCallbackPage('/keeta/callback', arrivals);
    callbackUrl = callbackPage.url;
    const added = await fetch(`${mock.url}/__mock/keeta/apps`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(SHOP_APP),
    });
    expect(added.status).toBe(201);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await callbackPage?.close();
    await mock?.close();
  });

  beforeEach(async () => {
    arrivals.length = 0;
    refusals.length = 0;
    page = await newWatchedPage(browser, refusals);
  });

  async function link(query: Record<string, string>): Promise<string> {
    const answer = await fetch(`${mock.url}/keeta/oauth/authorization/url?${new URLSearchParams(query)}`);
    expect(answer.status).toBe(200);
    const { merchantAuthorizationUrl } = (await answer.json()) as { merchantAuthorizationUrl: string };
    expect(merchantAuthorizationUrl).toMatch(/#\/app-activation$/);
    return merchantAuthorizationUrl;
  }

  it('client_credentials: Authorize lands on the callback with authId, state, appId, timestamp', async () => {
    await page.goto(await link({ clientId: 'keeta-demo', redirectUri: callbackUrl, state: 'browser & state' }));
    expect(await page.title()).toBe('Keeta: authorize an application');
    expect(await page.locator('#appId').textContent()).toBe('2123830428');
    await page.getByRole('button', { name: 'Authorize' }).click();
    await page.waitForURL((url) => url.pathname === '/keeta/callback');
    expect(await page.locator('h1').textContent()).toBe('Back at the CRM');
    expect(arrivals).toHaveLength(1);
    expect([...arrivals[0]!.searchParams.keys()]).toEqual(['authId', 'state', 'appId', 'timestamp']);
    expect(arrivals[0]!.searchParams.get('state')).toBe('browser & state');
    expect(refusals).toEqual([]);
  });

  it('shop_level_authorization_code: the merchant chosen by its label comes back as keetaMerchantId, with a code', async () => {
    const merchants = (await (await fetch(`${mock.url}/__mock/keeta/merchants`)).json()) as {
      id: string;
      name: string;
    }[];
    const chosen = merchants[1]!;
    await page.goto(await link({ clientId: SHOP_APP.clientId, redirectUri: callbackUrl, state: 's' }));
    await page.getByLabel('Merchant').selectOption({ value: chosen.id });
    await page.getByRole('button', { name: 'Authorize' }).click();
    await page.waitForURL((url) => url.pathname === '/keeta/callback');
    const parameters = Object.fromEntries(arrivals[0]!.searchParams);
    expect(parameters).toMatchObject({ appId: SHOP_APP.appId, keetaMerchantId: chosen.id, state: 's' });
    expect(parameters.code).toMatch(/^[0-9a-f]{32}$/);
  });

  it('Deny lands on the callback with error=access_denied', async () => {
    await page.goto(await link({ clientId: SHOP_APP.clientId, redirectUri: callbackUrl, state: 'no' }));
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.waitForURL((url) => url.pathname === '/keeta/callback');
    expect(Object.fromEntries(arrivals[0]!.searchParams)).toMatchObject({ error: 'access_denied', state: 'no' });
  });

  it('without a redirectUri the page shows the authorization; Back gives a fresh form, never a cached one', async () => {
    await page.goto(await link({ clientId: SHOP_APP.clientId }));
    const formId = page.locator('input[name="authorizationRequest"]');
    const spent = await formId.getAttribute('value');
    await page.getByRole('button', { name: 'Authorize' }).click();
    await page.getByRole('heading', { name: 'Authorization complete' }).waitFor();
    const authId = await page.locator('#authId').textContent();
    expect(authId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await page.locator('#code').textContent()).toMatch(/^[0-9a-f]{32}$/);
    const listed = (await (await fetch(`${mock.url}/__mock/keeta/authorizations`)).json()) as { authId: string }[];
    expect(listed.map((authorization) => authorization.authId)).toContain(authId);

    // The page is no-store, so Back loads it again: a new one-time form, not the spent one.
    await page.goBack();
    expect(await page.title()).toBe('Keeta: authorize an application');
    const fresh = await formId.getAttribute('value');
    expect(fresh).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(fresh).not.toBe(spent);
  });
});
