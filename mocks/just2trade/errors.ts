/**
 * Just2Trade errors (the docs show none; inferred from the OAuth 2.0 RFCs):
 * - the authorization endpoint and the login pages, when the request cannot be trusted to redirect,
 *   show an HTML error page and never redirect (RFC 6749 §4.1.2.1);
 * - the token endpoint and the API answer RFC 6749 §5.2 JSON `{ error, error_description }` with
 *   `Cache-Control: no-store`;
 * - a missing or bad bearer token is a 401 with `WWW-Authenticate: Bearer ...` (RFC 6750 §3).
 */
import { escapeHtml, pageAnswer, type ErrorContext, type MockError, type MockResponse } from '../../src/index.ts';

/** Core error codes in RFC 6749 terms; the plugin's own codes (invalid_grant, ...) pass through. */
const OAUTH_CODES: Record<string, string> = {
  invalid_request: 'invalid_request',
  malformed_body: 'invalid_request',
  unsupported_media_type: 'invalid_request',
  payload_too_large: 'invalid_request',
  unknown_preference: 'invalid_request',
  unauthorized: 'invalid_token',
  method_not_allowed: 'invalid_request',
  mock_response_invalid: 'server_error',
  internal_error: 'server_error',
};

export const REALM = 'just2trade';

/** How Just2Trade's pages (the login form and this error page) name the service in the shared layout. */
export const PAGE_BRAND = { brand: 'Just2Trade', standsInFor: 'the Just2Trade sign-in' } as const;

/** A value safe inside a quoted-string of an auth-param (RFC 9110 §11.2). */
const quoted = (text: string) => text.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '?');

/** The page shown instead of redirecting, when the request cannot be trusted or is no longer valid. */
export function errorPage(
  status: number,
  code: string,
  description: string,
  advice = 'You were not sent back to the application. Go back to it and start signing in again.',
): MockResponse {
  return pageAnswer(status, {
    ...PAGE_BRAND,
    title: 'Sign-in error - Just2Trade',
    content: `<h1>Sign-in request refused</h1>
<p class="alert" role="alert"><strong>${escapeHtml(code)}</strong>: ${escapeHtml(description)}</p>
<p>${escapeHtml(advice)}</p>`,
  });
}

export function formatError(error: MockError, context: ErrorContext): MockResponse {
  const code = OAUTH_CODES[error.code] ?? error.code;
  const operationId = context.operation?.operationId;
  // A page is HTML whatever went wrong (a browser is reading it); authorize's 5xx is the spec's JSON.
  if (context.page !== undefined || (operationId === 'authorize' && error.status < 500)) {
    return errorPage(error.status, code, error.message);
  }
  // Its OAuth server sends every JSON error no-store, not only the token endpoint's (which `sensitive` covers).
  const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
  if (operationId === 'getProfile' && (error.status === 401 || error.status === 400)) {
    // RFC 6750 §3.1: no error attribute when the request carried no token at all.
    headers['WWW-Authenticate'] =
      error.code === 'unauthorized'
        ? `Bearer realm="${REALM}"`
        : `Bearer realm="${REALM}", error="${code}", error_description="${quoted(error.message)}"`;
  }
  return {
    status: error.status,
    headers,
    contentType: 'application/json',
    body: { error: code, error_description: error.message },
  };
}
