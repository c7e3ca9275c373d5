/** The small HTML pages of the B2COPY Web UI stand-in. Everything interpolated is escaped. */
import { escapeHtml } from '../../../src/index.ts';

/** A complete page; `title` and `message` are text (escaped here), never markup. */
export function page(title: string, message: string): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)} · B2COPY Web UI (partnermock)</title></head>`,
    '<body>',
    `<h1>${escapeHtml(title)}</h1>`,
    `<p>${escapeHtml(message)}</p>`,
    '<p><small>partnermock: a local emulation of the B2COPY Web UI landing page, not the real B2COPY.</small></p>',
    '</body>',
    '</html>',
  ].join('\n');
}
