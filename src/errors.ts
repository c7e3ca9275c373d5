import { StoreUnavailableError } from './state/store/store.ts';

/**
 * Errors the harness raises while handling a request. One class, one serializer per provider
 * (the plugin's `formatError`), one error middleware: the provider's own error shape comes out
 * whatever went wrong, and a client never sees a stack trace.
 *
 * `code` is a stable string callers can switch on. The core uses the codes below; plugins add
 * their own (`invalid_credentials`, `invalid_grant`, ...).
 */
export type CoreErrorCode =
  /** The request does not match the spec (params, headers, body). `details` lists each violation. */
  | 'invalid_request'
  /** The body could not be parsed as the content type says (broken JSON, bad encoding). */
  | 'malformed_body'
  /** The body's content type is not one the operation accepts. */
  | 'unsupported_media_type'
  /** The body is larger than the configured limit. */
  | 'payload_too_large'
  /** The operation needs credentials (per its `security`) and the request carries none. */
  | 'unauthorized'
  /** No route for this path under the provider's mount. */
  | 'not_found'
  /** The path exists but not for this method. */
  | 'method_not_allowed'
  /** A `Prefer` header asked for a status or example the spec does not declare. */
  | 'unknown_preference'
  /** The mock's own answer breaks the spec: a bug in a handler or in the spec. Loud on purpose. */
  | 'mock_response_invalid'
  /** The state store (Redis) cannot be reached: 503 with Retry-After, in the provider's error shape. */
  | 'unavailable'
  /** Anything unexpected. Never exposes its cause to the client; the cause is logged. */
  | 'internal_error';

/** One violation of the spec, as reported to clients and recorded in the journal. */
export interface ValidationIssue {
  /** Where in the request (or response): `/body/email`, `/query/clientId`, `/header/authorization`. */
  location: string;
  /** ajv's message, e.g. `must be string`. */
  message: string;
  /** The schema path that failed, e.g. `#/properties/email/format`. */
  schemaPath?: string;
}

export interface MockErrorOptions {
  details?: ValidationIssue[];
  /** Extra response headers (Allow, WWW-Authenticate, ...). */
  headers?: Record<string, string>;
  /** False for errors whose message must not reach the client (internal faults). */
  expose?: boolean;
  cause?: unknown;
}

/** Marks a MockError whichever copy of partnermock made it (see `Symbol.hasInstance` below). */
const MOCK_ERROR = Symbol.for('partnermock.MockError');

export class MockError extends Error {
  /**
   * `error instanceof MockError` holds for a MockError from any copy of this module: a TypeScript plugin
   * loaded through tsx, or a plugin with its own install of partnermock, imports another copy, and its
   * refusals must still be read as refusals, not crashes. Subclasses keep the ordinary check.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== MockError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[MOCK_ERROR] === true;
  }

  readonly [MOCK_ERROR] = true;
  readonly status: number;
  readonly code: CoreErrorCode | (string & {});
  readonly details: ValidationIssue[];
  readonly headers: Record<string, string>;
  readonly expose: boolean;

  constructor(status: number, code: CoreErrorCode | (string & {}), message: string, options: MockErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MockError';
    this.status = status;
    this.code = code;
    this.details = options.details ?? [];
    this.headers = options.headers ?? {};
    this.expose = options.expose ?? status < 500;
  }
}

/**
 * Turns anything thrown into a MockError. Express's own errors carry the client's fault as a 4xx
 * `status` (a path that is not valid percent-encoding) and keep it; anything else becomes an
 * unexposed 500.
 */
export function toMockError(thrown: unknown): MockError {
  if (thrown instanceof MockError) return thrown;
  if (thrown instanceof StoreUnavailableError) {
    // Whatever the request was, it could not be answered for now: a client may retry, as after any 503.
    return new MockError(503, 'unavailable', thrown.message, {
      headers: { 'Retry-After': '1' },
      expose: true,
      cause: thrown,
    });
  }
  const { status } = (thrown ?? {}) as { status?: unknown };
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new MockError(status, 'invalid_request', 'The request URL could not be decoded.', { cause: thrown });
  }
  return new MockError(500, 'internal_error', 'The mock server hit an unexpected error.', {
    expose: false,
    cause: thrown,
  });
}

/** The first violation as one readable line: `/body/email must match format "email"`. */
export function describeIssues(issues: ValidationIssue[]): string {
  return issues.map((issue) => `${issue.location} ${issue.message}`.trim()).join('; ');
}
