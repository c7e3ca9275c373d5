/**
 * What the merchant page is asked to do, read from the link's query and checked.
 *
 * Why the page re-validates the link's query instead of looking up a record created by
 * getAuthorizationUrl:
 * - the documented link is a plain URL whose query is the whole request (docs' "URL Example"); nothing
 *   in the docs makes it one-time or expiring, and a software service may well hand the same link to
 *   many merchants. A server-side record would make the mock's link behave unlike the real one, and
 *   the docs' example URL with the host swapped would not open the page;
 * - a record would add no trust: getAuthorizationUrl is unauthenticated (clientId only), so anyone
 *   can mint a link for any redirectUri the app allows anyway;
 * - so the page trusts nothing in the link: the app is looked up by appId, the redirectUri is checked
 *   against that app's rules (the same function the URL endpoint uses), on GET and again on POST
 *   (the registration may change in between), and `state` is the client's own value, returned as
 *   given for the client to check.
 * The one-time part is the form, not the link: see pending-forms.ts.
 *
 * Browsers never send the fragment (`#/app-activation`), so nothing here depends on it.
 */
import { MockError, type PageContext } from '../../../src/index.ts';
import type { KeetaApp } from '../fixtures.ts';
import { redirectUriProblem } from '../redirect-uri.ts';

export interface LinkRequest {
  app: KeetaApp;
  /** Undefined when the link's redirectUri is absent or empty (the docs' `redirectUri=`). */
  redirectUri?: string;
  /** '' when absent, as in the docs' `state=`. */
  state: string;
}

const refuse = (message: string) => new MockError(400, 'invalid_authorization_link', message);

/** One query parameter as a string; a parameter sent twice is ambiguous and refused. */
function single(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined || typeof value === 'string') return value;
  throw refuse(`The authorization link has the parameter ${name} more than once.`);
}

export function readLinkRequest(ctx: PageContext): LinkRequest {
  const { query } = ctx.request;
  const appId = single(query, 'appId');
  if (!appId) throw refuse('The authorization link has no appId. Ask the application for a new link.');
  const app = ctx.fixtures.list<KeetaApp>('apps').find((candidate) => candidate.appId === appId);
  if (!app) throw refuse(`No Keeta application has appId ${appId}.`);

  // The page works from the app's registered mode; a link that claims another one was altered.
  const responseType = single(query, 'responseType');
  if (responseType !== undefined && responseType !== '' && responseType !== app.mode) {
    throw refuse(`The link's responseType ${responseType} is not this application's mode (${app.mode}).`);
  }
  // The docs' link ends in `scope=all/#/...`, so `scope` arrives as `all/`; `all` is accepted too.
  const scope = single(query, 'scope');
  if (scope !== undefined && scope !== 'all' && scope !== 'all/')
    throw refuse(`The link's scope ${scope} is not one Keeta grants (all).`);

  const redirectUri = single(query, 'redirectUri') || undefined;
  if (redirectUri !== undefined) {
    const problem = redirectUriProblem(app, redirectUri);
    if (problem) throw refuse(problem);
  }
  return { app, ...(redirectUri !== undefined ? { redirectUri } : {}), state: single(query, 'state') ?? '' };
}
