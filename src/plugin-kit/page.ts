/**
 * One layout and stylesheet for every provider's pages (login forms, consent pages, landing pages):
 * a card with the provider's name, the content, and a line saying it is an emulation. Each provider
 * keeps its own wording; the look, and the headers every such page needs, are shared.
 *
 * The headers: never framed (a login or consent button must not be clickjacked), no Referer (page URLs
 * carry state, secrets or one-time tokens), nothing loaded or run but the one inline stylesheet, which a
 * per-answer nonce allows. No-store is not here: the core adds it to what a plugin marks `sensitive`.
 */
import type { MockResponse } from '../plugin.ts';
import { escapeHtml } from './html.ts';
import { randomId } from './secrets.ts';

const STYLE = `
  :root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: #f3f5f8; color: #1c2430; }
  main { width: min(26rem, calc(100vw - 2rem)); background: #fff; border-radius: 12px; padding: 2rem;
         box-shadow: 0 1px 3px rgb(0 0 0 / 8%), 0 8px 24px rgb(0 0 0 / 6%); box-sizing: border-box; }
  h1 { font-size: 1.35rem; margin: 0 0 .5rem; }
  p { line-height: 1.45; margin: 0 0 1rem; }
  .brand { font-weight: 700; letter-spacing: .02em; color: #0b5cad; margin-bottom: 1.25rem; }
  form { display: grid; gap: .35rem; }
  label { font-weight: 600; font-size: .9rem; margin-top: .6rem; }
  input, select { font: inherit; min-width: 0; padding: .6rem .7rem; border: 1px solid #b8c2cf; border-radius: 8px; }
  input:focus, select:focus { outline: 2px solid #0b5cad; outline-offset: 1px; border-color: #0b5cad; }
  .actions { display: flex; gap: .75rem; flex-wrap: wrap; }
  button { font: inherit; font-weight: 600; margin-top: 1.2rem; padding: .7rem 1.1rem; border: 0; border-radius: 8px;
           background: #0b5cad; color: #fff; cursor: pointer; }
  button:hover, button:focus-visible { background: #094a8b; }
  button.secondary { background: #e7ebf0; color: #1c2430; }
  button.secondary:hover, button.secondary:focus-visible { background: #d5dbe3; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0 0 1rem; }
  dt { font-weight: 600; } dd { margin: 0; overflow-wrap: anywhere; }
  .alert { background: #fdecec; color: #8a1c1c; border: 1px solid #f2b8b8; border-radius: 8px; padding: .6rem .75rem; }
  .note { font-size: .8rem; color: #5b6878; margin: 1.25rem 0 0; }
  code { overflow-wrap: anywhere; }
`;

export interface PageOptions {
  /** The provider's name as its pages show it, e.g. `Just2Trade`. */
  brand: string;
  /** The document title (text). */
  title: string;
  /** The page's content: markup the caller built, with every value in it escaped (`escapeHtml`). */
  content: string;
  /** What the emulation stands in for, for the footer: "the Just2Trade sign-in". */
  standsInFor: string;
}

/** A complete page and the headers it must be sent with. */
export function renderPage(options: PageOptions): { html: string; headers: Record<string, string> } {
  const nonce = randomId(16);
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)}</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<main>
<div class="brand">${escapeHtml(options.brand)}</div>
${options.content}
<p class="note">partnermock: a local emulation of ${escapeHtml(options.standsInFor)}, not the real service.</p>
</main>
</body>
</html>
`;
  return { html, headers: pageHeaders(nonce) };
}

/** A page as an answer. */
export function pageAnswer(status: number, options: PageOptions, headers: Record<string, string> = {}): MockResponse {
  const page = renderPage(options);
  return { status, contentType: 'text/html', body: page.html, headers: { ...page.headers, ...headers } };
}

/** The headers of every page, and of the redirects that leave one (no framing, no Referer, no scripts). */
export function pageHeaders(nonce?: string): Record<string, string> {
  return {
    'X-Frame-Options': 'DENY',
    'Content-Security-Policy': `default-src 'none'; style-src ${nonce ? `'nonce-${nonce}'` : "'none'"}; base-uri 'none'; frame-ancestors 'none'`,
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
  };
}
