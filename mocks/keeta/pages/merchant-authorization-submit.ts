/**
 * `POST /keeta/m/web/openapi/authorize`: the merchant's Authorize or Deny. Checks the form, consumes
 * it, records the decision and sends the browser back to the app (or shows the result when the link
 * had no redirectUri).
 *
 * Every refusal (400, 403, 409), here and in `decide`, happens before anything changes, so a bad
 * submission leaves the form usable (403 also when the app was disabled since the page was shown).
 * `decide` is shared with auto-consent (auto-consent.ts), whose form is never stored: a refusal there
 * leaves no form behind either.
 *
 * One form, one decision, whatever the concurrency (requests interleave at every `await`, and with the
 * Redis store they may run on different replicas): the checks read the form and the fixtures, but what
 * consumes the form is the store's atomic `mark` of its `usedAtMs`, made after every check passed and
 * before the decision is recorded. Exactly one submission wins it; every other, however far it got, is
 * refused as a used form (409) and records nothing.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  MockError,
  escapeHtml as escape,
  pageHeaders,
  sameSecret,
  withQueryParameters,
  type MockResponse,
  type PageContext,
} from '../../../src/index.ts';
import type { KeetaApp, KeetaAuthorization, Merchant } from '../fixtures.ts';
import type { Keeta } from '../index.ts';
import { assertEnabled } from '../merchant-link.ts';
import { redirectUriProblem } from '../redirect-uri.ts';
import type { PendingForm } from '../state.ts';
import { BROWSER_COOKIE, details, keetaPage } from './merchant-authorization.ts';

const REOPEN = 'Open the authorization link again to get a new form.';

type Decision = { decision: 'authorized'; merchant: Merchant } | { decision: 'denied'; merchant?: Merchant };

/** One form field as a string; anything else (a repeated field, a JSON body's object) is refused. */
function field(body: unknown, name: string): string | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const value: unknown = Reflect.get(body, name);
  if (value === undefined || typeof value === 'string') return value;
  throw new MockError(400, 'invalid_form', `The form field ${name} must be sent once, as text.`);
}

const formUsed = () =>
  new MockError(409, 'form_used', `This authorization form was already submitted; the decision stands. ${REOPEN}`);
const unknownForm = () =>
  new MockError(400, 'unknown_form', `This authorization form is unknown or was forgotten. ${REOPEN}`);

export async function merchantAuthorizationSubmit(ctx: PageContext<Keeta>): Promise<MockResponse> {
  const { body, cookies } = ctx.request;
  const formId = field(body, 'authorizationRequest');
  const csrfToken = field(body, 'csrfToken');
  if (!formId || !csrfToken) {
    throw new MockError(
      403,
      'csrf_failed',
      `This submission is not from the authorization form (no form id or CSRF token). ${REOPEN}`,
    );
  }
  const form = await ctx.state.pendingForms.get(formId);
  if (!form) throw unknownForm();
  if (!sameSecret(cookies[BROWSER_COOKIE], form.browserId) || !sameSecret(csrfToken, form.csrfToken)) {
    throw new MockError(
      403,
      'csrf_failed',
      `This submission could not be verified: its CSRF token or this browser's cookie does not match the form. ${REOPEN}`,
    );
  }
  // Used already: refused before anything else is read. Not what decides a race (see `consumeForm`).
  if (form.usedAtMs !== undefined) throw formUsed();
  if (form.expiresAtMs <= ctx.clock.nowMs()) {
    throw new MockError(400, 'form_expired', `This authorization form has expired. ${REOPEN}`);
  }

  const decision = field(body, 'decision');
  if (decision !== 'authorize' && decision !== 'deny') {
    throw new MockError(
      400,
      'invalid_form',
      'The form must be submitted with Authorize (decision=authorize) or Deny (decision=deny).',
    );
  }

  return decide(ctx, form, decision, field(body, 'merchantId'), () => consumeForm(ctx, form));
}

/**
 * Consumes a stored form: the store marks its `usedAtMs` for exactly one of any number of concurrent
 * submissions, on any replica. The others, which passed the same checks on the same unused form, are
 * refused as a later submission is. A form forgotten meanwhile (pushed out by newer ones) is unknown.
 */
async function consumeForm({ state, clock }: PageContext<Keeta>, form: PendingForm): Promise<void> {
  const marked = await state.pendingForms.mark(form.id, 'usedAtMs', clock.nowMs());
  if (!marked) throw unknownForm();
  if (!marked.won) throw formUsed();
}

/**
 * Applies a decision to a pending form: what the Authorize and Deny buttons do, and what the page does
 * itself when the session has auto-consent on (`POST /__mock/keeta/auto-consent`, on a form it never
 * stores). Refuses before anything changes; then consumes the form (`consume`, which refuses the
 * submissions that lost the form to another), records the decision and sends the browser back (or shows
 * the result when the link had no redirectUri).
 */
export async function decide(
  ctx: PageContext<Keeta>,
  form: PendingForm,
  decision: 'authorize' | 'deny',
  merchantId: string | undefined,
  consume: () => Promise<void>,
): Promise<MockResponse> {
  // The app and its rules as they are now, not as they were when the form was shown.
  const app = await ctx.fixtures.get<KeetaApp>('apps', form.clientId);
  if (!app || app.appId !== form.appId) {
    throw new MockError(400, 'unknown_app', `Application ${form.appId} is no longer registered with Keeta.`);
  }
  assertEnabled(app);
  const problem = form.redirectUri === undefined ? undefined : redirectUriProblem(app, form.redirectUri);
  if (problem) throw new MockError(400, 'invalid_redirect_uri', problem);

  const merchant = merchantId ? await ctx.fixtures.get<Merchant>('merchants', merchantId) : undefined;
  let outcome: Decision;
  if (decision === 'deny') outcome = { decision: 'denied', ...(merchant ? { merchant } : {}) };
  else if (merchant) outcome = { decision: 'authorized', merchant };
  else {
    throw new MockError(
      400,
      'unknown_merchant',
      merchantId
        ? `There is no merchant with ID ${merchantId}. Choose one from the list.`
        : 'Choose a merchant from the list before authorizing.',
    );
  }

  // Every check passed: the form is consumed (one winner, decided by the store), and only then recorded.
  await consume();
  const authorization = await recordDecision(ctx, form, app, outcome);
  if (form.redirectUri === undefined) return decisionPage(authorization);
  // The redirect leaves the page: the same headers, so its URL (state, code) is not sent on as a Referer.
  return ctx.respond.redirect(withQueryParameters(form.redirectUri, redirectParameters(authorization)), 302, {
    ...pageHeaders(),
  });
}

/**
 * Stores the decision in the session's read-only `authorizations` collection and returns it. Every
 * decision gets a fresh authId (UUID v4, inferred: the docs give no example) and, for an authorized
 * shop-level app, a fresh random code. The docs document no endpoint that redeems the code, so
 * none is invented: it is unique, issued once, and kept with its authorization.
 */
async function recordDecision(
  { fixtures, clock }: PageContext<Keeta>,
  form: PendingForm,
  app: KeetaApp,
  outcome: Decision,
): Promise<KeetaAuthorization> {
  const timestamp = clock.nowMs();
  const authorization: KeetaAuthorization = {
    authId: randomUUID(),
    decision: outcome.decision,
    clientId: app.clientId,
    appId: app.appId,
    mode: app.mode,
    ...(outcome.merchant ? { merchantId: outcome.merchant.id, merchantName: outcome.merchant.name } : {}),
    state: form.state,
    ...(form.redirectUri !== undefined ? { redirectUri: form.redirectUri } : {}),
    ...(outcome.decision === 'authorized' && app.mode === 'shop_level_authorization_code'
      ? { code: randomBytes(16).toString('hex') }
      : {}),
    timestamp,
    createdAt: new Date(timestamp).toISOString(),
  };
  // A plugin writes its read-only collections directly; the control API only lists them. Bounded by the
  // core (the collection's `maxItems`, `maxAuthorizations`): the oldest decisions make room, logged.
  await fixtures.add('authorizations', authorization);
  return authorization;
}

/**
 * The query parameters of the redirect back, in the docs' order
 * (`redirectUri?authId=authId&state=%s&appId=%s&timestamp=%s&keetaMerchantId=%s&code=%s`). Authorized:
 * the documented parameters (keetaMerchantId and code only in shop-level mode). Denied (inferred, the
 * docs describe only success): OAuth's `error=access_denied` (RFC 6749 §4.1.2.1) with a description
 * and the state.
 */
function redirectParameters(authorization: KeetaAuthorization): URLSearchParams {
  if (authorization.decision === 'denied') {
    return new URLSearchParams([
      ['error', 'access_denied'],
      ['error_description', 'The merchant denied the authorization request.'],
      ['state', authorization.state],
    ]);
  }
  const params = new URLSearchParams([
    ['authId', authorization.authId],
    ['state', authorization.state],
    ['appId', authorization.appId],
    ['timestamp', String(authorization.timestamp)],
  ]);
  if (authorization.code !== undefined && authorization.merchantId !== undefined) {
    params.append('keetaMerchantId', authorization.merchantId);
    params.append('code', authorization.code);
  }
  return params;
}

/** Shown instead of a redirect when the link had no redirectUri. */
function decisionPage(authorization: KeetaAuthorization): MockResponse {
  if (authorization.decision === 'denied') {
    return keetaPage(
      200,
      'authorization denied',
      `<h1>Authorization denied</h1>
<p>You denied application ${escape(authorization.appId)} access.</p>
${details([
  ['authId', 'Authorization ID', authorization.authId],
  ['appId', 'Application ID', authorization.appId],
  ['state', 'State', authorization.state],
])}`,
    );
  }
  const rows: [string, string, string][] = [
    ['authId', 'Authorization ID', authorization.authId],
    ['appId', 'Application ID', authorization.appId],
    ['state', 'State', authorization.state],
    ['timestamp', 'Timestamp', String(authorization.timestamp)],
  ];
  if (authorization.code !== undefined) {
    rows.push(
      ['keetaMerchantId', 'Keeta merchant ID', authorization.merchantId ?? ''],
      ['code', 'Authorization code', authorization.code],
    );
  }
  return keetaPage(
    200,
    'authorization complete',
    `<h1>Authorization complete</h1>
<p>Application ${escape(authorization.appId)} is now authorized for ${escape(authorization.merchantName ?? 'your store')}.</p>
${details(rows)}`,
  );
}
