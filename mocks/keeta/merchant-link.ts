/**
 * The merchant authorization link: built by the URL endpoint in the docs' exact form, and read back,
 * checked, by the merchant page. The docs' "URL Example" (docs/provider-docs/keeta-authorization-url.md):
 *
 *   https://merchant.mykeeta.com/m/web/openapi/authorize?locale=en&region=BR&cityId=110200008&risk_cost_id=
 *     &responseType=client_credentials&appId=2123830428&redirectUri=&state=&scope=all/#/app-activation
 *
 * On the mock the page lives at the same path under the `/keeta` mount of the public base URL.
 *
 * Why the page re-validates the link's query instead of looking up a record created by the URL endpoint:
 * - the documented link is a plain URL whose query is the whole request; nothing in the docs makes it
 *   one-time or expiring, and a software service may well hand the same link to many merchants. A
 *   server-side record would make the mock's link behave unlike the real one, and the docs' example URL
 *   with the host swapped would not open the page;
 * - a record would add no trust: the URL endpoint is unauthenticated (clientId only), so anyone can mint
 *   a link for any redirectUri the app allows anyway;
 * - so the page trusts nothing in the link: the app is looked up by appId, the redirectUri is checked
 *   against that app's rules (the same function the URL endpoint uses), on GET and again on POST (the
 *   registration may change in between), and `state` is the client's own value, returned as given for
 *   the client to check.
 * The one-time part is the form, not the link: see state.ts.
 *
 * Browsers never send the fragment (`#/app-activation`), so nothing read here depends on it.
 */
import { MockError, type FixtureStore, type PluginContext } from '../../src/index.ts';
import type { KeetaApp } from './fixtures.ts';
import { redirectUriProblem } from './redirect-uri.ts';

/** Keeta's one mount: the API and the merchant page both live under it. */
export const MOUNT = '/keeta';

/** The docs' merchant page path (the docs' host is the page's, not the API's). */
export const MERCHANT_PAGE_PATH = '/m/web/openapi/authorize';

/**
 * The docs' URL ends in `scope=all/#/app-activation`: the slash before the fragment is theirs (their
 * single-page app's route is in the fragment) and is reproduced, so `scope` arrives as `all/`.
 */
const DOCS_TAIL = 'scope=all/#/app-activation';

export function merchantAuthorizationUrl(
  ctx: Pick<PluginContext, 'urlFor'>,
  app: KeetaApp,
  redirectUri: string,
  state: string,
): string {
  // In the docs' order. risk_cost_id is always empty in the docs and undocumented: sent empty.
  const query = new URLSearchParams([
    ['locale', app.locale],
    ['region', app.region],
    ['cityId', app.cityId],
    ['risk_cost_id', ''],
    ['responseType', app.mode],
    ['appId', app.appId],
    ['redirectUri', redirectUri],
    ['state', state],
  ]);
  return `${ctx.urlFor(MOUNT, MERCHANT_PAGE_PATH)}?${query.toString()}&${DOCS_TAIL}`;
}

/** What the merchant page is asked to do, read from the link's query and checked. */
export interface MerchantLink {
  app: KeetaApp;
  /** Undefined when the link's redirectUri is absent or empty (the docs' `redirectUri=`). */
  redirectUri?: string;
  /** '' when absent, as in the docs' `state=`. */
  state: string;
}

const refuse = (message: string) => new MockError(400, 'invalid_authorization_link', message);

/**
 * A disabled app (`disabled: true` in `apps`, a partner-side change) cannot be authorized: 403, since the
 * link is well formed and names a real app that Keeta refuses to serve. Checked when the page is shown and
 * again when its form comes back.
 */
export function assertEnabled(app: KeetaApp): void {
  if (app.disabled === true) {
    throw new MockError(
      403,
      'app_disabled',
      `Keeta application ${app.appId} is disabled: merchants cannot authorize it. Ask the application's developer.`,
    );
  }
}

/** One query parameter as a string; a parameter sent twice is ambiguous and refused. */
function single(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined || typeof value === 'string') return value;
  throw refuse(`The authorization link has the parameter ${name} more than once.`);
}

/** The link's query (unvalidated: pages are not in the spec), checked against the session's apps as they are now. */
export async function readMerchantLink(fixtures: FixtureStore, query: Record<string, unknown>): Promise<MerchantLink> {
  const appId = single(query, 'appId');
  if (!appId) throw refuse('The authorization link has no appId. Ask the application for a new link.');
  const app = (await fixtures.list<KeetaApp>('apps')).find((candidate) => candidate.appId === appId);
  if (!app) throw refuse(`No Keeta application has appId ${appId}.`);
  assertEnabled(app);

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
