/**
 * The merchant page's HTML. Everything that comes from a request or a fixture goes through `escape`;
 * the markup is plain (no script) so it works in any browser and parses easily in tests.
 */
import { escapeHtml as escape } from '../../../src/index.ts';
import type { KeetaApp, KeetaAuthorization, Merchant } from '../fixtures.ts';

/**
 * Sent with every merchant page answer, errors included. The page holds one-time tokens and, after
 * authorizing, a code: never cached (the plugin marks the pages `sensitive`), never framed (no clickjacking of the
 * Authorize button), and
 * its URL (which carries `state`) is not leaked as a Referer. No CSP `form-action`: browsers apply it
 * to the redirect that follows the form, which goes to the app's own origin.
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
};

const STYLE = `body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#222}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dt{font-weight:600}dd{margin:0;word-break:break-all}
select,button{font:inherit;padding:.4rem .8rem;margin:.5rem .5rem .5rem 0}`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

function details(rows: [id: string, label: string, value: string][]): string {
  return `<dl>\n${rows.map(([id, label, value]) => `  <dt>${escape(label)}</dt><dd id="${id}">${escape(value)}</dd>`).join('\n')}\n</dl>`;
}

export interface AuthorizeFormView {
  app: KeetaApp;
  merchants: Merchant[];
  action: string;
  formId: string;
  csrfToken: string;
  redirectUri?: string;
}

export function renderAuthorizeForm(view: AuthorizeFormView): string {
  const { app, merchants } = view;
  const options = merchants
    .map((merchant, index) => {
      const label = `${merchant.name}${merchant.city ? ` (${merchant.city})` : ''}, merchant ID ${merchant.id}`;
      return `    <option value="${escape(merchant.id)}"${index === 0 ? ' selected' : ''}>${escape(label)}</option>`;
    })
    .join('\n');
  const destination = view.redirectUri
    ? `<p>After you decide you will be sent back to <strong id="redirectTarget">${escape(view.redirectUri)}</strong>.</p>`
    : '<p>The application gave no address to return to: the result will be shown on this page.</p>';
  return layout(
    'Keeta: authorize an application',
    `<h1>Authorize application ${escape(app.appId)}</h1>
<p>An application wants access to your Keeta store.</p>
${details([
  ['appId', 'Application ID', app.appId],
  ['mode', 'Authorization mode', app.mode],
  ['region', 'Region', app.region],
  ['cityId', 'City ID', app.cityId],
  ['locale', 'Locale', app.locale],
])}
${destination}
<form method="post" action="${escape(view.action)}">
  <input type="hidden" name="authorizationRequest" value="${escape(view.formId)}">
  <input type="hidden" name="csrfToken" value="${escape(view.csrfToken)}">
  <p><label for="merchantId">Merchant</label><br>
  <select id="merchantId" name="merchantId" required>
${options}
  </select></p>
  ${merchants.length ? '' : '<p>There are no merchants in this session: add one at /__mock/keeta/merchants.</p>\n  '}<button type="submit" name="decision" value="authorize">Authorize</button>
  <button type="submit" name="decision" value="deny" formnovalidate>Deny</button>
</form>`,
  );
}

/** Shown instead of a redirect when the link had no redirectUri. */
export function renderDecisionPage(authorization: KeetaAuthorization): string {
  if (authorization.decision === 'denied') {
    return layout(
      'Keeta: authorization denied',
      `<h1>Authorization denied</h1>
<p>You denied application ${escape(authorization.appId)} access.</p>
${details([
  ['authId', 'Authorization ID', authorization.authId],
  ['appId', 'Application ID', authorization.appId],
  ['state', 'State', authorization.state],
])}`,
    );
  }
  const rows: [string, string, string][] = [
    ['authId', 'Authorization ID', authorization.authId],
    ['appId', 'Application ID', authorization.appId],
    ['state', 'State', authorization.state],
    ['timestamp', 'Timestamp', String(authorization.timestamp)],
  ];
  if (authorization.code !== undefined) {
    rows.push(
      ['keetaMerchantId', 'Keeta merchant ID', authorization.merchantId ?? ''],
      ['code', 'Authorization code', authorization.code],
    );
  }
  return layout(
    'Keeta: authorization complete',
    `<h1>Authorization complete</h1>
<p>Application ${escape(authorization.appId)} is now authorized for ${escape(authorization.merchantName ?? 'your store')}.</p>
${details(rows)}`,
  );
}

export function renderErrorPage(status: number, title: string, message: string): string {
  return layout(
    `Keeta: ${title}`,
    `<h1>${escape(title)}</h1>
<p id="error">${escape(message)}</p>
<p>Status ${status}. This request changed nothing.</p>`,
  );
}
