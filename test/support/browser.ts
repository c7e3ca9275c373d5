/**
 * Browser tests drive Debian's Chromium (`/usr/bin/chromium`, which .ci/run installs) with
 * playwright-core: a test tool's own browser download does not work here. The flags keep Chromium off
 * the network it cannot reach (background updates, QUIC) and let it run as root in CI.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium; CHROMIUM_PATH points elsewhere (the gate's own test uses it). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/**
 * On a developer's machine without Chromium the browser tests skip. Under CI=true they never do: a
 * missing Chromium fails them (launchChromium says why), so CI cannot go green without them.
 */
export const skipWithoutChromium = !existsSync(CHROMIUM) && process.env.CI !== 'true';

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No Chromium at ${CHROMIUM}: install Debian's chromium package (.ci/run does) to run the browser tests.`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: 90_000,
  });
}

/**
 * The CRM's callback page on a second real server (127.0.0.1, a free port): each arrival at `path` is
 * pushed to `arrivals` and answered with a page titled "Back at the CRM"; anything else (the browser's
 * favicon request) is 404.
 */
export async function startCallbackPage(
  path: string,
  arrivals: URL[],
): Promise<{ url: string; close(): Promise<void> }> {
  let url = '';
  const server = createServer((req, res) => {
    const arrived = new URL(req.url ?? '/', url);
    if (arrived.pathname !== path) return void res.writeHead(404).end();
    arrivals.push(arrived);
    res
      .writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
      .end('<!doctype html><title>CRM</title><h1>Back at the CRM</h1>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  return { url, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A fresh page whose Content-Security-Policy refusals (a broken or unstyled page) land in `refusals`. */
export async function newWatchedPage(browser: Browser, refusals: string[]): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) refusals.push(message.text());
  });
  return page;
}
