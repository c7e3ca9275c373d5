/**
 * "The partner is down": a call that got no usable answer. Together with ProviderError ("the partner said
 * no") it is everything a client method throws for a failed call (CallbackError is about redirects).
 */

/**
 * Why a call got no usable answer:
 *
 * - `reset`: the connection was closed or reset before any answer arrived (`ECONNRESET`, undici's
 *   `UND_ERR_SOCKET` "other side closed", `EPIPE`). The partner may or may not have acted on the request.
 * - `timeout`: a timeout fired before the answer was complete: `AbortSignal.timeout()` (a `TimeoutError`
 *   DOMException) on the request, or a connect/socket timeout (`ETIMEDOUT`, `UND_ERR_*_TIMEOUT`).
 * - `aborted`: the request was aborted (an `AbortError`, e.g. `AbortController.abort()` without a reason).
 * - `malformed`: an answer arrived but its body is not the JSON expected: not JSON at all, cut off in the
 *   middle (fewer bytes than announced before the connection closed), or `null`. The partner answered,
 *   so it may well have acted (a refresh token may be spent).
 * - `empty`: a 2xx answer with no body where the client expects data. The partner may have acted.
 * - `network`: the partner could not be reached: connection refused, a DNS failure, an unreachable host
 *   (the system codes below), or a fetch failure that carries no code (`Failed to fetch` in browsers).
 * - `protocol`: something answered, but not in HTTP the client can read (`HPE_*` parser errors), or fetch
 *   failed with a code not listed here. The partner may have acted on the request.
 *
 * `cause` holds the original error (fetch's `TypeError` with its own `cause` carrying the system code,
 * the `DOMException`, the `SyntaxError`); it is `undefined` for `empty` and a `null` body. Errors that
 * are none of these (a base URL that does not parse, a bug) are not wrapped: they reach the caller as they are.
 */
export type ProviderUnavailableReason =
  'reset' | 'timeout' | 'aborted' | 'malformed' | 'empty' | 'network' | 'protocol';

const WHAT: Record<ProviderUnavailableReason, string> = {
  reset: 'the connection was closed before an answer arrived',
  timeout: 'no answer in time',
  aborted: 'the request was aborted',
  malformed: 'the answer is not the JSON expected',
  empty: 'the answer has no body',
  network: 'the partner could not be reached',
  protocol: 'the answer could not be read as HTTP',
};

/**
 * The one error the clients throw when a call got no usable answer from the partner (see
 * ProviderUnavailableReason for each `reason`): retrying later may help, unlike a ProviderError.
 */
export class ProviderUnavailableError extends Error {
  override readonly name = 'ProviderUnavailableError';

  constructor(
    /** `b2copy`, `keeta` or `just2trade`. */
    readonly provider: string,
    /** The spec's operationId of the failed call, e.g. `refreshToken`. */
    readonly operationId: string,
    readonly reason: ProviderUnavailableReason,
    /** The original error; `undefined` when there was none (an empty body). */
    cause?: unknown,
  ) {
    super(`${provider} ${operationId} got no usable answer (${reason}): ${WHAT[reason]}${describe(cause)}`, {
      cause,
    });
  }
}

/** ` [fetch failed: other side closed]`: the cause's message and its own cause's, for the message. */
function describe(cause: unknown): string {
  if (cause === undefined) return '';
  const parts: string[] = [];
  let current: unknown = cause;
  for (let depth = 0; depth < 3 && current !== undefined && current !== null; depth += 1) {
    parts.push(current instanceof Error || isObject(current) ? String(current.message ?? current) : String(current));
    current = isObject(current) ? current.cause : undefined;
  }
  return ` [${parts.filter(Boolean).join(': ')}]`;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  (typeof value === 'object' || typeof value === 'function') && value !== null;

const RESET: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const TIMEOUT: ReadonlySet<string> = new Set([
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
const NETWORK: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EADDRNOTAVAIL',
]);
/** fetch's network failure in Node (undici), Chrome, Firefox, Safari and React Native. */
const NETWORK_MESSAGE = /fetch failed|failed to fetch|networkerror|network error|load failed|network request failed/i;

/** The system code of an error or of its causes (an AggregateError's first error too), e.g. `ECONNRESET`. */
function systemCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && isObject(current); depth += 1) {
    if (typeof current.code === 'string') return current.code;
    const first = Array.isArray(current.errors) ? (current.errors[0] as unknown) : undefined;
    if (isObject(first) && typeof first.code === 'string') return first.code;
    current = current.cause;
  }
  return undefined;
}

/**
 * The reason of a failure that means "no usable answer", or `undefined` for any other error (a bug, a bad
 * URL), which the clients rethrow as it is.
 */
export function unavailableReason(error: unknown): ProviderUnavailableReason | undefined {
  if (!isObject(error)) return undefined;
  const name = typeof error.name === 'string' ? error.name : '';
  const message = typeof error.message === 'string' ? error.message : '';
  if (name === 'TimeoutError') return 'timeout';
  if (name === 'AbortError') return 'aborted';
  // JSON.parse of a 2xx body (openapi-fetch parses error bodies leniently, so only a 2xx gets here).
  if (name === 'SyntaxError') return 'malformed';
  // undici: the body stream ended early, after the status and headers arrived.
  if (name === 'TypeError' && message === 'terminated') return 'malformed';
  const code = systemCode(error);
  if (code !== undefined && RESET.has(code)) return 'reset';
  if (code !== undefined && TIMEOUT.has(code)) return 'timeout';
  if (code !== undefined && NETWORK.has(code)) return 'network';
  if (name === 'TypeError' && NETWORK_MESSAGE.test(message)) {
    // A code this module does not know (an HTTP parser error, ...) means the request may have gone out: only a
    // failure without any code (a browser's) is taken for "not reached".
    return code === undefined ? 'network' : 'protocol';
  }
  return undefined;
}
