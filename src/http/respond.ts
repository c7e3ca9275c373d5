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

export function sendMockResponse(res: Response, response: MockResponse): void {
  res.status(response.status);
  for (const [name, value] of Object.entries(response.headers ?? {})) res.setHeader(name, value);
  if (response.body === undefined) {
    res.end();
    return;
  }
  const contentType = response.contentType ?? 'application/json';
  const text =
    typeof response.body === 'string' && !isJsonMediaType(contentType) ? response.body : JSON.stringify(response.body);
  res.type(contentType).send(text);
}
