/**
 * Just2Trade errors (the docs show none; inferred from the OAuth 2.0 RFCs):
 * - the authorization endpoint and the login pages, when the request cannot be trusted to redirect,
 *   show an HTML error page and never redirect (RFC 6749 §4.1.2.1);
 * - the token endpoint and the API answer RFC 6749 §5.2 JSON `{ error, error_description }` with
 *   `Cache-Control: no-store`;
 * - a missing or bad bearer token is a 401 with `WWW-Authenticate: Bearer ...` (RFC 6750 §3).
 */
import type { ErrorContext, MockError, MockResponse } from '../../src/index.ts';
import { htmlAnswer, renderErrorPage } from './html.ts';

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

/** A value safe inside a quoted-string of an auth-param (RFC 9110 §11.2). */
const quoted = (text: string) => text.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '?');

export function formatJust2TradeError(error: MockError, context: ErrorContext): MockResponse {
  const code = OAUTH_CODES[error.code] ?? error.code;
  const operationId = context.operation?.operationId;
  if ((operationId === 'authorize' || context.page !== undefined) && error.status < 500) {
    return htmlAnswer(error.status, renderErrorPage(code, error.message));
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
