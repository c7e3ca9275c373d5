/**
 * The merchant authorization link in the docs' exact form (seeds 003, "URL Example"):
 *
 *   https://merchant.mykeeta.com/m/web/openapi/authorize?locale=en&region=BR&cityId=110200008&risk_cost_id=
 *     &responseType=client_credentials&appId=2123830428&redirectUri=&state=&scope=all/#/app-activation
 *
 * On the mock the page lives at the same path under the `/keeta` mount of the public base URL.
 */
import type { PluginContext } from '../../src/index.ts';
import { MOUNT, type KeetaApp } from './fixtures.ts';

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
