/**
 * Just2Trade's HTML: the login form and the error page of the authorization flow. Every value that
 * reaches the markup is escaped; every page goes out with headers that keep it out of caches and
 * frames (the login form must not be clickjacked) and keep its URL, which carries the client secret
 * as the docs prescribe, out of Referer headers.
 */
import { escapeHtml, randomId, type MockResponse } from '../../src/index.ts';

export interface HtmlAnswer {
  html: string;
  headers: Record<string, string>;
}

const STYLE = `
  :root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: #f3f5f8; color: #1c2430; }
  main { width: min(24rem, calc(100vw - 2rem)); background: #fff; border-radius: 12px; padding: 2rem;
         box-shadow: 0 1px 3px rgb(0 0 0 / 8%), 0 8px 24px rgb(0 0 0 / 6%); box-sizing: border-box; }
  h1 { font-size: 1.35rem; margin: 0 0 .5rem; }
  p { line-height: 1.45; margin: 0 0 1rem; }
  .brand { font-weight: 700; letter-spacing: .02em; color: #0b5cad; margin-bottom: 1.25rem; }
  form { display: grid; gap: .35rem; }
  label { font-weight: 600; font-size: .9rem; margin-top: .6rem; }
  input { font: inherit; padding: .6rem .7rem; border: 1px solid #b8c2cf; border-radius: 8px; }
  input:focus { outline: 2px solid #0b5cad; outline-offset: 1px; border-color: #0b5cad; }
  button { font: inherit; font-weight: 600; margin-top: 1.2rem; padding: .7rem; border: 0; border-radius: 8px;
           background: #0b5cad; color: #fff; cursor: pointer; }
  button:hover, button:focus-visible { background: #094a8b; }
  .alert { background: #fdecec; color: #8a1c1c; border: 1px solid #f2b8b8; border-radius: 8px; padding: .6rem .75rem; }
  .note { font-size: .8rem; color: #5b6878; margin: 1.25rem 0 0; }
  code { overflow-wrap: anywhere; }
`;

/** A complete page and the headers it must be sent with. */
export function htmlDocument(title: string, content: string): HtmlAnswer {
  // The one inline style is allowed by a per-response nonce; nothing else may load or run.
  const nonce = randomId(16);
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<main>
<div class="brand">Just2Trade</div>
${content}
<p class="note">partnermock: a local emulation of the Just2Trade sign-in, not the real service.</p>
</main>
</body>
</html>
`;
  return { html, headers: pageHeaders(nonce) };
}

/** Headers for every page of the flow, and for its redirects (no framing, no Referer; no-store comes from
 * `sensitive`). */
export function pageHeaders(nonce?: string): Record<string, string> {
  return {
    'X-Frame-Options': 'DENY',
    'Content-Security-Policy': `default-src 'none'; style-src ${nonce ? `'nonce-${nonce}'` : "'none'"}; base-uri 'none'; frame-ancestors 'none'`,
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
  };
}

export interface LoginFormView {
  clientId: string;
  /** Path of the login POST, e.g. `/just2trade/auth/connect/authorize/login`. */
  action: string;
  pendingId: string;
  csrfToken: string;
  /** Shown again after a failed attempt. */
  login?: string;
  message?: string;
}

export function renderLoginPage(view: LoginFormView): HtmlAnswer {
  const retry = view.message !== undefined;
  return htmlDocument(
    'Sign in - Just2Trade',
    `<h1>Sign in</h1>
<p><strong>${escapeHtml(view.clientId)}</strong> is asking for access to your Just2Trade account.</p>
${retry ? `<p class="alert" role="alert">${escapeHtml(view.message ?? '')}</p>\n` : ''}<form method="post" action="${escapeHtml(view.action)}">
<input type="hidden" name="pending" value="${escapeHtml(view.pendingId)}">
<input type="hidden" name="csrf_token" value="${escapeHtml(view.csrfToken)}">
<label for="login">Login</label>
<input id="login" name="login" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required${retry ? '' : ' autofocus'} value="${escapeHtml(view.login ?? '')}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${retry ? ' autofocus' : ''}>
<button type="submit">Sign in</button>
</form>`,
  );
}

/** The page shown instead of redirecting, when the request cannot be trusted or is no longer valid. */
export function renderErrorPage(
  code: string,
  description: string,
  advice = 'You were not sent back to the application. Go back to it and start signing in again.',
): HtmlAnswer {
  return htmlDocument(
    'Sign-in error - Just2Trade',
    `<h1>Sign-in request refused</h1>
<p class="alert" role="alert"><strong>${escapeHtml(code)}</strong>: ${escapeHtml(description)}</p>
<p>${escapeHtml(advice)}</p>`,
  );
}

/** A rendered page as an answer, with the headers it must go out with. */
export function htmlAnswer(status: number, page: HtmlAnswer): MockResponse {
  return { status, headers: page.headers, contentType: 'text/html', body: page.html };
}
