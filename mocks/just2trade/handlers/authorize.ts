/**
 * `GET /connect/authorize`: the start of the documented flow. Steps, in the order RFC 6749
 * §4.1.2.1 requires:
 *   1. client and redirect URI verified, else an HTML error page, never a redirect (an unverified
 *      URI must not receive anything, RFC 9700);
 *   2. any other problem is reported to the client by redirecting with `error`: `response_type` other
 *      than `code`, then the PKCE parameters (RFC 7636 §4.4.1, see pkce.ts);
 *   3. otherwise the login form (pages/login.ts), with the request (and its PKCE challenge) kept on the
 *      server under a random id; or, when the session has auto-login on (`POST /__mock/just2trade/auto-login`),
 *      straight back with a code for that user, as if the form had been submitted (a user who is gone or
 *      disabled: a 400 error page instead, no redirect).
 * The spec has already checked the query: the required parameters are there, each a single string.
 */
import {
  MockError,
  pageHeaders,
  randomId,
  renderPage,
  withQueryParameters,
  type HandlerContext,
  type MockResponse,
} from '../../../src/index.ts';
import { issueCode } from '../codes.ts';
import type { Just2TradeUser } from '../fixtures.ts';
import { findClient, isRegisteredRedirectUri, secretMatches } from '../client-auth.ts';
import type { Just2Trade } from '../index.ts';
import { csrfCookie, loginFormPage } from '../pages/login.ts';
import { readCodeChallenge } from '../pkce.ts';
import type { PendingAuthorization } from '../state.ts';

export async function authorize(ctx: HandlerContext<Just2Trade, 'authorize'>): Promise<MockResponse> {
  const { request, fixtures, state, clock, options } = ctx;
  const { client_id: clientId, client_secret: clientSecret, redirect_uri: redirectUri } = request.query;
  const clientState = request.query.state;

  // 1. Until both are verified, nothing may be sent to redirect_uri.
  const client = await findClient(fixtures, clientId);
  if (!client || !secretMatches(client, clientSecret)) {
    throw new MockError(400, 'invalid_client', 'Unknown client_id or wrong client_secret.');
  }
  if (!isRegisteredRedirectUri(client, redirectUri)) {
    throw new MockError(
      400,
      'invalid_request',
      'The redirect_uri is not registered for this client (it must match a registered URI exactly).',
    );
  }

  // 2. The client and its redirect URI are trusted now: report the rest to the client.
  const refuse = (error: string, description: string) => {
    const location = withQueryParameters(redirectUri, { error, error_description: description, state: clientState });
    return ctx.respond.redirect(location, 302, pageHeaders());
  };
  // The spec requires response_type, so its validation has already answered a request without one with
  // the error page; the value is the mock's to check, so that a wrong one is reported on the redirect.
  if (request.query.response_type !== 'code') {
    return refuse('unsupported_response_type', 'Only response_type=code is supported.');
  }
  const pkce = readCodeChallenge(request.query);
  if (pkce.problem !== undefined) return refuse('invalid_request', pkce.problem);

  // 3. A session with auto-login signs its user in without the form (a suite that wants no HTML).
  const autoLogin = await state.autoLogin.get();
  if (autoLogin !== undefined) {
    const user = await fixtures.get<Just2TradeUser>('users', autoLogin);
    if (!user) {
      throw new MockError(
        400,
        'invalid_request',
        `Auto-login is on for "${autoLogin}", who is no longer a user in this session.`,
      );
    }
    // The form would refuse a disabled user (pages/login.ts); without a form to show again, the error page.
    // 400 is the spec's only error status here, and the page never redirects: the client hears nothing.
    if (user.disabled === true) {
      throw new MockError(
        400,
        'access_denied',
        `Auto-login is on for "${user.login}", whose account is disabled: they cannot sign in.`,
      );
    }
    const request = { clientId: client.clientId, redirectUri, state: clientState, codeChallenge: pkce.challenge };
    return ctx.respond.redirect(await issueCode(ctx, request, user.login), 302, pageHeaders());
  }

  // The login form. Only the pending id and the CSRF token go into the page.
  const pending: PendingAuthorization = {
    id: randomId(16),
    csrfToken: randomId(32),
    clientId: client.clientId,
    redirectUri,
    ...(clientState !== undefined ? { state: clientState } : {}),
    ...(pkce.challenge ? { codeChallenge: pkce.challenge } : {}),
    expiresAtMs: clock.nowMs() + options.loginTtlSeconds * 1000,
  };
  await state.pending.set(pending.id, pending);
  const page = renderPage(
    loginFormPage(ctx, { clientId: client.clientId, pendingId: pending.id, csrfToken: pending.csrfToken }),
  );
  return ctx.respond.html(200, page.html, {
    ...page.headers,
    'Set-Cookie': csrfCookie(ctx, pending.id, pending.csrfToken, options.loginTtlSeconds),
  });
}
