// One exchange in full: both sides with pretty-printed bodies, the JWTs in it decoded and verified,
// the validation issues, the fault rule that answered, and why it failed.
import { copyButton, h } from './dom.js';
import { clockTime, entryName, expiry, failureOf, pretty } from './format.js';

/** The detail view of `GET /__mock/journal/{id}`'s answer. */
export function exchangeDetail(detail) {
  const { entry } = detail;
  const failure = failureOf(entry, detail);
  return h(
    'div',
    { class: 'detail', 'data-id': entry.id },
    summary(entry),
    failure && h('p', { class: 'failure', role: 'note' }, h('strong', {}, 'Failed: '), failure),
    issues(entry.validationErrors),
    h(
      'div',
      { class: 'sides' },
      detail.request
        ? requestSide(detail.request)
        : h('p', { class: 'muted' }, 'The request is not kept for this entry.'),
      detail.response ? responseSide(detail.response) : h('p', { class: 'muted' }, 'No answer was sent.'),
    ),
    tokens(detail.tokens, detail.sessionNow),
  );
}

function summary(entry) {
  const rows = [
    ['provider', entry.provider],
    ['operation', entry.operationId],
    ['page', entry.page],
    ['control', entry.control],
    ['session', entry.session],
    ['status', entry.status === 0 ? '0 (no answer)' : String(entry.status)],
    ['time', `${entry.time} (${clockTime(entry.time)})`],
    ['duration', `${entry.durationMs} ms`],
    ['fault rule', entry.fault],
  ];
  return h(
    'div',
    {},
    h('p', { class: 'request-line' }, h('code', {}, `${entry.method} ${entry.path}`), ' ', entryName(entry)),
    facts(rows.filter(([, value]) => value !== undefined)),
  );
}

/** A definition list of [name, value] pairs (a value may be an element). */
function facts(rows, attributes = {}) {
  return h(
    'dl',
    { class: 'facts', ...attributes },
    rows.map(([name, value]) => [h('dt', {}, name), h('dd', {}, value)]),
  );
}

function issues(list) {
  if (!list?.length) return undefined;
  return h(
    'section',
    { class: 'issues' },
    h('h3', {}, 'Validation issues'),
    h(
      'ul',
      {},
      list.map((issue) => h('li', {}, h('code', {}, issue.location), ' ', issue.message)),
    ),
  );
}

function requestSide(request) {
  return h(
    'section',
    { class: 'side', 'aria-label': 'Request' },
    h('h3', {}, 'Request'),
    h('p', {}, h('code', { class: 'wrap' }, `${request.method} ${request.url}`)),
    headerTable(request.headers),
    body(request.body),
  );
}

function responseSide(response) {
  return h(
    'section',
    { class: 'side', 'aria-label': 'Response' },
    h('h3', {}, `Response ${response.status}`),
    response.contentType && h('p', { class: 'muted' }, response.contentType),
    headerTable(response.headers),
    body(response.body),
  );
}

function headerTable(headers) {
  const names = Object.keys(headers ?? {});
  if (!names.length) return h('p', { class: 'muted' }, 'No headers.');
  return h(
    'details',
    { class: 'headers' },
    h('summary', {}, `Headers (${names.length})`),
    facts(names.map((name) => [name, h('code', { class: 'wrap' }, headers[name])])),
  );
}

function body(value) {
  if (value === undefined) return h('p', { class: 'muted' }, 'No body.');
  return h('pre', { class: 'body', tabindex: '0' }, pretty(value));
}

/** Each JWT: where it was found, whether it verifies, its times on the session clock, header and claims. */
function tokens(list, sessionNow) {
  if (!list?.length) return undefined;
  return h(
    'section',
    { class: 'tokens' },
    h('h3', {}, `Tokens (${list.length})`),
    list.map((token) => tokenCard(token, sessionNow)),
  );
}

function tokenCard(token, sessionNow) {
  const verdict = token.verified === true ? 'verified' : token.verified === false ? 'not verified' : 'not checked';
  const verdictClass = token.verified === true ? 'good' : token.verified === false ? 'bad' : 'neutral';
  const times = token.times ?? {};
  return h(
    'article',
    { class: 'token', 'data-where': token.where },
    h('h4', {}, h('code', { class: 'wrap' }, token.where), ' ', h('span', { class: `badge ${verdictClass}` }, verdict)),
    h('p', { class: 'muted' }, token.verification),
    facts(
      [
        ['issued', times.issuedAt],
        ['not before', times.notBefore],
        ['expires', times.expiresAt && `${times.expiresAt} (${expiry(times.expiresAt, sessionNow)}, session clock)`],
      ].filter(([, value]) => value),
    ),
    h('h5', {}, 'Claims'),
    claimTable(token.claims),
    h('h5', {}, 'Header'),
    claimTable(token.header),
    h(
      'details',
      {},
      h('summary', {}, 'Encoded token'),
      h('p', {}, h('code', { class: 'wrap token-text' }, token.token), ' ', copyButton(token.token, 'the token')),
    ),
  );
}

/** Claims as rows; numeric dates (`iat`, `nbf`, `exp`, `auth_time`) also as ISO times. */
function claimTable(values) {
  return h(
    'table',
    { class: 'claims' },
    h(
      'tbody',
      {},
      Object.entries(values ?? {}).map(([name, value]) =>
        h(
          'tr',
          { 'data-claim': name },
          h('th', { scope: 'row' }, name),
          h(
            'td',
            {},
            h('code', { class: 'wrap claim-value' }, typeof value === 'string' ? value : JSON.stringify(value)),
            isDateClaim(name, value) && h('span', { class: 'muted' }, ` ${new Date(value * 1000).toISOString()}`),
          ),
        ),
      ),
    ),
  );
}

function isDateClaim(name, value) {
  // Within what a Date can hold: a crafted exp of 1e300 is shown as the number it is.
  return ['iat', 'nbf', 'exp', 'auth_time'].includes(name) && typeof value === 'number' && Math.abs(value) <= 8.64e12;
}
