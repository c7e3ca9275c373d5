/**
 * `GET /keeta/m/web/openapi/authorize?...`: the merchant authorization page. Checks the link (see
 * link-request.ts), creates a one-time pending form bound to this browser, and shows the app, the
 * merchants to choose from, and Authorize / Deny.
 */
import type { MockResponse, PageContext } from '../../../src/index.ts';
import { MOUNT, type Merchant } from '../fixtures.ts';
import { MERCHANT_PAGE_PATH } from '../merchant-url.ts';
import { createPendingForm, type KeetaState, type PendingFormLimits } from '../pending-forms.ts';
import { browserCookie, browserIdOf } from './browser-cookie.ts';
import { PAGE_HEADERS, renderAuthorizeForm } from './html.ts';
import { readLinkRequest } from './link-request.ts';

export function showAuthorizationForm(limits: PendingFormLimits) {
  return (ctx: PageContext<KeetaState>): MockResponse => {
    const link = readLinkRequest(ctx);
    const browserId = browserIdOf(ctx.request.cookies);
    const form = createPendingForm(ctx.state, ctx.clock, limits, {
      browserId,
      clientId: link.app.clientId,
      appId: link.app.appId,
      ...(link.redirectUri !== undefined ? { redirectUri: link.redirectUri } : {}),
      state: link.state,
    });
    const html = renderAuthorizeForm({
      app: link.app,
      merchants: ctx.fixtures.list<Merchant>('merchants'),
      action: ctx.urlFor(MOUNT, MERCHANT_PAGE_PATH),
      formId: form.id,
      csrfToken: form.csrfToken,
      ...(link.redirectUri !== undefined ? { redirectUri: link.redirectUri } : {}),
    });
    return ctx.respond.html(200, html, { ...PAGE_HEADERS, 'Set-Cookie': browserCookie(ctx, browserId) });
  };
}
