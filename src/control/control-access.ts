/**
 * Who may use the control API and the inspector. Without a control token (`--control-token`,
 * `PARTNERMOCK_CONTROL_TOKEN`, `controlToken:`) anyone who reaches them may — fine on loopback, which is the
 * default host. With one, every `/__mock` route but `GET /__mock/health`, and the inspector page, need
 * `Authorization: Bearer <token>`, or the inspector's cookie: the page takes the token once (a form) and
 * keeps, in an `HttpOnly`, `SameSite=Strict` cookie, a value derived from it (never the token itself), so
 * the page's own requests and event stream carry it. The provider routes emulate public APIs and stay open.
 *
 * Tokens are compared in constant time (their SHA-256 digests, so the length leaks nothing either). A
 * refusal is 401 with `WWW-Authenticate: Bearer realm="partnermock"` and the control API's error shape.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { MockError } from '../errors.ts';
import { parseCookies } from '../http/request-parts.ts';

export const CONTROL_COOKIE = 'partnermock_control';
const REALM = 'Bearer realm="partnermock"';

export interface ControlAccess {
  /** Whether a token is required at all. */
  readonly required: boolean;
  /** Throws the 401 unless the request carries the token (the header, or the inspector's cookie from its own pages). */
  check(headers: IncomingHttpHeaders): void;
  /** Whether `candidate` is the token (the inspector's form). */
  matches(candidate: string): boolean;
  /** The `Set-Cookie` value that lets a browser in once it gave the token. */
  cookie(): string;
}

export function controlAccess(token: string | undefined): ControlAccess {
  if (token === undefined) {
    return { required: false, check: () => {}, matches: () => true, cookie: () => '' };
  }
  const digest = (value: string) => createHash('sha256').update(value).digest();
  const expected = digest(token);
  // The cookie holds a value derived from the token, so a cookie read off a disk is not the token.
  const cookieValue = createHmac('sha256', token).update('partnermock inspector cookie').digest('base64url');
  const expectedCookie = digest(cookieValue);
  const matches = (candidate: string) => timingSafeEqual(digest(candidate), expected);
  return {
    required: true,
    matches,
    check(headers) {
      const authorization = headers.authorization;
      if (authorization !== undefined) {
        const bearer = /^Bearer +(\S+) *$/i.exec(authorization)?.[1];
        if (bearer !== undefined && matches(bearer)) return;
        throw refusal('The control token is wrong.', 'invalid_token');
      }
      const cookie = parseCookies(headers.cookie)[CONTROL_COOKIE];
      if (cookie !== undefined && sameOrigin(headers) && timingSafeEqual(digest(cookie), expectedCookie)) return;
      throw refusal(
        'The control API needs its token: send "Authorization: Bearer <token>" (the --control-token the mock was started with).',
      );
    },
    cookie: () => `${CONTROL_COOKIE}=${cookieValue}; Path=/; HttpOnly; SameSite=Strict`,
  };
}

/**
 * The cookie counts only for requests from the mock's own pages. SameSite=Strict keeps other sites' pages
 * out, but not another port of the same host (`localhost:3000` is the same site as `localhost:4010`); a
 * browser names the page's origin on every cross-origin request, so one naming another origin is refused.
 */
function sameOrigin(headers: IncomingHttpHeaders): boolean {
  const origin = headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === headers.host;
  } catch {
    return false;
  }
}

function refusal(message: string, error?: 'invalid_token'): MockError {
  return new MockError(401, 'unauthorized', message, {
    headers: { 'WWW-Authenticate': error ? `${REALM}, error="${error}"` : REALM },
  });
}
