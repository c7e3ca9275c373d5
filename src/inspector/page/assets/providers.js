// The providers view: each provider's base URLs, spec and default credentials, every value copyable.
import { copyable, h, safeHref } from './dom.js';

export function providerCards(providers) {
  return providers.map((provider) =>
    h(
      'article',
      { class: 'provider panel', 'data-provider': provider.name },
      h('h3', {}, provider.title, ' ', h('span', { class: 'muted' }, provider.name)),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, provider.baseUrls.length > 1 ? 'Base URLs' : 'Base URL'),
        h(
          'dd',
          {},
          provider.baseUrls.map((url) => h('div', {}, copyable(url, `${provider.title} base URL ${url}`))),
        ),
        h('dt', {}, 'OpenAPI'),
        h('dd', {}, h('a', { href: safeHref(provider.specUrl) }, provider.specUrl)),
      ),
      h('h4', {}, 'Default credentials'),
      provider.credentials.length
        ? h(
            'dl',
            { class: 'facts credentials' },
            provider.credentials.map((line) => credential(line, provider.title)),
          )
        : h('p', { class: 'muted' }, 'None.'),
      h(
        'details',
        {},
        h('summary', {}, `Operations (${provider.operations.length}) and pages (${provider.pages.length})`),
        h(
          'ul',
          { class: 'operations' },
          provider.operations.map((op) =>
            h(
              'li',
              {},
              h('code', {}, `${op.method} ${op.path}`),
              ` ${op.operationId}`,
              h('span', { class: 'muted' }, op.stateful ? ' · stateful' : ' · from the spec'),
            ),
          ),
          provider.pages.map((page) =>
            h('li', {}, h('code', {}, `${page.method} ${new URL(page.url).pathname}`), ` page ${page.name}`),
          ),
        ),
      ),
    ),
  );
}

/**
 * A credential line as the banner prints it: a label, two or more spaces, then the values. The values
 * are cut where the banner separates them — further columns, `, ` and ` / ` — and in `name value` parts
 * (`key id dev-key`, `redirect URI http://…`) only the last word is the value; a parenthesised note
 * stays plain text. Each value gets its own copy button.
 */
function credential(line, providerTitle) {
  const [label, ...columns] = line.split(/\s{2,}/);
  if (!columns.length) return [h('dt', {}, ''), h('dd', {}, label)];
  const copy = (value) => copyable(value, `${providerTitle} ${label} ${value}`);
  const values = columns.flatMap(topLevelParts).flatMap((part) => {
    const [, main, note] = /^(.*?)\s*(\(.*\))?$/s.exec(part);
    const named = /^(.*\S)\s+(\S+)$/.exec(main);
    const shown = main.includes(' / ')
      ? main.split(' / ').map(copy)
      : named
        ? [h('span', {}, named[1]), copy(named[2])]
        : main
          ? [copy(main)]
          : [];
    return [h('span', { class: 'credential-part' }, shown, note && h('span', { class: 'muted' }, ` ${note}`))];
  });
  return [h('dt', {}, label), h('dd', { class: 'values' }, values)];
}

/** `a, b (c, d), e` → `a`, `b (c, d)`, `e`: commas inside parentheses do not cut. */
function topLevelParts(text) {
  const parts = [];
  let depth = 0;
  let start = 0;
  for (let index = 0; index < text.length; index++) {
    if (text[index] === '(') depth++;
    else if (text[index] === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0 && text.startsWith(', ', index)) {
      parts.push(text.slice(start, index));
      start = index + 2;
    }
  }
  parts.push(text.slice(start));
  return parts.map((part) => part.trim()).filter(Boolean);
}
