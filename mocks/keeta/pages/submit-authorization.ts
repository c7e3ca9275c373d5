/**
 * `POST /keeta/m/web/openapi/authorize`: the merchant's Authorize or Deny. Checks the form, consumes
 * it, records the decision and sends the browser back to the app (or shows the result when the link
 * had no redirectUri).
 *
 * Every refusal (400, 403, 409) happens before anything changes, so a bad submission leaves the form
 * usable. The whole handler is synchronous: reading `used` and setting it happen in one turn of the
 * event loop, so two simultaneous submissions of one form give one decision.
 */
import { MockError, sameSecret, withQueryParameters, type MockResponse, type PageContext } from '../../../src/index.ts';
import { recordDecision, redirectParameters, type Decision } from '../authorizations.ts';
import type { KeetaApp, Merchant } from '../fixtures.ts';
import type { KeetaState } from '../pending-forms.ts';
import { redirectUriProblem } from '../redirect-uri.ts';
import { BROWSER_COOKIE } from './browser-cookie.ts';
import { PAGE_HEADERS, renderDecisionPage } from './html.ts';

const REOPEN = 'Open the authorization link again to get a new form.';

/** One form field as a string; anything else (a repeated field, a JSON body's object) is refused. */
function field(body: unknown, name: string): string | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const value = (body as Record<string, unknown>)[name];
  if (value === undefined || typeof value === 'string') return value;
  throw new MockError(400, 'invalid_form', `The form field ${name} must be sent once, as text.`);
}

export function submitAuthorization(ctx: PageContext<KeetaState>): MockResponse {
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
  const form = ctx.state.pendingForms.get(formId);
  if (!form) throw new MockError(400, 'unknown_form', `This authorization form is unknown or was forgotten. ${REOPEN}`);
  if (!sameSecret(cookies[BROWSER_COOKIE], form.browserId) || !sameSecret(csrfToken, form.csrfToken)) {
    throw new MockError(
      403,
      'csrf_failed',
      `This submission could not be verified: its CSRF token or this browser's cookie does not match the form. ${REOPEN}`,
    );
  }
  if (form.used)
    throw new MockError(
      409,
      'form_used',
      `This authorization form was already submitted; the decision stands. ${REOPEN}`,
    );
  if (form.expiresAtMs <= ctx.clock.nowMs())
    throw new MockError(400, 'form_expired', `This authorization form has expired. ${REOPEN}`);

  const decision = field(body, 'decision');
  if (decision !== 'authorize' && decision !== 'deny') {
    throw new MockError(
      400,
      'invalid_form',
      'The form must be submitted with Authorize (decision=authorize) or Deny (decision=deny).',
    );
  }

  // The app and its rules as they are now, not as they were when the form was shown.
  const app = ctx.fixtures.get<KeetaApp>('apps', form.clientId);
  if (!app || app.appId !== form.appId)
    throw new MockError(400, 'unknown_app', `Application ${form.appId} is no longer registered with Keeta.`);
  const problem = form.redirectUri === undefined ? undefined : redirectUriProblem(app, form.redirectUri);
  if (problem) throw new MockError(400, 'invalid_redirect_uri', problem);

  const merchantId = field(body, 'merchantId');
  const merchant = merchantId ? ctx.fixtures.get<Merchant>('merchants', merchantId) : undefined;
  let outcome: Decision;
  if (decision === 'deny') outcome = { decision: 'denied', ...(merchant ? { merchant } : {}) };
  else if (merchant) outcome = { decision: 'authorized', merchant };
  else
    throw new MockError(
      400,
      'unknown_merchant',
      merchantId
        ? `There is no merchant with ID ${merchantId}. Choose one from the list.`
        : 'Choose a merchant from the list before authorizing.',
    );

  // Check-and-consume: nothing above awaited, so no other submission of this form ran in between.
  form.used = true;
  const authorization = recordDecision(ctx.fixtures, ctx.clock, form, app, outcome);
  if (form.redirectUri === undefined)
    return ctx.respond.html(200, renderDecisionPage(authorization), { ...PAGE_HEADERS });
  return ctx.respond.redirect(withQueryParameters(form.redirectUri, redirectParameters(authorization)), 302, {
    ...PAGE_HEADERS,
  });
}
