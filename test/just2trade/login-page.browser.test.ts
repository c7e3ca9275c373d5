/**
 * The login page is usable by a person in a real browser (Debian's Chromium driven by
 * playwright-core): the fields are found by their labels, the form submits, the browser follows the
 * 302 to the client's callback page with a code and the state; a wrong password shows the message.
 * The callback is a real page on a second server, registered as a client through the control API.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMockServer, type RunningMockServer } from '../../src/index.ts';
import { launchChromium, skipWithoutChromium, newWatchedPage, startCallbackPage } from '../support/browser.ts';

const CLIENT = { clientId: 'browser-crm', clientSecret: 'browser-crm-secret' };

describe.skipIf(skipWithoutChromium)('the login page in a browser', () => {
  let mock: RunningMockServer;
  let callbackPage: Awaited<ReturnType<typeof startCallbackPage>>;
  let callbackUrl: string;
  let browser: Browser;
  let page: Page;
  /** What the callback page was asked for: the browser's arrival after the redirect. */
  const arrivals: URL[] = [];
  /** Content-Security-Policy violations the browser reported (an unstyled or broken page). */
  const refusals: string[] = [];

  beforeAll(async () => {
    // The mock's default session, as a browser (which sends no X-Mock-Session) uses it.
    mock = await startMockServer({ port: 0, providers: ['just2trade'], log: () => {} });
    callbackPage = await startCallbackPage('/callback', arrivals);
    callbackUrl = callbackPage.url;
    const registered = await fetch(`${mock.url}/__mock/just2trade/clients`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...CLIENT, redirectUris: [callbackUrl] }),
    });
    expect(registered.status).toBe(201);
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

  const authorizeUrl = (state: string) =>
    `${mock.url}/just2trade/auth/connect/authorize?${new URLSearchParams({
      response_type: 'code',
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
      redirect_uri: callbackUrl,
      state,
    })}`;

  it('signs in and lands on the callback page with a code and the state', async () => {
    await page.goto(authorizeUrl('state from the CRM & more'));
    expect(await page.title()).toBe('Sign in - Just2Trade');
    // The login field has the focus, so a person can start typing at once.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('login');
    // The page is styled (its inline style is allowed by the CSP nonce).
    const background = await page
      .getByRole('button', { name: 'Sign in' })
      .evaluate((button) => getComputedStyle(button).backgroundColor);
    expect(background).toBe('rgb(11, 92, 173)');

    await page.getByLabel('Login').fill('login');
    await page.getByLabel('Password').fill('password');
    await Promise.all([page.waitForURL(`${callbackUrl}?**`), page.getByRole('button', { name: 'Sign in' }).click()]);

    const landed = new URL(page.url());
    expect(`${landed.origin}${landed.pathname}`).toBe(callbackUrl);
    expect(landed.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(landed.searchParams.get('state')).toBe('state from the CRM & more');
    expect(await page.getByRole('heading').textContent()).toBe('Back at the CRM');
    expect(arrivals).toHaveLength(1);

    // The code the browser brought back is a real one.
    const token = await fetch(`${mock.url}/just2trade/auth/connect/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: landed.searchParams.get('code')!,
        client_id: CLIENT.clientId,
      }),
    });
    expect(token.status).toBe(200);
    expect(refusals).toEqual([]);
  }, 60_000);

  it('a wrong password shows the message and the form again; the right one then gets through', async () => {
    await page.goto(authorizeUrl('second'));
    await page.getByLabel('Login').fill('login');
    await page.getByLabel('Password').fill('not the password');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Sign in' }).click()]);
    await page.getByRole('alert').waitFor();

    expect(await page.getByRole('alert').textContent()).toBe('The login or password is incorrect.');
    expect(new URL(page.url()).pathname).toBe('/just2trade/auth/connect/authorize/login');
    expect(arrivals).toHaveLength(0);
    // The login is kept and the password field has the focus for the retry.
    expect(await page.getByLabel('Login').inputValue()).toBe('login');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('password');

    await page.getByLabel('Password').fill('password');
    await Promise.all([page.waitForURL(`${callbackUrl}?**`), page.getByRole('button', { name: 'Sign in' }).click()]);
    expect(new URL(page.url()).searchParams.get('state')).toBe('second');
    expect(arrivals).toHaveLength(1);
  }, 60_000);
});
