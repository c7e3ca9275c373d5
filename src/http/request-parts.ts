/** Small readers for the raw parts of an express request. */
import type { Request } from 'express';

/** The query string as sent (express's parsed `req.query` loses repeated names and order). */
export function rawQuery(req: Request): URLSearchParams {
  const index = req.originalUrl.indexOf('?');
  return new URLSearchParams(index === -1 ? '' : req.originalUrl.slice(index + 1));
}

export function queryObject(query: URLSearchParams): Record<string, unknown> {
  // No prototype: a parameter called `__proto__` is a parameter, not a way to reshape the object.
  const result: Record<string, unknown> = Object.create(null);
  for (const name of new Set(query.keys())) {
    const values = query.getAll(name);
    result[name] = values.length > 1 ? values : values[0];
  }
  return result;
}

/**
 * The request's headers, each as one string. Node already lower-cases the names and joins repeated
 * headers, except `set-cookie` (never sent in a request): so the headers are used as they are unless a
 * value is an array.
 */
export function requestHeaders(req: Request): Record<string, string | undefined> {
  const raw = req.headers;
  for (const name in raw) {
    if (Array.isArray(raw[name])) {
      const headers: Record<string, string | undefined> = {};
      for (const key in raw) {
        const value = raw[key];
        headers[key] = Array.isArray(value) ? value.join(', ') : value;
      }
      return headers;
    }
  }
  return raw as Record<string, string | undefined>;
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  if (!header) return cookies;
  for (const pair of (header ?? '').split(';')) {
    const index = pair.indexOf('=');
    if (index <= 0) continue;
    const name = pair.slice(0, index).trim();
    const value = pair
      .slice(index + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    try {
      cookies[name] = decodeURIComponent(value);
    } catch {
      cookies[name] = value;
    }
  }
  return cookies;
}

/** The TCP peer's address, IPv4-mapped IPv6 (`::ffff:127.0.0.1`) written as IPv4. Never from headers. */
export function remoteAddress(req: Request): string {
  const address = req.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/**
 * Headers that decide who a request is, what its body is, or which session it belongs to. Node keeps
 * the first of two `Authorization` or `Content-Type` headers and joins two `Cookie` or `X-Mock-Session`
 * headers into one value; a proxy in front may pick the other one. A request that sends one of these
 * twice is ambiguous, and is refused rather than answered for either copy.
 */
export const SINGLE_VALUED_HEADERS = ['authorization', 'content-type', 'content-length', 'cookie', 'x-mock-session'];

/** The first security-relevant header the request carries more than once, with its count. */
export function repeatedHeader(rawHeaders: string[]): { name: string; count: number } | undefined {
  let counts: Map<string, number> | undefined;
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const name = rawHeaders[index]!.toLowerCase();
    if (!SINGLE_VALUED_HEADERS.includes(name)) continue;
    counts ??= new Map();
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  for (const [name, count] of counts ?? []) if (count > 1) return { name, count };
  return undefined;
}
