/** Redirects back to the client's registered redirect URI (RFC 6749 §4.1.2, §4.1.2.1). */

/**
 * `redirectUri` with `params` added to its query: `{redirect_uri}?code=…`, or `&code=…` when the
 * registered URI has a query of its own, which is kept exactly as registered (RFC 6749 §3.1.2). The
 * URI is not re-serialised (no URL parsing), so the client gets back the very string it registered.
 * The new parameters are form-urlencoded by URLSearchParams, so a `state` with `&`, `=`, `#` or spaces
 * comes back intact. Parameters whose value is undefined are left out. A registered URI cannot hold
 * a fragment (the `clients` schema refuses one, RFC 6749 §3.1.2).
 */
export function redirectUriWith(redirectUri: string, params: Record<string, string | undefined>): string {
  const added = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) added.append(name, value);
  const separator = !redirectUri.includes('?') ? '?' : /[?&]$/.test(redirectUri) ? '' : '&';
  return `${redirectUri}${separator}${added}`;
}
