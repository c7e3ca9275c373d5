/**
 * "The partner said no": a provider's error answer, with a normalized `code` a CRM can switch on and the
 * `Retry-After` the answer carried. For "the partner is down" see ProviderUnavailableError.
 */

/** What a ProviderError is built from besides the status and body; all optional. */
export interface ProviderErrorDetails {
  /** The answer's headers: `Retry-After` becomes `retryAfter`; Just2Trade's `WWW-Authenticate` may give `code`. */
  headers?: Headers;
  /** Overrides the normalized code (e.g. when a CRM's own tests build the error). */
  code?: string;
  /** Overrides `retryAfter`, in seconds. */
  retryAfter?: number;
}

/**
 * The one error the clients throw for a provider's error answer (any status that is not 2xx): the HTTP
 * status, the provider's own parsed error body, which operation failed, and a normalized `code`.
 *
 * `code`, per provider (what a CRM switches on):
 *
 * | provider        | `code` is                                      | e.g.                                          |
 * | --------------- | ---------------------------------------------- | --------------------------------------------- |
 * | `b2copy`        | `errors[0].code` of its envelope               | `invalid_credentials`, `refresh_token_reused` |
 * | `keeta`         | `type`'s last segment (1), else `title`        | `rate-limited`; `Unauthorized`, `Bad Request` |
 * | `just2trade`    | `error` of the body, else of the challenge (2) | `invalid_grant`, `invalid_token`              |
 * | (not the shape) | `http_<status>`                                | `http_502`, `http_429`                        |
 *
 * 1. Keeta answers RFC 9457 problem+json. When `type` is set and is not `about:blank` (the default type,
 *    which only says "see the status"), `code` is its last non-empty segment once the query is dropped and
 *    it is split at `/`, `:` and `#`: `https://…/problems/rate-limited` → `rate-limited`,
 *    `urn:keeta:problem:rate-limited` → `rate-limited`. Otherwise it is `title` exactly as sent (the mock
 *    sends `about:blank` with the status's reason phrase: `Unauthorized` for an unknown clientId).
 * 2. Just2Trade answers RFC 6749 §5.2 / RFC 6750 `{ error, error_description }`; a 401 without such a body
 *    gives the `error` parameter of its `WWW-Authenticate: Bearer` challenge.
 *
 * "Not the shape": the body is not the provider's error shape (an HTML page from a proxy, an empty body,
 * the field missing or not a non-empty string). For a `provider` other than these three, always so.
 *
 * `retryAfter`: the answer's `Retry-After` in seconds from when the error was made: the number as sent
 * (`Retry-After: 7` → `7`), or an HTTP-date converted to the seconds until then, rounded up and never
 * negative (a date in the past → `0`). `undefined` when the answer had no `Retry-After` or an unreadable one.
 *
 * A call that got no usable answer (connection reset, timeout, abort, a body that is not the JSON expected)
 * throws ProviderUnavailableError instead.
 */
export class ProviderError<Body = unknown> extends Error {
  override readonly name = 'ProviderError';
  /** The provider's error code, normalized (see the table above); `http_<status>` when the body has none. */
  readonly code: string;
  /** Seconds to wait before retrying, from the answer's `Retry-After`; `undefined` without one. */
  readonly retryAfter: number | undefined;

  constructor(
    /** `b2copy`, `keeta` or `just2trade`. */
    readonly provider: string,
    /** The spec's operationId of the failed call, e.g. `refreshToken`. */
    readonly operationId: string,
    readonly status: number,
    /** The provider's error body, parsed as JSON when it is JSON (else the raw text, or `undefined`). */
    readonly body: Body,
    details: ProviderErrorDetails = {},
  ) {
    super(`${provider} ${operationId} failed with ${status}: ${describeBody(body)}`);
    this.code = details.code ?? providerErrorCode(provider, status, body, details.headers);
    this.retryAfter = details.retryAfter ?? retryAfterSeconds(details.headers?.get('retry-after') ?? null);
  }
}

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';
const record = (value: unknown): Record<string, unknown> | undefined =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

/** The normalized code of an error answer (the rules of ProviderError's table). */
function providerErrorCode(provider: string, status: number, body: unknown, headers: Headers | undefined): string {
  const fields = record(body);
  switch (provider) {
    case 'b2copy': {
      const errors = fields?.errors;
      const first = Array.isArray(errors) ? record(errors[0]) : undefined;
      if (nonEmpty(first?.code)) return first.code;
      break;
    }
    case 'keeta': {
      const type = fields?.type;
      if (nonEmpty(type) && type.trim() !== 'about:blank') {
        const segment = type
          .replace(/\?[^#]*/, '')
          .split(/[/:#]/)
          .filter((part) => part.trim() !== '')
          .at(-1);
        return segment ?? type;
      }
      if (nonEmpty(fields?.title)) return fields.title;
      break;
    }
    case 'just2trade': {
      if (nonEmpty(fields?.error)) return fields.error;
      const challenge = headers?.get('www-authenticate');
      const fromChallenge = challenge ? /(?:^|[\s,])error\s*=\s*(?:"([^"]*)"|([^\s,]+))/i.exec(challenge) : null;
      const code = fromChallenge?.[1] ?? fromChallenge?.[2];
      if (nonEmpty(code)) return code;
      break;
    }
  }
  return `http_${status}`;
}

/**
 * `Retry-After` (RFC 9110 §10.2.3) in seconds from now: delay-seconds as they are, an HTTP-date as the
 * seconds until it (rounded up, at least 0); `undefined` when absent or neither.
 */
function retryAfterSeconds(value: string | null, now: number = Date.now()): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text);
  // An HTTP-date starts with the day's name (IMF-fixdate, RFC 850 and asctime forms alike); Date.parse
  // alone would also read things like "7.5" as a date.
  if (!/^[A-Za-z]{3}/.test(text)) return undefined;
  const at = Date.parse(text);
  if (!Number.isFinite(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
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
