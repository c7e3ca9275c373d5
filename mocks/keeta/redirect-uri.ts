/**
 * The rules a `redirectUri` must meet, in one place: the URL endpoint checks them before it hands out
 * a link, and the merchant page checks them again on every GET and POST, because the link is only a
 * URL anyone can edit and the app's registration may change in between.
 *
 * All of it is inferred (the docs say only that `redirectUri` is optional): an absolute http(s) URL
 * that parses (so it has a host) and has no fragment (RFC 6749 §3.1.2 forbids one; the parameters go in the query),
 * and,
 * when the app has registered `redirectUris`, exactly one of them — string equality, no
 * normalisation, so no prefix, suffix or case trick gets through.
 */
import { fullFormats } from 'ajv-formats/dist/formats.js';
import type { KeetaApp } from './fixtures.ts';

/** ajv-formats' `uri` check: the one the core applies to the spec's `format: uri`. */
const isUri = fullFormats.uri as (value: string) => boolean;

/** Why a redirectUri is refused, as a sentence for a problem `detail` or an error page; undefined when it is
 * acceptable. */
export function redirectUriProblem(app: KeetaApp, redirectUri: string): string | undefined {
  // The spec's pattern and format, checked here too because the merchant page reads the link's query
  // unvalidated: page and API accept exactly the same URIs. (The WHATWG URL parser alone would quietly
  // drop a tab or encode a space, so the RFC 3986 check comes first.)
  if (!/^https?:\/\//.test(redirectUri))
    return 'The redirectUri must be an absolute http or https URL (starting with http:// or https://).';
  if (!isUri(redirectUri))
    return 'The redirectUri is not a valid URI (RFC 3986): spaces, quotes, < > and non-ASCII characters must be percent-encoded.';
  // For http(s) the WHATWG parser requires a host, so `http://` or `https://[::1` fail here.
  if (!URL.canParse(redirectUri)) return 'The redirectUri is not a valid absolute URL.';
  if (redirectUri.includes('#'))
    return 'The redirectUri must not contain a fragment (#...): the parameters are sent in its query.';
  if (app.redirectUris && !app.redirectUris.includes(redirectUri)) {
    return 'The redirectUri is not registered for this application: it must equal one of its redirectUris exactly.';
  }
  return undefined;
}
