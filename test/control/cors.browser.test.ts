/**
 * CORS in a real browser (Debian's Chromium driven by playwright-core): a CRM page on a second loopback
 * port (another origin than the mock's, the same host) imports the client bundle a web app's bundler would
 * make of `partnermock/client` (esbuild, for the browser, from src/client) and signs in to B2COPY on the
 * mock cross-origin: a JSON POST, so the browser preflights it first. The same page's `POST /__mock/reset`
 * is refused: the control API answers no origin by default (the browser blocks the answer) and wants the
 * control token (the mock refuses the request), so the session's advanced clock stays advanced. With the
 * page's origin named (`cors: [origin]`) and the token, the same reset goes through cross-origin.
 * The page logs each outcome; a screenshot of each case goes to test-results/cors-*.png.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type RunningMockServer } from '../../src/index.ts';
import { launchChromium, skipWithoutChromium } from '../support/browser.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const SHOTS = 'test-results';
const TOKEN = 'cors-browser-control-token-0123456789';
/** How far Node moves the default session's clock before the page tries its reset. */
const ADVANCE_SECONDS = 3600;

/** What the page's functions hand back to this process. */
type SignInOutcome = { ok: true; accessToken: string } | { ok: false; error: string };
type ResetOutcome = { answered: true; status: number; body: string } | { answered: false; error: string };
/** The fields of a journal entry this test reads. */
type JournalRow = { path: string; status: number; control?: string };
interface CrmPage {
  signIn(mockUrl: string): Promise<SignInOutcome>;
  reset(mockUrl: string, token?: string): Promise<ResetOutcome>;
}

/**
 * The CRM's page: imports the client bundle like any web app would and offers two functions (the test
 * calls them with page.evaluate), each logging its outcome on the page. It never sees the control token
 * unless a test hands it over.
 */
const PAGE = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>CRM on another origin</title>
<h1>CRM on another origin</h1>
<ol id="log"></ol>
<script type="module">
  import { createB2CopyClient } from '/client.js';
  const log = (text) => {
    const item = document.createElement('li');
    item.textContent = text;
    document.getElementById('log').append(item);
  };
  window.crm = {
    async signIn(mockUrl) {
      const b2copy = createB2CopyClient({ baseUrl: mockUrl + '/b2copy' });
      try {
        const result = await b2copy.signIn({ email: 'username@example.com', password: 'Secret123' });
        if (result['2faRequired']) throw new Error('two-factor required');
        log('B2COPY sign-in: access token ' + result.accessToken.token.slice(0, 24) + '…');
        return { ok: true, accessToken: result.accessToken.token };
      } catch (error) {
        log('B2COPY sign-in failed: ' + error.name + ': ' + error.message);
        return { ok: false, error: error.name + ': ' + error.message };
      }
    },
    async reset(mockUrl, token) {
      const headers = token ? { Authorization: 'Bearer ' + token } : {};
      try {
        const response = await fetch(mockUrl + '/__mock/reset', { method: 'POST', headers });
        const body = await response.text();
        log('POST /__mock/reset: ' + response.status + ' ' + body);
        return { answered: true, status: response.status, body };
      } catch (error) {
        log('POST /__mock/reset refused: ' + error.name + ': ' + error.message);
        return { answered: false, error: error.name + ': ' + error.message };
      }
    },
  };
  document.documentElement.dataset.ready = 'true';
</script>
</html>
`;

/** The page and the bundle from a second server on 127.0.0.1 (a free port): the CRM's origin. */
async function startCrmOrigin(bundle: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://crm.invalid').pathname;
    if (path === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(PAGE);
    } else if (path === '/client.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' }).end(bundle);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe.skipIf(skipWithoutChromium)('CORS for a page on another origin, in a browser', () => {
  let scratch: string;
  let crm: { server: Server; origin: string };
  /** Default CORS (every origin on the provider routes, none on the control API) and a control token. */
  let mock: RunningMockServer;
  /** The CRM's origin named (`cors: [origin]`), and a control token. */
  let named: RunningMockServer;
  let browser: Browser;
  /** The console's errors on the current page (Chromium reports a CORS block there). */
  const consoleErrors: string[] = [];

  /** The mock as the page reaches it: the same host as the page, another port, so another origin. */
  const mockOrigin = (server: RunningMockServer) => `http://127.0.0.1:${server.port}`;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    scratch = mkdtempSync(join(tmpdir(), 'partnermock-cors-'));
    // What a web app's bundler makes of the client: one browser ESM file.
    await build({
      entryPoints: ['src/client/index.ts'],
      absWorkingDir: root,
      bundle: true,
      format: 'esm',
      platform: 'browser',
      outfile: join(scratch, 'client.js'),
      logLevel: 'silent',
    });
    crm = await startCrmOrigin(readFileSync(join(scratch, 'client.js'), 'utf8'));
    mock = await startMockServer({ port: 0, controlToken: TOKEN, log: () => {} });
    named = await startMockServer({ port: 0, controlToken: TOKEN, cors: [crm.origin], log: () => {} });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await named?.close();
    await mock?.close();
    if (crm) await new Promise<void>((resolve) => crm.server.close(() => resolve()));
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  async function openCrmPage(): Promise<Page> {
    consoleErrors.length = 0;
    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(15_000);
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(`page error: ${error.message}`));
    const response = await page.goto(`${crm.origin}/`);
    expect(response?.status()).toBe(200);
    await page.locator('html[data-ready="true"]').waitFor();
    return page;
  }

  const crmSignIn = (page: Page, mockUrl: string) =>
    page.evaluate((url) => (window as unknown as { crm: CrmPage }).crm.signIn(url), mockUrl);
  const crmReset = (page: Page, mockUrl: string, token?: string) =>
    page.evaluate(([url, bearer]) => (window as unknown as { crm: CrmPage }).crm.reset(url, bearer), [
      mockUrl,
      token,
    ] as const);

  /** The control API from this process, with the token (the default session: no X-Mock-Session). */
  async function control<Answer = { offsetSeconds: number }>(
    server: RunningMockServer,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<Answer> {
    const response = await fetch(`${mockOrigin(server)}/__mock${path}`, {
      method,
      headers: { Authorization: `Bearer ${TOKEN}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as Answer;
  }

  it('signs in to B2COPY cross-origin with the client bundle, and its reset of the mock is refused', async () => {
    const mockUrl = mockOrigin(mock);
    expect(new URL(mockUrl).host).not.toBe(new URL(crm.origin).host);
    expect((await control(mock, 'POST', '/clock', { advanceSeconds: ADVANCE_SECONDS })).offsetSeconds).toBe(
      ADVANCE_SECONDS,
    );
    const page = await openCrmPage();
    const answers: { url: string; method: string; status: number; allowOrigin: string | undefined }[] = [];
    page.on('response', (response) =>
      answers.push({
        url: response.url(),
        method: response.request().method(),
        status: response.status(),
        allowOrigin: response.headers()['access-control-allow-origin'],
      }),
    );

    // (1) The sign-in: a JSON POST, so Chromium preflights it; the mock answers the page's origin.
    const signIn = await crmSignIn(page, mockUrl);
    expect(signIn).toEqual({ ok: true, accessToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/) });
    expect(answers).toContainEqual({
      url: `${mockUrl}/b2copy/api/v2/signin`,
      method: 'POST',
      status: 200,
      allowOrigin: crm.origin,
    });

    // (2) The reset, without the token the page does not have: a simple POST (no preflight), which the
    // mock refuses (401, no CORS headers), and whose answer the browser keeps from the page.
    const reset = await crmReset(page, mockUrl);
    expect(reset).toEqual({ answered: false, error: expect.stringMatching(/^TypeError: /) });
    expect(consoleErrors).toContainEqual(
      expect.stringContaining(`${mockUrl}/__mock/reset' from origin '${crm.origin}' has been blocked by CORS policy`),
    );
    // The request did arrive (a simple request is sent before the browser can check): the mock refused it.
    const journal = await control<JournalRow[]>(mock, 'GET', '/journal');
    expect(journal.find((entry) => entry.path === '/__mock/reset')).toMatchObject({ control: 'refused', status: 401 });
    // Nothing was reset: the clock Node advanced is still advanced.
    expect((await control(mock, 'GET', '/clock')).offsetSeconds).toBe(ADVANCE_SECONDS);

    await page.screenshot({ path: `${SHOTS}/cors-default.png`, fullPage: true });
    await page.context().close();
  }, 60_000);

  it("with the page's origin named (cors: [origin]) and the token, the page's reset goes through", async () => {
    const mockUrl = mockOrigin(named);
    expect((await control(named, 'POST', '/clock', { advanceSeconds: ADVANCE_SECONDS })).offsetSeconds).toBe(
      ADVANCE_SECONDS,
    );
    const page = await openCrmPage();

    // Authorization makes it a preflighted request: the control API answers the named origin.
    const reset = await crmReset(page, mockUrl, TOKEN);
    expect(reset).toEqual({ answered: true, status: 200, body: JSON.stringify({ status: 'reset', session: 'all' }) });
    expect(consoleErrors).toEqual([]);
    expect((await control(named, 'GET', '/clock')).offsetSeconds).toBe(0);

    await page.screenshot({ path: `${SHOTS}/cors-named.png`, fullPage: true });
    await page.context().close();
  }, 60_000);
});
