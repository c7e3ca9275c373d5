// The session view: what a session holds (tokens, codes, links) with their state and expiry on the
// session's clock, and its controls: advance the clock, reset the session, add and remove fault rules.
import { call } from './api.js';
import { announce, h, show } from './dom.js';
import { expiry } from './format.js';

const FAULT_ACTIONS = ['reset', 'hang', 'malformed', 'empty'];

/**
 * The panel for one session. Built once, then `refresh()` redraws only what the session holds (clock,
 * tokens and codes, rules), so a form half filled in is never wiped by a live update.
 * `context`: `session`, `providers` (from `/__mock/providers`), `note` (a line after the session name).
 */
export function sessionPanel(context) {
  const { session, providers } = context;
  const parts = {
    now: h('time', { id: 'session-now' }),
    offset: h('span', { class: 'muted' }),
    held: h('div', { class: 'held-items' }),
    rules: h('div', { class: 'rules' }),
  };
  const refresh = async () => {
    const [held, clock, rules] = await Promise.all([
      call('__mock/inspector/session', { query: { session } }),
      call('__mock/clock', { session }),
      call('__mock/faults', { session }),
    ]);
    parts.now.dateTime = clock.now;
    parts.now.textContent = clock.now;
    parts.offset.textContent = clock.offsetSeconds ? ` (${clock.offsetSeconds} s ahead of real time)` : '';
    show(parts.held, heldItems(held, providers));
    show(parts.rules, ruleList(rules, session, refresh));
  };
  const element = h(
    'div',
    { class: 'session-panel', 'data-session': session },
    h('p', {}, 'Session ', h('code', { id: 'session-name' }, session), context.note ?? ''),
    clockPanel(parts, session, refresh),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'held-title' },
      h('h3', { id: 'held-title' }, 'Tokens and codes'),
      parts.held,
    ),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'faults-title' },
      h('h3', { id: 'faults-title' }, 'Fault rules'),
      parts.rules,
      faultForm(session, providers, refresh),
    ),
  );
  return { element, refresh };
}

/** Runs a control call, then says what happened and refreshes; a refusal is said (and shown) too. */
async function act(what, action, refresh, errorSlot) {
  if (errorSlot) errorSlot.textContent = '';
  try {
    await action();
    announce(what);
    await refresh();
  } catch (error) {
    if (errorSlot) errorSlot.textContent = error.message;
    announce(`Failed: ${error.message}`);
  }
}

function clockPanel(parts, session, refresh) {
  const error = h('p', { class: 'error', role: 'alert' });
  const advance = (seconds) =>
    act(
      `Clock advanced ${seconds} s`,
      () => call('__mock/clock', { method: 'POST', session, body: { advanceSeconds: seconds } }),
      refresh,
      error,
    );
  const custom = h('input', {
    type: 'number',
    min: '0',
    step: '1',
    name: 'seconds',
    id: 'advance-seconds',
    value: '300',
  });
  const reset = () =>
    act(`Session ${session} reset`, () => call('__mock/reset', { method: 'POST', session }), refresh, error);
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'clock-title' },
    h('h3', { id: 'clock-title' }, 'Clock'),
    h('p', {}, 'Session time ', parts.now, parts.offset),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', onclick: () => advance(60) }, '+60 s'),
      h('button', { type: 'button', onclick: () => advance(3600) }, '+1 h'),
      h('button', { type: 'button', onclick: () => advance(86_400) }, '+1 day'),
    ),
    h(
      'form',
      {
        class: 'inline-form',
        'aria-label': 'Advance the clock',
        onsubmit: (event) => {
          // Handled here: the page's CSP lets no form navigate anywhere.
          event.preventDefault();
          const seconds = Number(custom.value);
          if (custom.value === '' || !Number.isFinite(seconds) || seconds < 0) {
            error.textContent = 'Enter a number of seconds, 0 or more.';
          } else void advance(seconds);
        },
      },
      h('label', { for: 'advance-seconds' }, 'Advance by (seconds)'),
      custom,
      h('button', { type: 'submit' }, 'Advance'),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', class: 'danger', onclick: reset }, 'Reset session'),
      h('span', { class: 'muted' }, 'Back to the fixtures and the real clock: tokens, codes and rules go.'),
    ),
    error,
  );
}

/** Per provider, what the session holds: kind, id, state, whom it is for, and its expiry. */
function heldItems(held, providers) {
  const titleOf = (name) => providers.find((provider) => provider.name === name)?.title ?? name;
  const groups = Object.entries(held.providers ?? {}).filter(([, items]) => items.length);
  if (!groups.length) return h('p', { class: 'muted' }, 'Nothing issued in this session yet.');
  return groups.map(([provider, items]) =>
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'held', 'data-provider': provider },
        h('caption', {}, titleOf(provider)),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['kind', 'id', 'state', 'for', 'issued', 'expires'].map((name) => h('th', { scope: 'col' }, name)),
          ),
        ),
        h(
          'tbody',
          {},
          items.map((item) => heldRow(item, held.now)),
        ),
      ),
    ),
  );
}

function heldRow(item, now) {
  return h(
    'tr',
    { 'data-kind': item.kind, 'data-status': item.status },
    h('td', {}, item.kind),
    h('td', {}, h('code', { class: 'wrap' }, item.id)),
    h('td', {}, h('span', { class: `badge state-${item.status}` }, item.status)),
    h('td', {}, item.subject ?? ''),
    h('td', {}, item.issuedAt ? h('time', { datetime: item.issuedAt }, item.issuedAt) : ''),
    h(
      'td',
      {},
      item.expiresAt && [h('time', { datetime: item.expiresAt }, item.expiresAt), h('br'), expiry(item.expiresAt, now)],
    ),
  );
}

/** The session's fault rules, each with a button that removes it. */
function ruleList(rules, session, refresh) {
  if (!rules.length) return h('p', { class: 'muted' }, 'No fault rules: the emulation answers every request.');
  return h(
    'ul',
    { class: 'rule-list' },
    rules.map((rule) =>
      h(
        'li',
        { 'data-rule': rule.id },
        h('code', {}, rule.id),
        ` ${describeRule(rule)} · answered ${rule.hits} `,
        h(
          'button',
          {
            type: 'button',
            'aria-label': `Remove fault rule ${rule.id}`,
            onclick: () =>
              act(
                `Fault rule ${rule.id} removed`,
                () => call(`__mock/faults/${encodeURIComponent(rule.id)}`, { method: 'DELETE', session }),
                refresh,
              ),
          },
          'Remove',
        ),
      ),
    ),
  );
}

function describeRule(rule) {
  const target = rule.operationId ?? (rule.page ? `page ${rule.page}` : 'every request');
  const answer = rule.action ?? (rule.status ? `status ${rule.status}` : rule.delayMs ? 'a delay' : 'an answer');
  return `${rule.provider} ${target} → ${answer}${rule.times ? `, ${rule.times} times` : ''}`;
}

/** Provider, operation (or page), a status or an action, and how often; the control API checks the rule. */
function faultForm(session, providers, refresh) {
  const error = h('p', { class: 'error', role: 'alert' });
  const provider = h(
    'select',
    { id: 'fault-provider', name: 'provider' },
    providers.map((item) => h('option', { value: item.name }, item.title)),
  );
  const target = h('select', { id: 'fault-target', name: 'target' });
  const fillTargets = () => {
    const chosen = providers.find((item) => item.name === provider.value);
    show(
      target,
      h('option', { value: '' }, 'every operation and page'),
      (chosen?.operations ?? []).map((op) => h('option', { value: `operation:${op.operationId}` }, op.operationId)),
      (chosen?.pages ?? []).map((page) => h('option', { value: `page:${page.name}` }, `page ${page.name}`)),
    );
  };
  provider.addEventListener('change', fillTargets);
  fillTargets();
  const answer = h(
    'select',
    { id: 'fault-answer', name: 'answer' },
    h('option', { value: 'status' }, 'a status'),
    FAULT_ACTIONS.map((action) => h('option', { value: action }, action)),
  );
  const status = h('input', {
    id: 'fault-status',
    name: 'status',
    type: 'number',
    min: '200',
    max: '599',
    value: '503',
  });
  answer.addEventListener('change', () => (status.disabled = answer.value !== 'status'));
  const times = h('input', { id: 'fault-times', name: 'times', type: 'number', min: '1', placeholder: 'always' });

  const submit = (event) => {
    event.preventDefault();
    const [kind, name] = target.value ? target.value.split(/:(.*)/s) : [];
    const rule = {
      provider: provider.value,
      ...(kind === 'operation' ? { operationId: name } : kind === 'page' ? { page: name } : {}),
      ...(answer.value === 'status' ? { status: Number(status.value) } : { action: answer.value }),
      ...(times.value ? { times: Number(times.value) } : {}),
    };
    void act('Fault rule added', () => call('__mock/faults', { method: 'POST', session, body: rule }), refresh, error);
  };
  const field = (id, text, control) => h('div', { class: 'field' }, h('label', { for: id }, text), control);
  return h(
    'form',
    { class: 'fault-form', 'aria-labelledby': 'fault-form-title', onsubmit: submit },
    h('h4', { id: 'fault-form-title' }, 'Add a rule'),
    h(
      'div',
      { class: 'fields' },
      field('fault-provider', 'Provider', provider),
      field('fault-target', 'Operation or page', target),
      field('fault-answer', 'Answer with', answer),
      field('fault-status', 'Status', status),
      field('fault-times', 'Times', times),
    ),
    h('button', { type: 'submit' }, 'Add rule'),
    error,
  );
}
