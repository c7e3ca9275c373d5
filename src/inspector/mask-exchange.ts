/**
 * Secrets out of an exchange: passwords, client and other secrets, private keys, CSRF tokens, cookie
 * values and Basic credentials masked; tokens kept (they are what a developer debugs). What the inspector
 * shows (exchange-detail.ts), and what the Redis journal stores, so a shared Redis holds no secret either.
 */
import type { Exchange } from '../state/journal.ts';
import { KEPT_BODY_CHARS } from '../server/request-log.ts';

/** What a masked value reads as. */
export const MASKED = '[masked]';

/** Field and parameter names whose values are secrets (not tokens: those stay), and CSRF tokens with the cookies. */
export const SECRET_NAME = /pass(word)?|secret|private_?key|^pwd$|credential|csrf/i;

/** Headers whose values are secrets wherever they appear (cookie values; the names stay). */
const COOKIE_HEADERS: ReadonlySet<string> = new Set(['cookie', 'set-cookie']);

/** Headers that carry URLs, whose secret-named query parameters are masked like the request's. */
const URL_HEADERS: ReadonlySet<string> = new Set(['referer', 'location', 'content-location']);

/** Bodies are shown up to this many characters (the journal keeps no more of a request's). */
const MAX_BODY_CHARS = KEPT_BODY_CHARS;

/** A request as shown: headers flattened and masked, the body parsed where it is JSON or a form. */
export interface MaskedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
}

export interface MaskedResponse {
  status: number;
  headers: Record<string, string>;
  contentType?: string;
  body?: unknown;
}

export function maskedRequest(request: Exchange['request']): MaskedRequest {
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

export function maskedResponse(response: NonNullable<Exchange['response']>): MaskedResponse {
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
