/**
 * `redirectUri` with `params` added to its query: `{uri}?code=…`, or `&code=…` when the URI has a query
 * of its own, which is kept exactly as registered (RFC 6749 §3.1.2). The URI is not re-serialised (no
 * URL parsing), so the client gets back the very string it registered. The new parameters are
 * form-urlencoded, so a `state` with `&`, `=`, `#` or spaces comes back intact; undefined values are
 * left out. The caller refuses URIs with a fragment beforehand (a fragment would swallow the query).
 */
export function withQueryParameters(
  redirectUri: string,
  params: URLSearchParams | Record<string, string | undefined>,
): string {
  const added = new URLSearchParams();
  if (params instanceof URLSearchParams) params.forEach((value, name) => added.append(name, value));
  else for (const [name, value] of Object.entries(params)) if (value !== undefined) added.append(name, value);
  const separator = !redirectUri.includes('?') ? '?' : /[?&]$/.test(redirectUri) ? '' : '&';
  return `${redirectUri}${separator}${added}`;
}
