/**
 * One journal entry's whole exchange, as `GET /__mock/journal/{id}` and the inspector show it: the request
 * and the answer, with secrets masked and every JWT in them decoded and, where its provider can tell,
 * verified. Secrets are passwords, client and other secrets, private keys, cookies and Basic credentials;
 * tokens stay visible, since they are what a developer debugs. Done when asked, never on the request path.
 */
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { AppContext } from '../server/app-context.ts';
import { pluginContext } from '../server/plugin-context.ts';
import { KEPT_BODY_CHARS } from '../server/request-log.ts';
import type { Exchange, JournalEntry } from '../state/journal.ts';

/** What a masked value reads as. */
export const MASKED = '[masked]';

/** Field and parameter names whose values are secrets (not tokens: those stay), and CSRF tokens with the cookies. */
const SECRET_NAME = /pass(word)?|secret|private_?key|^pwd$|credential|csrf/i;

/** Headers whose values are secrets wherever they appear (cookie values; the names stay). */
const COOKIE_HEADERS: ReadonlySet<string> = new Set(['cookie', 'set-cookie']);

/** Headers that carry URLs, whose secret-named query parameters are masked like the request's. */
const URL_HEADERS: ReadonlySet<string> = new Set(['referer', 'location', 'content-location']);

/** Bodies are shown up to this many characters (the journal keeps no more of a request's). */
const MAX_BODY_CHARS = KEPT_BODY_CHARS;

const JWT = /^[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*$/;

export interface DecodedToken {
  /** Where it was found, e.g. `response.body.accessToken.token`, `request.headers.authorization`. */
  where: string;
  token: string;
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  /** `true`/`false` when the provider could check it (with the keys it signs or trusts), else undefined. */
  verified?: boolean;
  verification: string;
  /** `iat`, `nbf` and `exp` as ISO times, and the seconds left until `exp` on the session's clock. */
  times: { issuedAt?: string; notBefore?: string; expiresAt?: string; expiresInSeconds?: number };
}

export interface ExchangeDetail {
  entry: JournalEntry;
  request?: { method: string; url: string; headers: Record<string, string>; body?: unknown };
  response?: { status: number; headers: Record<string, string>; contentType?: string; body?: unknown };
  tokens: DecodedToken[];
  /** The session's clock when this was read, for the token times. */
  sessionNow: string;
}

export async function exchangeDetail(app: AppContext, id: string): Promise<ExchangeDetail | undefined> {
  const found = await app.journal.get(id);
  if (!found) return undefined;
  const { entry, exchange } = found;
  const session = app.sessions.peek(entry.session);
  const nowMs = session ? session.clock.nowMs() : Date.now();
  const detail: ExchangeDetail = {
    entry,
    tokens: [],
    sessionNow: new Date(nowMs).toISOString(),
  };
  if (exchange) {
    detail.request = maskedRequest(exchange.request);
    if (exchange.response) detail.response = maskedResponse(exchange.response);
    detail.tokens = await decodedTokens(app, entry, detail, nowMs);
  }
  return detail;
}

function maskedRequest(request: Exchange['request']): NonNullable<ExchangeDetail['request']> {
  return {
    method: request.method,
    url: maskedQuery(request.url),
    headers: maskedHeaders(request.headers),
    ...(request.body !== undefined ? { body: maskedBody(parsedText(request.body)) } : {}),
  };
}

/**
 * A URL (or a path with a query) with the values of secret-named parameters masked, the rest exactly as
 * sent: a redirect URI compared character for character must show as it was.
 */
function maskedQuery(url: string): string {
  const start = url.indexOf('?');
  if (start === -1) return url;
  const end = url.indexOf('#', start);
  const query = url.slice(start + 1, end === -1 ? undefined : end);
  const masked = query
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals === -1 ? pair : pair.slice(0, equals);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // a malformed name is judged as written
      }
      return equals !== -1 && SECRET_NAME.test(decoded) ? `${name}=${MASKED}` : pair;
    })
    .join('&');
  return `${url.slice(0, start + 1)}${masked}${end === -1 ? '' : url.slice(end)}`;
}

function maskedResponse(response: NonNullable<Exchange['response']>): NonNullable<ExchangeDetail['response']> {
  return {
    status: response.status,
    headers: maskedHeaders(response.headers),
    ...(response.contentType ? { contentType: response.contentType } : {}),
    ...(response.body !== undefined
      ? { body: maskedBody(typeof response.body === 'string' ? parsedText(response.body) : response.body) }
      : {}),
  };
}

function maskedHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    const text = Array.isArray(value) ? value.join(', ') : String(value);
    if (COOKIE_HEADERS.has(lower)) result[lower] = maskCookies(text);
    // Basic credentials are a client id and its secret; a Bearer token is a token, and stays.
    else if (lower === 'authorization' || lower === 'proxy-authorization') {
      result[lower] = /^bearer\s/i.test(text) ? text : `${text.split(/\s/, 1)[0]} ${MASKED}`;
    } else if (URL_HEADERS.has(lower)) result[lower] = maskedQuery(text);
    else result[lower] = text;
  }
  return result;
}

/** `a=1; Path=/` → `a=[masked]; Path=/`: the names and attributes stay, the values go. */
function maskCookies(text: string): string {
  return text.replace(/(^|[;,]\s*)([^=;,\s]+)=([^;,]*)/g, (whole, lead: string, name: string) =>
    /^(path|domain|expires|max-age|samesite|secure|httponly)$/i.test(name) ? whole : `${lead}${name}=${MASKED}`,
  );
}

/**
 * A body's text as JSON or a form when it is one (shown structured), else the text with the values of
 * secret-named fields masked where they can be seen (JSON members, form pairs, HTML inputs).
 */
function parsedText(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      return maskedText(text);
    }
  }
  if (!/[\s<>{}]/.test(trimmed) && trimmed.includes('=')) return maskedBody(formObject(trimmed));
  return maskedText(text);
}

/** A form body as an object (a repeated field keeps its last value), every pair kept, however written. */
function formObject(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(text)) result[name] = value;
  return result;
}

/** Text that did not parse: secret-named JSON members, form pairs and HTML inputs masked in place. */
function maskedText(text: string): string {
  const secret = SECRET_NAME.source;
  return text
    .replace(new RegExp(`("[^"]*(?:${secret})[^"]*"\\s*:\\s*)("(?:[^"\\\\]|\\\\.)*"|[^,}\\s]+)`, 'gi'), `$1"${MASKED}"`)
    .replace(new RegExp(`((?:^|[&?\\s])[^=&\\s]*(?:${secret})[^=&\\s]*=)[^&\\s]*`, 'gi'), `$1${MASKED}`)
    .replace(new RegExp(`(<input\\b[^>]*\\bname="[^"]*(?:${secret})[^"]*"[^>]*\\bvalue=")[^"]*`, 'gi'), `$1${MASKED}`)
    .slice(0, MAX_BODY_CHARS);
}

/** Values under a secret-named field are masked whatever they are (a string, a list, an object). */
function maskedBody(value: unknown, depth = 0): unknown {
  if (depth > 20 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => maskedBody(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([name, item]) => [
      name,
      SECRET_NAME.test(name) && item !== null && item !== undefined ? MASKED : maskedBody(item, depth + 1),
    ]),
  );
}

/** Every JWT in the (masked) exchange, decoded, verified by the entry's provider when it can. */
async function decodedTokens(
  app: AppContext,
  entry: JournalEntry,
  detail: ExchangeDetail,
  nowMs: number,
): Promise<DecodedToken[]> {
  const found: { where: string; token: string }[] = [];
  const visit = (value: unknown, where: string, depth = 0) => {
    if (depth > 20) return;
    if (typeof value === 'string') {
      const token = value.replace(/^bearer\s+/i, '');
      if (JWT.test(token)) found.push({ where, token });
    } else if (Array.isArray(value)) value.forEach((item, index) => visit(item, `${where}[${index}]`, depth + 1));
    else if (value && typeof value === 'object') {
      for (const [name, item] of Object.entries(value)) visit(item, `${where}.${name}`, depth + 1);
    }
  };
  visit(detail.request?.headers, 'request.headers');
  visit(Object.fromEntries(new URL(detail.request?.url ?? '/', 'http://mock.invalid').searchParams), 'request.query');
  visit(detail.request?.body, 'request.body');
  visit(detail.response?.body, 'response.body');

  const runtime = app.runtimes.find((candidate) => candidate.name === entry.provider);
  const tokens: DecodedToken[] = [];
  for (const { where, token } of found) {
    let header: Record<string, unknown>;
    let claims: Record<string, unknown>;
    try {
      header = decodeProtectedHeader(token) as Record<string, unknown>;
      claims = decodeJwt(token) as Record<string, unknown>;
    } catch {
      continue; // three dotted parts, but not a JWT
    }
    let verified: boolean | undefined;
    // Checked with the session's keys as they are now; a session since reset or dropped has none to ask.
    const scoped = app.sessions.peek(entry.session)?.providers.has(runtime?.name ?? '');
    let verification = !runtime?.plugin.inspectToken
      ? 'not checked: the provider has no way to verify it'
      : 'not checked: the session was reset or dropped since, and its keys with it';
    if (runtime?.plugin.inspectToken && scoped) {
      try {
        const result = await runtime.plugin.inspectToken(token, await pluginContext(runtime, app, entry.session));
        if (result) ({ verified, verification } = { verified: result.verified, verification: result.detail });
      } catch (error) {
        verification = `not checked: ${(error as Error).message}`;
      }
    }
    tokens.push({
      where,
      token,
      header,
      claims,
      ...(verified !== undefined ? { verified } : {}),
      verification,
      times: timesOf(claims, nowMs),
    });
  }
  return tokens;
}

function timesOf(claims: Record<string, unknown>, nowMs: number): DecodedToken['times'] {
  // A claim far outside what a date can hold (a crafted exp of 1e300) is shown raw in the claims, not here.
  const iso = (seconds: unknown) =>
    typeof seconds === 'number' && Math.abs(seconds) <= 8.64e12 ? new Date(seconds * 1000).toISOString() : undefined;
  const times: DecodedToken['times'] = {};
  const issuedAt = iso(claims.iat);
  const notBefore = iso(claims.nbf);
  const expiresAt = iso(claims.exp);
  if (issuedAt) times.issuedAt = issuedAt;
  if (notBefore) times.notBefore = notBefore;
  if (expiresAt !== undefined) {
    times.expiresAt = expiresAt;
    times.expiresInSeconds = Math.round((claims.exp as number) - nowMs / 1000);
  }
  return times;
}
