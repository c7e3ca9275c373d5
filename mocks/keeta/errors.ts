/**
 * Keeta answers API errors as RFC 9457 problem details (`application/problem+json`), the shape its
 * docs give for 401. Validation problems are listed per field in `errors`.
 *
 * Errors of the merchant page (a person's browser, not an API client) are an HTML page instead,
 * with the page's security headers.
 */
import { STATUS_CODES } from 'node:http';
import type { ErrorContext, MockError, MockResponse } from '../../src/index.ts';
import { PAGE_HEADERS, renderErrorPage } from './pages/html.ts';

export function formatKeetaError(error: MockError, context: ErrorContext): MockResponse {
  const title = STATUS_CODES[error.status] ?? 'Error';
  if (context.page) {
    return {
      status: error.status,
      contentType: 'text/html',
      headers: { ...PAGE_HEADERS },
      body: renderErrorPage(error.status, title, error.message),
    };
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
