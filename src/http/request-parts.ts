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

export function lowerCaseHeaders(req: Request): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const pair of (header ?? '').split(';')) {
    const index = pair.indexOf('=');
    if (index <= 0) continue;
    const name = pair.slice(0, index).trim();
    const value = pair.slice(index + 1).trim().replace(/^"(.*)"$/, '$1');
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

/** Express 5 route syntax for an OpenAPI path template: `/users/{id}` → `/users/:id`. */
export function expressPath(template: string): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => `:${name.replace(/[^A-Za-z0-9_]/g, '_')}`);
}
