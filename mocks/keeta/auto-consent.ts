/**
 * Auto-consent: for a suite that wants no HTML, `POST /__mock/keeta/auto-consent {"decision": "authorize" |
 * "deny", "merchantId"?}` makes this session's merchant page decide at once, as if the merchant had pressed
 * that button (for the given merchant, or the one the page preselects: the first), and send the browser
 * back; `DELETE` turns it off, `GET` says what is set. The link is checked as always, and the decision is
 * recorded in `authorizations` like any other. A reset of the session turns it off too.
 */
import {
  MockError,
  type ControlContext,
  type ControlRoute,
  type MockResponse,
  type PageContext,
} from '../../src/index.ts';
import type { Merchant } from './fixtures.ts';
import type { Keeta } from './index.ts';
import { readMerchantLink } from './merchant-link.ts';
import { decide } from './pages/merchant-authorization-submit.ts';
import { merchantAuthorization } from './pages/merchant-authorization.ts';
import { newPendingForm, randomToken } from './state.ts';

export interface AutoConsent {
  decision: 'authorize' | 'deny';
  merchantId?: string;
}

/**
 * `GET` of the merchant page: the page, or with auto-consent on, the decision taken at once. That decision
 * is taken on a form that is never stored: it is consumed here or refused, so it takes no slot among the
 * session's pending forms (`maxPendingForms`) and makes none of them give way, and a refusal (a disabled
 * app, an unknown merchant) leaves the state as it was. Nothing else can ever submit such a form, so there
 * is no race to decide: consuming it is a no-op.
 */
export async function merchantAuthorizationOrConsent(ctx: PageContext<Keeta>): Promise<MockResponse> {
  const auto = await ctx.state.autoConsent.get();
  if (!auto) return merchantAuthorization(ctx);
  const { app, redirectUri, state } = await readMerchantLink(ctx.fixtures, ctx.request.query);
  const form = newPendingForm(ctx.clock, ctx.options, {
    browserId: randomToken(),
    clientId: app.clientId,
    appId: app.appId,
    ...(redirectUri !== undefined ? { redirectUri } : {}),
    state,
  });
  const merchantId = auto.merchantId ?? (await ctx.fixtures.list<Merchant>('merchants'))[0]?.id;
  return decide(ctx, form, auto.decision, merchantId, async () => {});
}

type Route = ControlRoute<Keeta>;
const PATH = '/auto-consent';

const autoConsentState = async ({ state, respond }: ControlContext<Keeta>) =>
  respond.json(200, { autoConsent: (await state.autoConsent.get()) ?? null });

const setAutoConsent: Route = {
  method: 'POST',
  path: PATH,
  // A field the page does not know (`merchantID`) is refused, not ignored: it would authorize the first merchant.
  body: {
    type: 'object',
    required: ['decision'],
    properties: { decision: { enum: ['authorize', 'deny'] }, merchantId: { type: 'string', minLength: 1 } },
    additionalProperties: false,
  },
  async handler(ctx) {
    const { decision, merchantId } = ctx.request.body as AutoConsent;
    if (merchantId !== undefined && !(await ctx.fixtures.get<Merchant>('merchants', merchantId))) {
      const ids = (await ctx.fixtures.list<Merchant>('merchants')).map((merchant) => merchant.id);
      throw new MockError(
        404,
        'not_found',
        `No merchant "${merchantId}" in this session; merchants: ${ids.join(', ') || 'none'}.`,
      );
    }
    const autoConsent: AutoConsent = { decision, ...(merchantId !== undefined ? { merchantId } : {}) };
    await ctx.state.autoConsent.set(autoConsent);
    // What this request set, without reading it back (another request may already have changed it).
    return ctx.respond.json(200, { autoConsent });
  },
};

const stopAutoConsent: Route = {
  method: 'DELETE',
  path: PATH,
  async handler(ctx) {
    await ctx.state.autoConsent.delete();
    return ctx.respond.json(200, { autoConsent: null });
  },
};

export const controlRoutes: Route[] = [
  { method: 'GET', path: PATH, handler: autoConsentState },
  setAutoConsent,
  stopAutoConsent,
];
