/**
 * Keeta answers API errors as RFC 9457 problem details (`application/problem+json`), the shape its
 * docs give for 401. Validation problems are listed per field in `errors`.
 *
 * Errors of the merchant page (a person's browser, not an API client) are a Keeta page instead, with
 * the page's headers.
 */
import { STATUS_CODES } from 'node:http';
import { escapeHtml as escape, type ErrorContext, type MockError, type MockResponse } from '../../src/index.ts';
import { keetaPage } from './pages/merchant-authorization.ts';

export function formatError(error: MockError, context: ErrorContext): MockResponse {
  const title = STATUS_CODES[error.status] ?? 'Error';
  if (context.page) {
    return keetaPage(
      error.status,
      title,
      `<h1>${escape(title)}</h1>
<p id="error">${escape(error.message)}</p>
<p>Status ${error.status}. This request changed nothing.</p>`,
    );
  }
  return {
    status: error.status,
    contentType: 'application/problem+json',
    body: {
      type: 'about:blank',
      title,
      status: error.status,
      detail: error.message,
      ...(error.details.length
        ? {
            errors: error.details.map((issue) => ({
              pointer: issue.location.replace(/^\/(query|body)(?=\/|$)/, '') || '/',
              detail: issue.message,
            })),
          }
        : {}),
    },
  };
}
