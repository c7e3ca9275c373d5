/**
 * The one error the clients throw for a provider's error answer: the HTTP status, the provider's own
 * parsed error body (B2COPY envelope, Keeta problem+json, RFC 6749/6750 JSON) and which operation failed.
 * Network failures are not provider errors: they surface as fetch's own TypeError.
 */
export class ProviderError<Body = unknown> extends Error {
  override readonly name = 'ProviderError';

  constructor(
    /** `b2copy`, `keeta` or `just2trade`. */
    readonly provider: string,
    /** The spec's operationId of the failed call, e.g. `refreshToken`. */
    readonly operationId: string,
    readonly status: number,
    /** The provider's error body, parsed as JSON when it is JSON (else the raw text, or `undefined`). */
    readonly body: Body,
  ) {
    super(`${provider} ${operationId} failed with ${status}: ${describeBody(body)}`);
  }
}

/** The human part of the providers' error shapes, for the message. */
function describeBody(body: unknown): string {
  if (body && typeof body === 'object') {
    const record = body as Record<string, unknown>;
    const errors = record.errors;
    if (Array.isArray(errors) && errors.length) {
      return errors
        .map((item) =>
          item && typeof item === 'object' ? String((item as Record<string, unknown>).message ?? '') : String(item),
        )
        .join('; ');
    }
    for (const key of ['error_description', 'detail', 'title', 'error', 'message']) {
      if (typeof record[key] === 'string' && record[key]) return record[key] as string;
    }
  }
  if (typeof body === 'string' && body) return body.length > 200 ? `${body.slice(0, 200)}…` : body;
  return 'no error details';
}
