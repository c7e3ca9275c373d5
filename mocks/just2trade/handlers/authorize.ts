/**
 * `GET /connect/authorize`: the start of the documented flow. Steps, in the order RFC 6749
 * §4.1.2.1 requires:
 *   1. client and redirect URI verified, else an HTML error page, never a redirect (an unverified
 *      URI must not receive anything, RFC 9700);
 *   2. any other problem is reported to the client by redirecting with `error`: `response_type` other
 *      than `code`, then the PKCE parameters (RFC 7636 §4.4.1, see pkce.ts);
 *   3. otherwise the login form, with the request (and its PKCE challenge) kept on the server under a
 *      random id.
 */
import {
  MockError,
  randomId,
  withQueryParameters,
  type HandlerContext,
  type MockResponse,
} from '../../../src/index.ts';
import { findClient, isRegisteredRedirectUri, secretMatches } from '../clients.ts';
import { pageHeaders, renderLoginPage } from '../html.ts';
import { csrfCookie, loginAction } from '../login-form.ts';
import type { Just2TradeSettings } from '../options.ts';
import { readCodeChallenge } from '../pkce.ts';
import { addPending, type Just2TradeState, type PendingAuthorization } from '../state.ts';

type Context = HandlerContext<Just2TradeState, Just2TradeSettings>;

/** Query values the spec has already checked to be single strings (or absent). */
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export function authorize(ctx: Context): MockResponse {
  const { request, fixtures, state, clock, services } = ctx;
  const clientId = text(request.query.client_id) ?? '';
  const redirectUri = text(request.query.redirect_uri) ?? '';
  const clientState = text(request.query.state);

  // 1. Until both are verified, nothing may be sent to redirect_uri.
  const client = findClient(fixtures, clientId);
  if (!client || !secretMatches(client, text(request.query.client_secret) ?? '')) {
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
  const responseType = text(request.query.response_type);
  // The spec requires response_type, so its validation has already answered a request without one
  // with the error page; kept so that the mock stays right (RFC 6749 §4.1.2.1) should the spec relax it.
  if (responseType === undefined) return refuse('invalid_request', 'The required parameter response_type is missing.');
  if (responseType !== 'code') return refuse('unsupported_response_type', 'Only response_type=code is supported.');
  const pkce = readCodeChallenge(request.query);
  if (pkce.problem !== undefined) return refuse('invalid_request', pkce.problem);

  // 3. The login form. Only the pending id and the CSRF token go into the page.
  const pending: PendingAuthorization = {
    id: randomId(16),
    csrfToken: randomId(32),
    clientId: client.clientId,
    redirectUri,
    ...(clientState !== undefined ? { state: clientState } : {}),
    ...(pkce.challenge ? { codeChallenge: pkce.challenge } : {}),
    expiresAtMs: clock.nowMs() + services.loginTtlSeconds * 1000,
  };
  addPending(state, pending, clock.nowMs());
  const page = renderLoginPage({
    clientId: client.clientId,
    action: loginAction(ctx),
    pendingId: pending.id,
    csrfToken: pending.csrfToken,
  });
  return ctx.respond.html(200, page.html, {
    ...page.headers,
    'Set-Cookie': csrfCookie(ctx, pending.id, pending.csrfToken, services.loginTtlSeconds),
  });
}
