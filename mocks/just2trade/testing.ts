/**
 * The user's part of the Just2Trade flow, for a test suite (exported by `partnermock/testing`): open the
 * authorize URL and sign in on the login form, as a browser does (its cookie, its CSRF field).
 */
import { FormBrowser, PageError, formsOf, isRedirect, pageMessage, stepFetch } from '../../src/testing/form-browser.ts';
import type { BrowserStepOptions } from '../../src/testing/form-browser.ts';

export interface Just2TradeLoginOptions extends BrowserStepOptions {
  login: string;
  password: string;
}

/**
 * Opens `authorizeUrl` (e.g. `startAuthorization().url` of the Just2Trade client), submits the login form
 * with `login` and `password`, and returns where Just2Trade sends the browser back: the redirect URI with
 * `code` and `state` (or with `error`, when the authorize request itself was refused by redirect). A
 * refused sign-in, or an error page instead of the form, throws a PageError with the page's own message.
 * With auto-login on for the session, the authorize URL redirects at once, and that redirect is returned.
 */
export async function completeJust2TradeLogin(
  authorizeUrl: string | URL,
  options: Just2TradeLoginOptions,
): Promise<URL> {
  // No redirect is followed: the first one is the way back to the application.
  const browser = new FormBrowser(stepFetch(options), []);
  const page = await browser.open(authorizeUrl);
  if (isRedirect(page)) return page.redirectedTo;
  const form = formsOf(page).find((candidate) => candidate.fields.has('csrf_token'));
  if (page.status !== 200 || !form) {
    throw new PageError(
      `Just2Trade showed no login form (${page.status}): ${pageMessage(page)}`,
      page.status,
      page.url,
    );
  }
  const answer = await browser.submit(form, { login: options.login, password: options.password });
  if (isRedirect(answer)) return answer.redirectedTo;
  throw new PageError(
    `Just2Trade refused the sign-in (${answer.status}): ${pageMessage(answer)}`,
    answer.status,
    answer.url,
  );
}
