/**
 * The merchant's part of the Keeta flow, for a test suite (exported by `partnermock/testing`): open the
 * merchant authorization URL and press Authorize or Deny, as a browser does (its cookie, its CSRF field).
 */
import {
  FormBrowser,
  PageError,
  formsOf,
  isRedirect,
  pageMessage,
  pageText,
  stepFetch,
} from '../../src/testing/form-browser.ts';
import type { BrowserStepOptions } from '../../src/testing/form-browser.ts';

export interface KeetaDecisionOptions extends BrowserStepOptions {
  decision: 'authorize' | 'deny';
  /** The merchant to authorize for; default the one the page preselects (the first). */
  merchantId?: string;
}

/**
 * Opens `merchantAuthorizationUrl` (from `getAuthorizationUrl`), takes `decision` for the merchant, and
 * returns where Keeta sends the browser back (the redirect URI with `authId`, `state`, ... or `error`),
 * or, when the link had no `redirectUri`, the text of the page that shows the result. A refusal (an
 * unknown app, an expired form, an unknown merchant) throws a PageError with the page's own message.
 * With auto-consent on for the session, the page decides at once, and that answer is returned.
 */
export async function decideKeetaAuthorization(
  merchantAuthorizationUrl: string | URL,
  options: KeetaDecisionOptions,
): Promise<URL | string> {
  const browser = new FormBrowser(stepFetch(options), []);
  const page = await browser.open(merchantAuthorizationUrl);
  if (isRedirect(page)) return page.redirectedTo;
  const form = formsOf(page).find((candidate) => candidate.fields.has('csrfToken'));
  if (page.status !== 200)
    throw new PageError(`Keeta refused (${page.status}): ${pageMessage(page)}`, page.status, page.url);
  if (!form) return pageText(page);
  const values: Record<string, string> = options.merchantId === undefined ? {} : { merchantId: options.merchantId };
  const answer = await browser.submit(form, values, `decision=${options.decision}`);
  if (isRedirect(answer)) return answer.redirectedTo;
  if (answer.status !== 200) {
    throw new PageError(
      `Keeta refused the decision (${answer.status}): ${pageMessage(answer)}`,
      answer.status,
      answer.url,
    );
  }
  return pageText(answer);
}
