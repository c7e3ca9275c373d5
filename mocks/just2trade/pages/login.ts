/**
 * The login form: shown by `GET /connect/authorize` (handlers/authorize.ts) and posted to
 * `POST /connect/authorize/login` on the auth host, one of the mock's pages, outside the spec.
 *
 * The form carries only the pending authorization's random id and a CSRF token. CSRF protection is a
 * double submit: the token is in the form and in an HttpOnly cookie, and both must equal the one stored
 * with the pending authorization.
 *
 * The POST, step by step:
 *   form fields → pending authorization (unknown, expired or used: error page) → CSRF token (form,
 *   cookie and pending must agree: error page) → client and redirect URI still registered →
 *   credentials (wrong: the form again, nothing consumed) → the user is not disabled (else the form
 *   again, saying so, nothing consumed) → consume the pending authorization and redirect with a one-time
 *   code.
 *
 * A disabled user is kept on the form, as Keycloak's login page does, rather than sent back to
 * the client with `error=access_denied`: the refusal is about the account, not the client's request, so
 * the person may still sign in with another account, and the client hears nothing it could act on. The
 * form says the account is disabled only after the right password, so it tells nothing to whoever does
 * not know it (a wrong password gets the usual message).
 *
 * The pending authorization is consumed by the store's atomic `delete`: of any number of submissions of
 * one form at once (on any replica), only the one it tells that it deleted the form goes on to issue a
 * code; the others are refused as a used form is. No failure redirects: only a verified request reaches
 * the redirect URI.
 */
import {
  escapeHtml,
  pageAnswer,
  pageHeaders,
  sameSecret,
  type MockResponse,
  type PageContext,
  type PageOptions,
  type PageRoute,
  type PluginContext,
} from '../../../src/index.ts';
import { findClient, isRegisteredRedirectUri } from '../client-auth.ts';
import { issueCode } from '../codes.ts';
import { errorPage, PAGE_BRAND } from '../errors.ts';
import { AUTH_MOUNT, type Just2TradeUser } from '../fixtures.ts';
import type { Just2Trade } from '../index.ts';

type Context = PageContext<Just2Trade>;

/** The login form's POST target, below the auth mount. */
const LOGIN_PATH = '/connect/authorize/login';

/** Pending-authorization ids are 16 random bytes in base64url. */
const PENDING_ID = /^[A-Za-z0-9_-]{22}$/;

const WRONG_CREDENTIALS = 'The login or password is incorrect.';

const ACCOUNT_DISABLED = 'This account is disabled. Contact Just2Trade support to enable it.';

/** The absolute path of the login POST on this mock (the public URL may carry a path prefix). */
function loginAction(ctx: Pick<PluginContext, 'urlFor'>): string {
  return new URL(ctx.urlFor(AUTH_MOUNT, LOGIN_PATH)).pathname;
}

/**
 * One cookie per pending authorization, so two sign-ins open in two tabs do not overwrite each
 * other's token. Scoped to the login path, so it goes nowhere else.
 */
function csrfCookieName(pendingId: string): string {
  return `j2t_csrf_${pendingId}`;
}

/** The `Set-Cookie` value of a form's CSRF cookie (an empty value with max-age 0 clears it). */
export function csrfCookie(
  ctx: Pick<PluginContext, 'urlFor' | 'publicUrl'>,
  pendingId: string,
  value: string,
  maxAgeSeconds: number,
): string {
  const secure = ctx.publicUrl.startsWith('https:') ? '; Secure' : '';
  return `${csrfCookieName(pendingId)}=${value}; Path=${loginAction(ctx)}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure}`;
}

export interface LoginFormView {
  clientId: string;
  pendingId: string;
  csrfToken: string;
  /** Shown again after a failed attempt. */
  login?: string;
  message?: string;
}

/** The login form in Just2Trade's wording, for the shared layout (`renderPage`, `pageAnswer`). */
export function loginFormPage(ctx: Pick<PluginContext, 'urlFor'>, view: LoginFormView): PageOptions {
  const retry = view.message !== undefined;
  return {
    ...PAGE_BRAND,
    title: 'Sign in - Just2Trade',
    content: `<h1>Sign in</h1>
<p><strong>${escapeHtml(view.clientId)}</strong> is asking for access to your Just2Trade account.</p>
${retry ? `<p class="alert" role="alert">${escapeHtml(view.message ?? '')}</p>\n` : ''}<form method="post" action="${escapeHtml(loginAction(ctx))}">
<input type="hidden" name="pending" value="${escapeHtml(view.pendingId)}">
<input type="hidden" name="csrf_token" value="${escapeHtml(view.csrfToken)}">
<label for="login">Login</label>
<input id="login" name="login" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required${retry ? '' : ' autofocus'} value="${escapeHtml(view.login ?? '')}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${retry ? ' autofocus' : ''}>
<button type="submit">Sign in</button>
</form>`,
  };
}

interface LoginFields {
  pending: string;
  csrfToken: string;
  login: string;
  password: string;
}

/** The form's fields, when the body is a form (or JSON object) whose four fields are single strings. */
function formFields(body: unknown): LoginFields | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const field = (name: string): string | undefined => {
    const value: unknown = Reflect.get(body, name);
    return typeof value === 'string' ? value : undefined;
  };
  const [pending, csrfToken, login, password] = ['pending', 'csrf_token', 'login', 'password'].map(field);
  if (pending === undefined || csrfToken === undefined || login === undefined || password === undefined) {
    return undefined;
  }
  return { pending, csrfToken, login, password };
}

/** Why these credentials do not sign in (the form's message), or undefined when they do. */
function signInProblem(user: Just2TradeUser | undefined, password: string): string | undefined {
  if (!user || !sameSecret(password, user.password)) return WRONG_CREDENTIALS;
  return user.disabled === true ? ACCOUNT_DISABLED : undefined;
}

async function submitLogin(ctx: Context): Promise<MockResponse> {
  const { request, state, clock, fixtures } = ctx;
  const form = formFields(request.body);
  if (!form) {
    return errorPage(
      400,
      'invalid_request',
      'The sign-in form was not sent as expected (pending, csrf_token, login and password, each once).',
    );
  }

  const pending = PENDING_ID.test(form.pending) ? await state.pending.get(form.pending) : undefined;
  if (!pending || pending.expiresAtMs <= clock.nowMs()) {
    if (pending) await state.pending.delete(pending.id);
    return unusableForm();
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
  const client = await findClient(fixtures, pending.clientId);
  if (!client || !isRegisteredRedirectUri(client, pending.redirectUri)) {
    await state.pending.delete(pending.id);
    return errorPage(400, 'invalid_client', 'The application or its redirect URI is no longer registered.');
  }

  const user = await fixtures.get<Just2TradeUser>('users', form.login);
  const problem = signInProblem(user, form.password);
  if (!user || problem !== undefined) {
    return pageAnswer(
      200,
      loginFormPage(ctx, {
        clientId: pending.clientId,
        pendingId: pending.id,
        csrfToken: pending.csrfToken,
        login: form.login,
        message: problem ?? WRONG_CREDENTIALS,
      }),
    );
  }

  // Consumed here, atomically: of simultaneous submissions only the one whose delete removed the form gets
  // a code; for the others it was already used (a moment ago, by another request or replica).
  if (!(await state.pending.delete(pending.id))) return unusableForm();
  return ctx.respond.redirect(await issueCode(ctx, pending, user.login), 302, {
    ...pageHeaders(),
    // The cookie has done its job.
    'Set-Cookie': csrfCookie(ctx, pending.id, '', 0),
  });
}

/** The answer to a form that is unknown, has expired or was already used. */
function unusableForm(): MockResponse {
  return errorPage(400, 'invalid_request', 'This sign-in form is unknown, has expired or was already used.');
}

/** A GET of the login URL (back button, bookmark): explain instead of a bare 405. */
function loginNeedsPost(): MockResponse {
  const response = errorPage(405, 'invalid_request', 'The sign-in form can only be submitted, not opened directly.');
  return { ...response, headers: { ...response.headers, Allow: 'POST' } };
}

export const loginPages: PageRoute<Just2Trade>[] = [
  { name: 'login', method: 'POST', mount: AUTH_MOUNT, path: LOGIN_PATH, handler: submitLogin },
  { name: 'loginGet', method: 'GET', mount: AUTH_MOUNT, path: LOGIN_PATH, handler: loginNeedsPost },
];
