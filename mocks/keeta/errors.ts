/**
 * Keeta answers errors as RFC 9457 problem details (`application/problem+json`), the shape its docs
 * give for 401. Validation problems are listed per field in `errors`.
 */
import { STATUS_CODES } from 'node:http';
import type { MockError, MockResponse } from '../../src/index.ts';

export function formatKeetaProblem(error: MockError): MockResponse {
  return {
    status: error.status,
    contentType: 'application/problem+json',
    body: {
      type: 'about:blank',
      title: STATUS_CODES[error.status] ?? 'Error',
      status: error.status,
      detail: error.message,
      ...(error.details.length
        ? { errors: error.details.map((issue) => ({ pointer: issue.location.replace(/^\/(query|body)(?=\/|$)/, '') || '/', detail: issue.message })) }
        : {}),
    },
  };
}
