// The live list of exchanges: which entries the filters let through, and one row per entry.
import { h } from './dom.js';
import { clockTime, entryName, statusClass } from './format.js';

/** Whether an entry passes the filters (session, provider, status class, free text). */
export function matches(entry, filters) {
  if (filters.session && entry.session !== filters.session) return false;
  if (filters.provider && entry.provider !== filters.provider) return false;
  if (filters.status && statusClass(entry.status) !== filters.status) return false;
  if (!filters.text) return true;
  return searchText(entry).includes(filters.text.toLowerCase());
}

/** Everything the text filter looks through, in one lower-case string. */
function searchText(entry) {
  return [
    entry.id,
    entry.session,
    entry.provider,
    entryName(entry),
    entry.method,
    entry.path,
    entry.status,
    entry.fault,
    ...(entry.validationErrors ?? []).map((issue) => `${issue.location} ${issue.message}`),
  ]
    .filter((part) => part !== undefined)
    .join(' ')
    .toLowerCase();
}

/** One row: a link to the exchange's detail, so the keyboard reaches it like any link. */
export function exchangeRow(entry) {
  const status = entry.status === 0 ? 'no answer' : String(entry.status);
  return h(
    'li',
    { 'data-id': entry.id, class: `exchange status-${statusClass(entry.status)}` },
    h(
      'a',
      { href: `#exchange/${encodeURIComponent(entry.id)}`, class: 'exchange-link' },
      h('span', { class: 'status' }, status),
      h('span', { class: 'method' }, entry.method),
      h('span', { class: 'path' }, entry.path),
      h(
        'span',
        { class: 'meta' },
        h('span', {}, [entry.provider, entryName(entry)].filter(Boolean).join(' · ')),
        h('span', { class: 'session', title: 'session' }, entry.session),
        h('time', { datetime: entry.time, title: entry.time }, clockTime(entry.time)),
        h('span', { class: 'muted' }, `${entry.durationMs} ms`),
        entry.fault && h('span', { class: 'badge fault' }, `fault ${entry.fault}`),
        entry.validationErrors?.length > 0 &&
          h('span', { class: 'badge bad' }, `${entry.validationErrors.length} issues`),
      ),
    ),
  );
}
