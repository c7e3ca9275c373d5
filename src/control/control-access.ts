/**
 * Who may use the control API and the inspector. Without a control token (`--control-token`,
 * `PARTNERMOCK_CONTROL_TOKEN`, `controlToken:`) anyone who reaches them may — fine on loopback, which is the
 * default host. With one, every `/__mock` route but the health check, and the inspector page, need
 * `Authorization: Bearer <token>`, or the inspector's cookie: the page takes the token once (a form) and
 * keeps, in an `HttpOnly`, `SameSite=Strict` cookie of this mock's own, a value derived from it (never the
 * token itself) that says until when it holds, so the page's own requests and event stream carry it. The
 * provider routes emulate public APIs and stay open.
 *
 * Tokens are compared in constant time (their SHA-256 digests, so the length leaks nothing either). A
 * refusal is 401 with `WWW-Authenticate: Bearer realm="partnermock"` and the control API's error shape.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { MockError } from '../errors.ts';
import { parseCookies } from '../http/request-parts.ts';

const REALM = 'Bearer realm="partnermock"';
/** How long the inspector's cookie holds before the page asks for the token again: twelve hours. */
const COOKIE_SECONDS = 12 * 3600;
/** What a control token must be: at least 16 printable ASCII characters, no spaces (the setting's schema). */
export const CONTROL_TOKEN = /^[\x21-\x7e]{16,512}$/;

export interface ControlAccess {
  /** Whether a token is required at all. */
  readonly required: boolean;
  /** Throws the 401 unless the request carries the token (the header, or the cookie from the mock's own pages). */
  check(headers: IncomingHttpHeaders): void;
  /** Whether `candidate` is the token (the inspector's form). */
  matches(candidate: string): boolean;
  /** The `Set-Cookie` value that lets a browser in, for a while, once it gave the token. */
  cookie(): string;
}

export function controlAccess(
  token: string | undefined,
  publicUrl: () => string,
  /** Open to every host name on purpose (`--control-open`): no token, and no check of the Host either. */
  open = false,
): ControlAccess {
  if (token === undefined) {
    return {
      required: false,
      check: (headers) => {
        if (!open) checkOwnHost(headers, publicUrl());
      },
      matches: () => false,
      cookie: () => '',
    };
  }
  // Options given in code do not pass through the settings' schema: an empty or short token would let in
  // anyone who sends one as short.
  if (!CONTROL_TOKEN.test(token)) {
    throw new Error('controlToken must be at least 16 printable characters without spaces (openssl rand -hex 32).');
  }
  const digest = (value: string) => createHash('sha256').update(value).digest();
  const expected = digest(token);
  const matches = (candidate: string) => timingSafeEqual(digest(candidate), expected);
  // The cookie says until when it holds, signed with the token: not the token, and no good after that.
  const signature = (until: string) =>
    createHmac('sha256', token).update(`partnermock inspector cookie ${until}`).digest('base64url');
  // Named for this mock (its public URL): browsers send a host's cookies to all its ports, so two mocks on
  // one host would otherwise overwrite each other's.
  // Hashed once per public URL (it is set once the port is known), not on every request.
  let named = { url: '', name: '' };
  const cookieName = () => {
    const url = publicUrl();
    if (named.url !== url) {
      named = { url, name: `partnermock_control_${createHash('sha256').update(url).digest('hex').slice(0, 12)}` };
    }
    return named.name;
  };
  const cookieHolds = (value: string | undefined) => {
    const [until, signed] = (value ?? '').split('.');
    if (!until || !signed || !/^\d{1,12}$/.test(until) || Number(until) * 1000 < Date.now()) return false;
    return timingSafeEqual(digest(signed), digest(signature(until)));
  };
  return {
    required: true,
    matches,
    check(headers) {
      // Only a Bearer header is a try at the token: a proxy's own credentials (Basic) leave the cookie to count.
      const bearer = /^Bearer +(\S+) *$/i.exec(headers.authorization ?? '')?.[1];
      if (bearer !== undefined) {
        if (matches(bearer)) return;
        throw refusal('The control token is wrong.', 'invalid_token');
      }
      const cookie = parseCookies(headers.cookie)[cookieName()];
      if (cookie !== undefined && ownOrigin(headers, publicUrl()) && cookieHolds(cookie)) return;
      throw refusal(
        'The control API needs its token: send "Authorization: Bearer <token>" (the --control-token the mock was started with).',
      );
    },
    cookie: () => {
      const until = String(Math.floor(Date.now() / 1000) + COOKIE_SECONDS);
      const secure = publicUrl().startsWith('https:') ? '; Secure' : '';
      return `${cookieName()}=${until}.${signature(until)}; Path=/; Max-Age=${COOKIE_SECONDS}; HttpOnly; SameSite=Strict${secure}`;
    },
  };
}

/**
 * The cookie counts only for requests from the mock's own pages. SameSite=Strict keeps other sites' pages
 * out, but not another port of the same host (`localhost:3000` is the same site as `localhost:4010`); a
 * browser names the page's origin on every cross-origin request, so one naming another origin than the
 * mock's (as the request reached it, or its public URL behind a proxy) is refused.
 */
function ownOrigin(headers: IncomingHttpHeaders, publicUrl: string): boolean {
  const origin = headers.origin;
  if (origin === undefined) return true;
  try {
    const { host } = new URL(origin);
    return host === headers.host || origin === new URL(publicUrl).origin;
  } catch {
    return false;
  }
}

/**
 * Without a token, the control API answers only requests addressed to this mock by one of its own names:
 * localhost, a loopback address, or its public URL's host. A web page can point a name of its own at
 * 127.0.0.1 (DNS rebinding) and then read a laptop mock's client secrets as if same-origin; its requests
 * name its own host, and are refused here.
 */
function checkOwnHost(headers: IncomingHttpHeaders, publicUrl: string): void {
  const host = (headers.host ?? '').toLowerCase();
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  let publicHost = '';
  try {
    publicHost = new URL(publicUrl).hostname.toLowerCase().replace(/^\[|\]$/g, '');
  } catch {
    // An unparsable public URL names no host.
  }
  const loopback = name === 'localhost' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name) || name === '::1';
  if (loopback || name === publicHost) return;
  throw new MockError(
    403,
    'forbidden',
    `The control API answers requests to this mock's own names only (localhost, a loopback address, its public URL), not to "${name}": a page that points its own name at this mock (DNS rebinding) must not reach it. Start with --control-token (or --control-open) to serve other names.`,
  );
}

function refusal(message: string, error?: 'invalid_token'): MockError {
  return new MockError(401, 'unauthorized', message, {
    headers: { 'WWW-Authenticate': error ? `${REALM}, error="${error}"` : REALM },
  });
}
