/**
 * The browser's part of B2COPY's seamless login, for a test suite (exported by `partnermock/testing`).
 */
import { FormBrowser, isRedirect, pageMessage, stepFetch } from '../../src/testing/form-browser.ts';
import type { BrowserStepOptions } from '../../src/testing/form-browser.ts';

export interface WebUiVisit {
  /** 200 when the link signed the account in; 404, 409 or 410 for an unknown, used or expired link. */
  status: number;
  /** The Web UI session cookie the landing set, as `name=value`; undefined when it set none. */
  cookie?: string;
  /** What the page says. */
  message: string;
}

/** Opens a seamless-login URL (from `getAuthUrl`) as a browser does: each link signs in once. */
export async function openB2CopyWebUi(url: string | URL, options: BrowserStepOptions = {}): Promise<WebUiVisit> {
  const page = await new FormBrowser(stepFetch(options), []).open(url);
  if (isRedirect(page)) return { status: 302, message: `redirected to ${page.redirectedTo.href}` };
  const cookie = page.headers
    .getSetCookie()
    .map((line) => line.split(';')[0]!.trim())
    .find((pair) => pair.startsWith('b2copy_webui_session='));
  return { status: page.status, ...(cookie ? { cookie } : {}), message: pageMessage(page) };
}
