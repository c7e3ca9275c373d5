/**
 * The login form's POST (`POST /connect/authorize/login` on the auth host): one of the mock's pages,
 * outside the spec. Steps:
 *   form fields → pending authorization (unknown, expired or used: error page) → CSRF token (form,
 *   cookie and pending must agree: error page) → client and redirect URI still registered →
 *   credentials (wrong: the form again, nothing consumed) → consume the pending authorization and
 *   redirect with a one-time code.
 * Nothing here awaits, so the pending authorization is checked and consumed in one synchronous block.
 * No failure redirects: only a verified request reaches the redirect URI.
 */
import {
  randomId,
  sameSecret,
  withQueryParameters,
  type MockResponse,
  type PageContext,
  type PageRoute,
} from '../../../src/index.ts';
import { findClient, isRegisteredRedirectUri } from '../clients.ts';
import { AUTH_MOUNT, type Just2TradeUser } from '../fixtures.ts';
import { htmlAnswer, pageHeaders, renderErrorPage, renderLoginPage } from '../html.ts';
import { csrfCookie, csrfCookieName, LOGIN_PATH, loginAction, PENDING_ID } from '../login-form.ts';
import type { Just2TradeSettings } from '../options.ts';
import { forgetExpired, type Just2TradeState } from '../state.ts';

type Context = PageContext<Just2TradeState, Just2TradeSettings>;

const WRONG_CREDENTIALS = 'The login or password is incorrect.';

function errorPage(status: number, code: string, description: string): MockResponse {
  return htmlAnswer(status, renderErrorPage(code, description));
}

/** The form's fields, when the body is a form (or JSON object) whose four fields are single strings. */
function formFields(
  body: unknown,
): { pending: string; csrfToken: string; login: string; password: string } | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const { pending, csrf_token: csrfToken, login, password } = body as Record<string, unknown>;
  const strings = [pending, csrfToken, login, password].every((value) => typeof value === 'string');
  return strings
    ? {
        pending: pending as string,
        csrfToken: csrfToken as string,
        login: login as string,
        password: password as string,
      }
    : undefined;
}

export function submitLogin(ctx: Context): MockResponse {
  const { request, state, clock, fixtures, services } = ctx;
  const form = formFields(request.body);
  if (!form) {
    return errorPage(
      400,
      'invalid_request',
      'The sign-in form was not sent as expected (pending, csrf_token, login and password, each once).',
    );
  }

  const pending = PENDING_ID.test(form.pending) ? state.pending.get(form.pending) : undefined;
  if (!pending || pending.expiresAtMs <= clock.nowMs()) {
    if (pending) state.pending.delete(pending.id);
    return errorPage(400, 'invalid_request', 'This sign-in form is unknown, has expired or was already used.');
  }

  // Double submit: a page on another site can make the browser post this form, but can neither read
  // the token from our page nor set our cookie. A failure leaves the pending authorization alone, so a
  // forged post cannot spoil the user's real sign-in.
  const cookie = request.cookies[csrfCookieName(pending.id)] ?? '';
  if (!sameSecret(form.csrfToken, pending.csrfToken) || !sameSecret(cookie, pending.csrfToken)) {
    return errorPage(
      403,
      'access_denied',
      'The sign-in form could not be verified (it must be sent from the page Just2Trade showed, with cookies enabled).',
    );
  }

  // The client or its redirect URI may have been removed through the control API meanwhile.
  const client = findClient(fixtures, pending.clientId);
  if (!client || !isRegisteredRedirectUri(client, pending.redirectUri)) {
    state.pending.delete(pending.id);
    return errorPage(400, 'invalid_client', 'The application or its redirect URI is no longer registered.');
  }

  const user = fixtures.get<Just2TradeUser>('users', form.login);
  if (!user || !sameSecret(form.password, user.password)) {
    const page = renderLoginPage({
      clientId: pending.clientId,
      action: loginAction(ctx),
      pendingId: pending.id,
      csrfToken: pending.csrfToken,
      login: form.login,
      message: WRONG_CREDENTIALS,
    });
    return htmlAnswer(200, page);
  }

  // Consumed here, before anything else can run: the form cannot be submitted twice.
  state.pending.delete(pending.id);
  const nowMs = clock.nowMs();
  forgetExpired(state, nowMs);
  const code = randomId(32);
  state.codes.set(code, {
    code,
    clientId: pending.clientId,
    redirectUri: pending.redirectUri,
    login: user.login,
    ...(pending.codeChallenge ? { codeChallenge: pending.codeChallenge } : {}),
    expiresAtMs: nowMs + services.codeTtlSeconds * 1000,
    spent: false,
    accessTokens: [],
  });
  return ctx.respond.redirect(withQueryParameters(pending.redirectUri, { code, state: pending.state }), 302, {
    ...pageHeaders(),
    // The cookie has done its job.
    'Set-Cookie': csrfCookie(ctx, pending.id, '', 0),
  });
}

/** A GET of the login URL (back button, bookmark): explain instead of a bare 405. */
function loginNeedsPost(): MockResponse {
  const response = errorPage(405, 'invalid_request', 'The sign-in form can only be submitted, not opened directly.');
  return { ...response, headers: { ...response.headers, Allow: 'POST' } };
}

export const loginPages: PageRoute<Just2TradeState, Just2TradeSettings>[] = [
  { name: 'login', method: 'POST', mount: AUTH_MOUNT, path: LOGIN_PATH, handler: submitLogin },
  { name: 'loginGet', method: 'GET', mount: AUTH_MOUNT, path: LOGIN_PATH, handler: loginNeedsPost },
];
