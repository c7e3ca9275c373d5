/**
 * `GET /keeta/m/web/openapi/authorize?...`: the merchant authorization page. Checks the link (see
 * merchant-link.ts), creates a one-time pending form bound to this browser, and shows the app, the
 * merchants to choose from, and Authorize / Deny. The form posts back to the same path
 * (merchant-authorization-submit.ts).
 *
 * The markup is plain (no script), so it works in any browser and parses easily in tests; everything
 * that comes from a request or a fixture is escaped.
 */
import {
  escapeHtml as escape,
  pageAnswer,
  type MockResponse,
  type PageContext,
  type PluginContext,
} from '../../../src/index.ts';
import type { Merchant } from '../fixtures.ts';
import type { Keeta } from '../index.ts';
import { MERCHANT_PAGE_PATH, MOUNT, readMerchantLink } from '../merchant-link.ts';
import { createPendingForm, isToken, randomToken } from '../state.ts';

/**
 * A Keeta page in the shared layout, with its headers (never framed, no Referer, no script). Every
 * answer of the merchant page uses it, errors included. The page holds one-time tokens and, after
 * authorizing, a code; the plugin marks both pages `sensitive`, so the core adds no-store.
 */
export function keetaPage(
  status: number,
  title: string,
  content: string,
  headers: Record<string, string> = {},
): MockResponse {
  return pageAnswer(
    status,
    { brand: 'Keeta', title: `Keeta: ${title}`, content, standsInFor: "Keeta's merchant authorization page" },
    headers,
  );
}

/** Labelled values, each with an id so a test or a script can read it. */
export function details(rows: [id: string, label: string, value: string][]): string {
  const items = rows.map(([id, label, value]) => `  <dt>${escape(label)}</dt><dd id="${id}">${escape(value)}</dd>`);
  return `<dl>\n${items.join('\n')}\n</dl>`;
}

/**
 * The cookie that ties a pending form to the browser that loaded it. HttpOnly (no script reads it),
 * SameSite=Lax (another site's form POST does not carry it), scoped to the merchant page's path, and
 * Secure when the mock's public URL is https. One value per browser, reused across page loads, so
 * two tabs with two forms both work.
 */
export const BROWSER_COOKIE = 'keeta_browser';

/** This browser's id: the one its cookie carries, or a new one. */
function browserIdOf(cookies: Record<string, string>): string {
  const value = cookies[BROWSER_COOKIE];
  return isToken(value) ? value : randomToken();
}

function browserCookie(ctx: Pick<PluginContext, 'urlFor'>, browserId: string): string {
  const page = new URL(ctx.urlFor(MOUNT, MERCHANT_PAGE_PATH));
  const secure = page.protocol === 'https:' ? '; Secure' : '';
  return `${BROWSER_COOKIE}=${browserId}; Path=${page.pathname}; HttpOnly; SameSite=Lax${secure}`;
}

function merchantOptions(merchants: Merchant[]): string {
  return merchants
    .map((merchant, index) => {
      const label = `${merchant.name}${merchant.city ? ` (${merchant.city})` : ''}, merchant ID ${merchant.id}`;
      return `    <option value="${escape(merchant.id)}"${index === 0 ? ' selected' : ''}>${escape(label)}</option>`;
    })
    .join('\n');
}

export async function merchantAuthorization(ctx: PageContext<Keeta>): Promise<MockResponse> {
  const { app, redirectUri, state } = await readMerchantLink(ctx.fixtures, ctx.request.query);
  const browserId = browserIdOf(ctx.request.cookies);
  const form = await createPendingForm(ctx.state, ctx.clock, ctx.options, {
    browserId,
    clientId: app.clientId,
    appId: app.appId,
    ...(redirectUri !== undefined ? { redirectUri } : {}),
    state,
  });
  const merchants = await ctx.fixtures.list<Merchant>('merchants');
  const destination = redirectUri
    ? `<p>After you decide you will be sent back to <strong id="redirectTarget">${escape(redirectUri)}</strong>.</p>`
    : '<p>The application gave no address to return to: the result will be shown on this page.</p>';
  const noMerchants = merchants.length
    ? ''
    : '  <p class="alert">There are no merchants in this session: add one at /__mock/keeta/merchants.</p>\n';
  const content = `<h1>Authorize application ${escape(app.appId)}</h1>
<p>An application wants access to your Keeta store.</p>
${details([
  ['appId', 'Application ID', app.appId],
  ['mode', 'Authorization mode', app.mode],
  ['region', 'Region', app.region],
  ['cityId', 'City ID', app.cityId],
  ['locale', 'Locale', app.locale],
])}
${destination}
<form method="post" action="${escape(ctx.urlFor(MOUNT, MERCHANT_PAGE_PATH))}">
  <input type="hidden" name="authorizationRequest" value="${escape(form.id)}">
  <input type="hidden" name="csrfToken" value="${escape(form.csrfToken)}">
  <label for="merchantId">Merchant</label>
  <select id="merchantId" name="merchantId" required>
${merchantOptions(merchants)}
  </select>
${noMerchants}  <div class="actions">
    <button type="submit" name="decision" value="authorize">Authorize</button>
    <button type="submit" name="decision" value="deny" class="secondary" formnovalidate>Deny</button>
  </div>
</form>`;
  return keetaPage(200, 'authorize an application', content, { 'Set-Cookie': browserCookie(ctx, browserId) });
}
