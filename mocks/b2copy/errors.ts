/**
 * B2COPY writes errors in its response envelope (inferred from the documented success envelope of
 * getAuthUrl; the docs show no error): `status` and `meta.status` repeat the HTTP status, `data` is
 * null, `errors` lists what went wrong (one item per spec violation), `modules` is empty.
 */
import type { MockError, MockResponse } from '../../src/index.ts';

export function formatB2CopyError(error: MockError): MockResponse {
  const errors = error.details.length
    ? error.details.map((issue) => ({
        code: error.code,
        message: `${fieldOf(issue.location) ?? 'request body'} ${issue.message}`,
        ...(fieldOf(issue.location) ? { field: fieldOf(issue.location) } : {}),
      }))
    : [{ code: error.code, message: error.message }];
  return {
    status: error.status,
    contentType: 'application/json',
    body: {
      status: error.status,
      meta: { behaviours: [], status: error.status },
      data: null,
      errors,
      modules: [],
    },
  };
}

/** `/body/email` → `/email`: B2COPY's `field` points into the JSON body; other parts keep their prefix. */
function fieldOf(location: string): string | undefined {
  if (location === '/body' || location === '') return undefined;
  return location.startsWith('/body/') ? location.slice('/body'.length) : location;
}
