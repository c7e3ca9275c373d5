/** Builders for handler answers and the one function that writes a MockResponse to express. */
import type { Response } from 'express';
import type { MockResponse, Respond } from '../plugin.ts';
import { isJsonMediaType } from './media-type.ts';

export const respond: Respond = {
  json: (status, body, headers = {}) => ({ status, headers, contentType: 'application/json', body }),
  html: (status, html, headers = {}) => ({ status, headers, contentType: 'text/html', body: html }),
  redirect: (location, status = 302, headers = {}) => ({ status, headers: { ...headers, Location: location } }),
  empty: (status, headers = {}) => ({ status, headers }),
};

/** For answers that carry a token, code, secret or one-time link (RFC 6749 §5.1, RFC 9700). */
export const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' } as const;

/**
 * Writes an answer with node's own calls: express's `res.send` looks the type up, hashes for ETags and
 * re-encodes, none of which an answer whose type and text are known needs. Node drops the body of a
 * HEAD answer itself.
 */
export function sendMockResponse(res: Response, response: MockResponse): void {
  res.statusCode = response.status;
  const headers = response.headers;
  if (headers) for (const name in headers) res.setHeader(name, headers[name]!);
  if (response.body === undefined) {
    res.end();
    return;
  }
  const contentType = response.contentType ?? 'application/json';
  const text =
    typeof response.body === 'string' && !isJsonMediaType(contentType) ? response.body : JSON.stringify(response.body);
  if (!res.hasHeader('Content-Type')) res.setHeader('Content-Type', withCharset(contentType));
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

/** Text media types are sent as UTF-8, and say so. */
function withCharset(contentType: string): string {
  return contentType.includes('charset=') ? contentType : `${contentType}; charset=utf-8`;
}
