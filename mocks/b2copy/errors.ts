/**
 * B2COPY writes errors in its response envelope (inferred from the documented success envelope of
 * getAuthUrl; the docs show no error): `status` and `meta.status` repeat the HTTP status, `data` is
 * null, `errors` lists what went wrong (one item per spec violation), `modules` is empty.
 */
import { MockError, type MockResponse } from '../../src/index.ts';

/**
 * A refusal by one of the B2COPY handlers: a MockError that also names the body member at fault
 * (`/external_token`), which the envelope reports as `field`.
 */
export class B2CopyError extends MockError {
  readonly field: string | undefined;

  constructor(status: number, code: string, message: string, field?: string) {
    super(status, code, message);
    this.field = field;
  }
}

export function formatB2CopyError(error: MockError): MockResponse {
  const errors = error.details.length
    ? error.details.map((issue) => ({
        code: error.code,
        message: `${fieldOf(issue.location) ?? 'request body'} ${issue.message}`,
        ...(fieldOf(issue.location) ? { field: fieldOf(issue.location) } : {}),
      }))
    : [
        {
          code: error.code,
          message: error.message,
          ...(error instanceof B2CopyError && error.field ? { field: error.field } : {}),
        },
      ];
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
