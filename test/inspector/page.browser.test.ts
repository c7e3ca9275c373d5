/**
 * The inspector at `/` in a real browser (Debian's Chromium driven by playwright-core), issue 17 item 3.
 * The page is opened first; then a B2COPY sign-in (a wrong password, the right one, a refresh, a reused
 * refresh token) and Just2Trade flows (a wrong password, then authorize → login → token → profile) run
 * from this process with the typed clients, in their own session, and the page must show each exchange
 * within a second, open the sign-in's decoded token and masked password, and draw the flows with the
 * failing steps marked. A screenshot of each view goes to test-results/inspector-*.png (CI keeps them);
 * with INSPECTOR_DOCS_SCREENSHOT=1 the README's docs/inspector.png is written too.
 */
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createB2CopyClient, createJust2TradeClient, type B2CopySignInResult } from '../../src/client/index.ts';
import { startMockServer, type JournalEntry, type RunningMockServer } from '../../src/index.ts';
import { exportPKCS8, generateKeyPair } from 'jose';
import { DEV_KEY_ID } from '../../mocks/b2copy/index.ts';
import { completeJust2TradeLogin } from '../../testing/index.ts';
import { launchChromium, skipWithoutChromium } from '../support/browser.ts';

const SESSION = 'inspector-e2e';
const SHOTS = 'test-results';
const REDIRECT_URI = 'http://localhost:3000/callback';

describe.skipIf(skipWithoutChromium)('the inspector page in a browser', () => {
  let mock: RunningMockServer;
  let browser: Browser;
  let page: Page;
  /** Uncaught page errors and console errors: the page must have none. */
  const problems: string[] = [];
  /** The newest journal id the page has been seen to list. */
  let listedUpTo = 0;
  /** What the flows left for later tests. */
  let signIn: { id: string; result: Extract<B2CopySignInResult, { '2faRequired': false }> };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    mock = await startMockServer({ port: 0, log: () => {} });
    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      permissions: ['clipboard-read', 'clipboard-write'],
    });
    page = await context.newPage();
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console.error: ${message.text()}`);
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await mock?.close();
  });

  /** Each exchange the session made since the last call must be on the page within a second. */
  async function expectListedWithinASecond(): Promise<JournalEntry[]> {
    const happened = Date.now();
    const fresh = (await mock.session(SESSION).journal({ limit: 50 }))
      .filter((entry) => Number(entry.id) > listedUpTo)
      .reverse();
    expect(fresh.length).toBeGreaterThan(0);
    for (const entry of fresh) {
      const left = Math.max(1, 1000 - (Date.now() - happened));
      await page.locator(`#exchange-list [data-id="${entry.id}"]`).waitFor({ timeout: left });
    }
    listedUpTo = Number(fresh.at(-1)!.id);
    return fresh;
  }

  /** The flow view redraws its diagrams to the page's width shortly after a resize. */
  const diagramsFit = () =>
    page.waitForFunction(() =>
      Array.from(document.querySelectorAll<SVGSVGElement>('svg.sequence')).every(
        (diagram) => diagram.getBoundingClientRect().width <= diagram.parentElement!.clientWidth,
      ),
    );

  const openView = async (view: string) => {
    await page.locator(`nav a[data-view="${view}"]`).click();
    await page.locator(`section[data-view="${view}"]`).waitFor();
    // The view is drawn (and its filters shown) once the link is marked current.
    await page.locator(`nav a[data-view="${view}"][aria-current="page"]`).waitFor();
    if (view !== 'providers') await page.locator('#filters').waitFor({ state: 'visible' });
  };

  it('is served with a strict CSP, under 150 KB, and lists the providers with copyable credentials', async () => {
    const response = await page.goto(`${mock.url}/`);
    expect(response?.status()).toBe(200);
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    await page.locator('#live.on').waitFor();

    // Everything the page load transferred: the document, its scripts and stylesheet, the first API reads.
    const transferred = await page.evaluate(() =>
      [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
        .map((entry) => (entry as PerformanceResourceTiming).transferSize)
        .reduce((sum, size) => sum + size, 0),
    );
    expect(transferred).toBeGreaterThan(1000);
    expect(transferred).toBeLessThanOrEqual(150 * 1024);

    await openView('providers');
    const b2copy = page.locator('article.provider[data-provider="b2copy"]');
    expect(await b2copy.textContent()).toContain(`${mock.url}/b2copy`);
    expect(await page.locator('article.provider[data-provider="just2trade"]').textContent()).toContain('crm-demo');
    // A copy button works from the keyboard: focus it, press Enter, the value is on the clipboard.
    await b2copy.getByRole('button', { name: /Copy .*Back Office sign-in Secret123/ }).focus();
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('Secret123');
    await page.screenshot({ path: `${SHOTS}/inspector-providers.png`, fullPage: true });
  }, 60_000);

  it('lists each exchange of a B2COPY sign-in and two Just2Trade flows within a second', async () => {
    await openView('exchanges');
    const session = mock.session(SESSION);
    const b2copy = createB2CopyClient({ baseUrl: `${mock.url}/b2copy`, fetch: session.fetch });

    await expect(b2copy.signIn({ email: 'username@example.com', password: 'not the password' })).rejects.toMatchObject({
      status: 401,
    });
    await expectListedWithinASecond();
    const result = await b2copy.signIn({ email: 'username@example.com', password: 'Secret123' });
    if (result['2faRequired']) throw new Error('the default user signs in without two-factor');
    const [signInEntry] = await expectListedWithinASecond();
    signIn = { id: signInEntry!.id, result };
    const renewed = await b2copy.refresh(result.refreshToken.token);
    expect(renewed.accessToken.token).not.toBe(result.accessToken.token);
    await expectListedWithinASecond();
    // The spent refresh token again: reuse detection revokes the sign-in's tokens.
    await expect(b2copy.refresh(result.refreshToken.token)).rejects.toMatchObject({ status: 401 });
    await expectListedWithinASecond();

    const just2trade = createJust2TradeClient({
      authBaseUrl: `${mock.url}/just2trade/auth`,
      apiBaseUrl: `${mock.url}/just2trade/api`,
      clientId: 'crm-demo',
      clientSecret: await session.just2trade.clientSecret('crm-demo'),
      redirectUri: REDIRECT_URI,
      fetch: session.fetch,
    });
    const refused = await just2trade.startAuthorization({ state: 'first try' });
    await expect(
      completeJust2TradeLogin(refused.url, { login: 'login', password: 'wrong', session: SESSION }),
    ).rejects.toThrow(/incorrect/);
    await expectListedWithinASecond();

    const authorization = await just2trade.startAuthorization({ state: 'second try' });
    const callback = await completeJust2TradeLogin(authorization.url, {
      login: 'login',
      password: 'password',
      session: SESSION,
    });
    await expectListedWithinASecond();
    const { code } = just2trade.parseCallback(callback, 'second try');
    const token = await just2trade.exchangeCode(code, { codeVerifier: authorization.codeVerifier! });
    await expectListedWithinASecond();
    await just2trade.getProfile(token.access_token);
    await expectListedWithinASecond();

    // Newest first, and the filters narrow the list without a reload.
    const ids = await page.locator('#exchange-list > li').evaluateAll((rows) => rows.map((row) => row.dataset.id));
    expect(ids.map(Number)).toEqual([...ids.map(Number)].sort((a, b) => b - a));
    await page.locator('#filter-status').selectOption('4xx');
    const failing = await page.locator('#exchange-list > li').evaluateAll((rows) => rows.map((row) => row.className));
    expect(failing.length).toBe(2);
    expect(failing.every((name) => name.includes('status-4xx'))).toBe(true);
    await page.locator('#filter-status').selectOption('');
    await page.locator('#filter-text').fill('getProfile');
    expect(await page.locator('#exchange-list > li').count()).toBe(1);
    await page.locator('#filter-text').fill('');
    await page.screenshot({ path: `${SHOTS}/inspector-exchanges.png`, fullPage: true });
  }, 60_000);

  it("opens the sign-in's detail: the decoded sub and exp, verified, and the password masked", async () => {
    await page.locator(`#exchange-list [data-id="${signIn.id}"] a`).click();
    const detail = page.locator(`.detail[data-id="${signIn.id}"]`);
    await detail.waitFor();
    const access = detail.locator('article.token[data-where="response.body.accessToken.token"]');
    expect(await access.locator('tr[data-claim="sub"] .claim-value').textContent()).toBe('username@example.com');
    const exp = Number(await access.locator('tr[data-claim="exp"] .claim-value').textContent());
    expect(exp).toBe(Date.parse(signIn.result.accessToken.expiresAt) / 1000);
    expect(await access.locator('.badge').textContent()).toBe('verified');

    const request = await detail.locator('section.side[aria-label="Request"] pre.body').textContent();
    expect(JSON.parse(request!)).toEqual({ email: 'username@example.com', password: '[masked]' });
    expect(await detail.textContent()).not.toContain('Secret123');
    await page.screenshot({ path: `${SHOTS}/inspector-detail.png`, fullPage: true });
  }, 60_000);

  it("draws the session's flows: the Just2Trade steps in order, the failing steps marked with their reason", async () => {
    await openView('flows');
    await page.locator('#filter-session').selectOption(SESSION);
    const flows = page.locator('#flows article.flow[data-provider="just2trade"]');
    await expect.poll(() => flows.count()).toBe(2);

    // Newest first: the whole flow, then the refused one.
    const whole = flows.nth(0);
    const steps = () => whole.locator('g.step').evaluateAll((groups) => groups.map((group) => group.dataset.step));
    expect(await steps()).toEqual(['authorize', 'login', 'requestToken', 'getProfile']);
    // The browser opens the authorize URL and posts the form; the CRM redeems the code and reads the profile.
    const senders = await whole
      .locator('g.step')
      .evaluateAll((groups) => groups.map((group) => group.getAttribute('class')!.match(/from-(\w+)/)![1]));
    expect(senders).toEqual(['browser', 'browser', 'crm', 'crm']);
    // Once the details are in, the login's 302 is drawn going back to the CRM with the code.
    await whole.locator('text.label', { hasText: 'redirect back to the CRM: /callback?code=' }).waitFor();
    expect(await whole.locator('g.step.failing').count()).toBe(0);

    const refused = flows.nth(1);
    const failingLogin = refused.locator('g.step.failing[data-step="login"]');
    await failingLogin.waitFor();
    expect(await failingLogin.locator('text.reason').allTextContents()).toEqual([
      '✗ The login or password is incorrect.',
    ]);

    const b2copy = page.locator('#flows article.flow[data-provider="b2copy"]');
    expect(await b2copy.count()).toBe(2);
    const wrongPassword = b2copy.nth(1).locator('g.step.failing[data-step="signIn"] text.reason');
    await wrongPassword.first().waitFor();
    expect((await wrongPassword.allTextContents()).join(' ')).toContain(
      '401 invalid_credentials: The email or password is incorrect.',
    );
    // Sign-in, refresh, then the reused refresh token refused.
    const signInFlow = b2copy.nth(0);
    expect(
      await signInFlow.locator('g.step').evaluateAll((groups) => groups.map((group) => group.dataset.step)),
    ).toEqual(['signIn', 'refreshToken', 'refreshToken']);
    await signInFlow.locator('g.step.failing[data-step="refreshToken"] text.reason').first().waitFor();
    await page.screenshot({ path: `${SHOTS}/inspector-flows.png`, fullPage: true });
    if (process.env.INSPECTOR_DOCS_SCREENSHOT) {
      // The README's picture: the two Just2Trade flows, the whole one and the refused one, as GitHub shows it.
      await page.setViewportSize({ width: 1000, height: 870 });
      await page.locator('#filter-provider').selectOption('just2trade');
      await diagramsFit();
      await page.screenshot({ path: 'docs/inspector.png' });
      await page.locator('#filter-provider').selectOption('');
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  }, 60_000);

  it("shows the session's clock and tokens, advances the clock, and adds and removes a fault rule", async () => {
    await openView('session');
    expect(await page.locator('#session-name').textContent()).toBe(SESSION);
    const now = page.locator('#session-now');
    await expect.poll(() => now.textContent()).toMatch(/^\d{4}-/);
    const before = Date.parse((await now.textContent())!);
    await page.getByRole('button', { name: '+1 h' }).click();
    await expect
      .poll(async () => Date.parse((await now.textContent())!) - before, { timeout: 2000 })
      .toBeGreaterThanOrEqual(3600_000);
    // What the session holds, with a state each (empty until the providers list their items).
    await page.locator('#session .held-items > *').first().waitFor();
    const states = await page
      .locator('#session table.held tbody tr')
      .evaluateAll((rows) => rows.map((row) => row.dataset.status));
    for (const state of states) expect(['active', 'used', 'revoked', 'expired']).toContain(state);

    await page.locator('#fault-provider').selectOption('b2copy');
    await page.locator('#fault-target').selectOption('operation:signIn');
    await page.locator('#fault-status').fill('503');
    await page.getByRole('button', { name: 'Add rule' }).click();
    const rule = page.locator('#session li[data-rule]');
    await rule.waitFor();
    expect(await rule.textContent()).toContain('b2copy signIn → status 503');
    await page.screenshot({ path: `${SHOTS}/inspector-session.png`, fullPage: true });

    const b2copy = createB2CopyClient({ baseUrl: `${mock.url}/b2copy`, fetch: mock.session(SESSION).fetch });
    await expect(b2copy.signIn({ email: 'username@example.com', password: 'Secret123' })).rejects.toMatchObject({
      status: 503,
    });
    await page.getByRole('button', { name: /^Remove fault rule / }).click();
    await rule.waitFor({ state: 'detached' });
    expect(await mock.session(SESSION).faults.list()).toEqual([]);

    // The faulted exchange names its rule, in the list and the detail.
    await openView('exchanges');
    const [faulted] = await expectListedWithinASecond();
    expect(await page.locator(`#exchange-list [data-id="${faulted!.id}"] .badge.fault`).count()).toBe(1);
  }, 60_000);

  it("shows, from the page alone, why each provider's main refusals failed", async () => {
    const session = mock.session('inspector-refusals');
    const just2trade = createJust2TradeClient({
      authBaseUrl: `${mock.url}/just2trade/auth`,
      apiBaseUrl: `${mock.url}/just2trade/api`,
      clientId: 'crm-demo',
      clientSecret: await session.just2trade.clientSecret('crm-demo'),
      redirectUri: REDIRECT_URI,
      fetch: session.fetch,
    });
    // A redirect URI that is not registered: the authorize page refuses, and never redirects.
    const wrongRedirect = new URL((await just2trade.startAuthorization({ state: 'r-1' })).url);
    wrongRedirect.searchParams.set('redirect_uri', 'http://localhost:3000/elsewhere');
    expect((await session.fetch(wrongRedirect, { redirect: 'manual' })).status).toBe(400);
    // A code redeemed twice, then an access token used after it expired.
    const start = await just2trade.startAuthorization({ state: 'r-2' });
    const back = await completeJust2TradeLogin(start.url, {
      login: 'login',
      password: 'password',
      fetch: session.fetch,
    });
    const { code } = just2trade.parseCallback(back, 'r-2');
    const token = await just2trade.exchangeCode(code, { codeVerifier: start.codeVerifier });
    await just2trade.exchangeCode(code, { codeVerifier: start.codeVerifier }).catch(() => undefined);
    const second = await just2trade.startAuthorization({ state: 'r-3' });
    const again = await completeJust2TradeLogin(second.url, {
      login: 'login',
      password: 'password',
      fetch: session.fetch,
    });
    const live = await just2trade.exchangeCode(just2trade.parseCallback(again, 'r-3').code, {
      codeVerifier: second.codeVerifier,
    });
    await session.clock.advance(2 * 24 * 3600);
    await just2trade.getProfile(live.access_token).catch(() => undefined);
    // An external CRM's JWT signed with a key that is not the one registered for its key_id.
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const b2copy = createB2CopyClient({ baseUrl: `${mock.url}/b2copy`, fetch: session.fetch });
    await b2copy
      .signInExternalCrm({
        privateKeyPem: await exportPKCS8(privateKey),
        keyId: DEV_KEY_ID,
        adminId: 1,
        deviceIp: '127.0.0.1',
      })
      .catch(() => undefined);
    expect(token.access_token).not.toBe(live.access_token);

    await openView('flows');
    await page.locator('#filter-session').waitFor({ state: 'visible' });
    await page.locator('#filter-session').selectOption('inspector-refusals');
    // A step is drawn failing at once, with its status; the provider's reason follows with the exchange's detail.
    const reasons = (provider: string, step: string) =>
      page
        .locator(`#flows article.flow[data-provider="${provider}"] g.step.failing[data-step="${step}"] text.reason`)
        .allTextContents()
        .then((texts) => texts.join(' '));
    try {
      const poll = { timeout: 5000 };
      await expect.poll(() => reasons('just2trade', 'authorize'), poll).toMatch(/redirect_uri is not registered/);
      await expect.poll(() => reasons('just2trade', 'requestToken'), poll).toMatch(/invalid_grant/);
      await expect.poll(() => reasons('just2trade', 'getProfile'), poll).toMatch(/invalid_token/);
      await expect.poll(() => reasons('b2copy', 'authExternalCrm'), poll).toMatch(/invalid_external_token|signature/);
      await page.screenshot({ path: `${SHOTS}/inspector-refusals.png`, fullPage: true });
    } finally {
      await page.locator('#filter-session').selectOption(SESSION);
    }
  }, 60_000);

  it('fits 360 px without horizontal overflow in every view', async () => {
    await page.setViewportSize({ width: 360, height: 800 });
    for (const view of ['exchanges', 'flows', 'session', 'providers']) {
      await openView(view);
      if (view === 'flows') await diagramsFit();
      const width = await page.evaluate(() => document.scrollingElement!.scrollWidth);
      expect(width, view).toBeLessThanOrEqual(360);
    }
    await openView('exchanges');
    await page.locator(`#exchange-list [data-id="${signIn.id}"] a`).click();
    await page.locator(`.detail[data-id="${signIn.id}"]`).waitFor();
    expect(await page.evaluate(() => document.scrollingElement!.scrollWidth)).toBeLessThanOrEqual(360);
    await openView('flows');
    await page.screenshot({ path: `${SHOTS}/inspector-flows-360.png`, fullPage: true });
  }, 60_000);

  it('logged no errors to the console and threw none', () => {
    expect(problems).toEqual([]);
  });
});
