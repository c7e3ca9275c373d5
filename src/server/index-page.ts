/** The small HTML index at `/`: providers, base URLs, default credentials, recent requests. */
import type { JournalEntry } from '../state/journal.ts';
import { escapeHtml } from '../plugin-kit/html.ts';

export interface IndexProvider {
  name: string;
  title: string;
  baseUrls: string[];
  specUrl: string;
  operations: { operationId: string; method: string; path: string; stateful: boolean }[];
  credentials: string[];
}

export function renderIndexPage(providers: IndexProvider[], recent: JournalEntry[]): string {
  const sections = providers
    .map(
      (provider) => `
  <section>
    <h2>${escapeHtml(provider.title)} <small>(${escapeHtml(provider.name)})</small></h2>
    <p>Base URL${provider.baseUrls.length > 1 ? 's' : ''}: ${provider.baseUrls.map((url) => `<code>${escapeHtml(url)}</code>`).join(', ')}
       · <a href="${escapeHtml(provider.specUrl)}">OpenAPI</a></p>
    <table>
      <tr><th>operation</th><th>request</th><th>answered by</th></tr>
      ${provider.operations
        .map(
          (op) =>
            `<tr><td>${escapeHtml(op.operationId)}</td><td><code>${escapeHtml(op.method)} ${escapeHtml(op.path)}</code></td><td>${op.stateful ? 'stateful handler' : 'spec examples'}</td></tr>`,
        )
        .join('\n      ')}
    </table>
    ${provider.credentials.length ? `<ul>${provider.credentials.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>` : ''}
  </section>`,
    )
    .join('\n');
  const rows = recent
    .map(
      (entry) =>
        `<tr><td>${escapeHtml(entry.time)}</td><td>${escapeHtml(entry.session)}</td><td>${escapeHtml(entry.provider ?? '')}</td><td>${escapeHtml(entry.operationId ?? entry.page ?? '')}</td><td><code>${escapeHtml(entry.method)} ${escapeHtml(entry.path)}</code></td><td>${entry.status}</td></tr>`,
    )
    .join('\n    ');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>partnermock</title>
  <style>
    body { font: 15px/1.45 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
    table { border-collapse: collapse; margin: .5rem 0; }
    td, th { border-bottom: 1px solid #ddd; padding: .25rem .6rem; text-align: left; }
    code { background: #f4f4f4; padding: 0 .2rem; }
  </style>
</head>
<body>
  <h1>partnermock</h1>
  <p>Local emulations of partner auth APIs. Control API: <a href="/__mock/providers"><code>/__mock</code></a>.</p>
  ${sections}
  <h2>Recent requests</h2>
  <table>
    <tr><th>time</th><th>session</th><th>provider</th><th>operation</th><th>request</th><th>status</th></tr>
    ${rows || '<tr><td colspan="6">none yet</td></tr>'}
  </table>
</body>
</html>
`;
}
