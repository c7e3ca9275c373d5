/* global document, window, location, EventSource */
// The inspector's entry point. It loads the providers and the journal, keeps the exchange list live with
// the event stream (`/__mock/events`), and shows one view at a time by the URL's hash — #exchanges,
// #exchange/<id>, #flows, #session, #providers — so each view is a link, and Back works.
import { apiUrl, call } from './api.js';
import { announce, h, show } from './dom.js';
import { exchangeDetail } from './detail.js';
import { exchangeRow, matches } from './exchanges.js';
import { flowCard, groupFlows, useFlowHints } from './flows.js';
import { providerCards } from './providers.js';
import { sessionPanel } from './session.js';

const VIEWS = new Set(['exchanges', 'exchange', 'flows', 'session', 'providers']);
/** Entries the page keeps (the journal itself keeps 500 by default). */
const MAX_ENTRIES = 2000;
/** Flows drawn at once, newest first: each costs its exchanges' details. */
const MAX_FLOWS = 30;
/** Details fetched at once for the flow view. */
const DETAIL_FETCHES = 6;

const state = {
  providers: [],
  /** id → journal entry. */
  entries: new Map(),
  sessions: new Set(['default']),
  filters: { session: '', provider: '', status: '', text: '' },
  /** id → exchange detail (null when it could not be read): a journaled exchange never changes. */
  details: new Map(),
  pendingDetails: new Set(),
  view: 'exchanges',
  detailId: undefined,
  /** The session panel on show, rebuilt when the session changes. */
  panel: undefined,
};

const byId = (id) => document.getElementById(id);

// --- views and routing ---

function route({ focus = true } = {}) {
  const [name, ...rest] = location.hash.slice(1).split('/');
  const view = name || 'exchanges';
  // Other hashes (the skip link's #main) are the browser's: they do not change the view.
  if (!VIEWS.has(view)) return;
  state.view = view;
  state.detailId = view === 'exchange' ? decodeURIComponent(rest.join('/')) : undefined;
  for (const section of document.querySelectorAll('main > section')) section.hidden = section.dataset.view !== view;
  for (const link of document.querySelectorAll('nav.tabs a')) {
    const current = link.dataset.view === view || (view === 'exchange' && link.dataset.view === 'exchanges');
    if (current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  byId('filters').hidden = view === 'providers' || view === 'exchange';
  drawView();
  // A keyboard user lands on the new view's heading, not back at the top of the page.
  if (focus) document.querySelector(`main > section[data-view="${view}"] h2`)?.focus();
}

function drawView() {
  if (state.view === 'exchanges') drawList();
  else if (state.view === 'exchange') void drawDetail(state.detailId);
  else if (state.view === 'flows') drawFlows();
  else if (state.view === 'session') drawSession();
  else if (state.view === 'providers') show(byId('providers'), providerCards(state.providers));
}

function newestFirst() {
  return [...state.entries.values()].sort((a, b) => Number(b.id) - Number(a.id));
}

function drawList() {
  const shown = newestFirst().filter((entry) => matches(entry, state.filters));
  show(byId('exchange-list'), shown.map(exchangeRow));
  countShown(shown.length);
}

function countShown(shown) {
  const total = state.entries.size;
  byId('exchange-count').textContent = shown === total ? `(${total})` : `(${shown} of ${total})`;
  byId('exchange-empty').hidden = total > 0;
}

async function drawDetail(id) {
  const container = byId('detail');
  byId('detail-title').textContent = `Exchange ${id}`;
  show(container, h('p', { class: 'muted' }, 'Loading…'));
  try {
    const detail = await call(`__mock/journal/${encodeURIComponent(id)}`);
    if (state.view !== 'exchange' || state.detailId !== id) return;
    state.details.set(id, detail);
    show(container, exchangeDetail(detail));
  } catch (error) {
    if (state.detailId === id) show(container, h('p', { class: 'error', role: 'alert' }, error.message));
  }
}

/** The flows of the filtered session and provider (status and text filter single exchanges, not flows). */
function drawFlows() {
  const container = byId('flows');
  const { session, provider } = state.filters;
  const entries = [...state.entries.values()].filter((entry) => matches(entry, { session, provider }));
  useFlowHints(state.providers);
  const flows = groupFlows(entries, state.details);
  const shown = flows.slice(0, MAX_FLOWS);
  const context = {
    details: state.details,
    onMock,
    shortPath,
    providerTitle: (name) => state.providers.find((item) => item.name === name)?.title ?? name,
    // The diagram fits the page; a card's padding and border take the rest.
    width: container.clientWidth - 26,
  };
  show(
    container,
    shown.length ? shown.map((flow) => flowCard(flow, context)) : h('p', { class: 'muted' }, 'No flows yet.'),
    flows.length > shown.length &&
      h('p', { class: 'muted' }, `The ${flows.length - shown.length} older flows are not drawn.`),
  );
  // The diagrams need the exchanges' details (reasons, redirects); fetched once, then drawn again.
  const missing = shown.flatMap((flow) => flow.steps).filter((entry) => !state.details.has(entry.id));
  if (missing.length) void fetchDetails(missing).then(() => state.view === 'flows' && drawFlows());
}

async function fetchDetails(entries) {
  const queue = entries.filter((entry) => !state.pendingDetails.has(entry.id));
  for (const entry of queue) state.pendingDetails.add(entry.id);
  const worker = async () => {
    for (let entry = queue.shift(); entry; entry = queue.shift()) {
      try {
        state.details.set(entry.id, await call(`__mock/journal/${encodeURIComponent(entry.id)}`));
      } catch {
        state.details.set(entry.id, null); // overwritten in the journal meanwhile: drawn without it
      }
      state.pendingDetails.delete(entry.id);
    }
  };
  await Promise.all(Array.from({ length: DETAIL_FETCHES }, worker));
}

/** Whether a redirect stays on the mock (one of its providers' URLs) or leaves it, to the CRM. */
function onMock(url) {
  if (url.startsWith('/') && !url.startsWith('//')) return true;
  return state.providers.some((provider) =>
    [...provider.baseUrls, ...provider.pages.map((page) => page.url)].some((base) => url.startsWith(base)),
  );
}

/** An exchange's path below its provider's mount (`/connect/token`, not `/just2trade/auth/connect/token`). */
function shortPath(entry) {
  const provider = state.providers.find((item) => item.name === entry.provider);
  const mounts = (provider?.baseUrls ?? []).map((url) => new URL(url).pathname.replace(/\/$/, ''));
  const mount = mounts.filter((path) => entry.path.startsWith(`${path}/`)).sort((a, b) => b.length - a.length)[0];
  return mount ? entry.path.slice(mount.length) : entry.path;
}

function currentSession() {
  return state.filters.session || 'default';
}

function drawSession() {
  const session = currentSession();
  if (state.panel?.session !== session) {
    const note = state.filters.session ? '' : ' (the default session: choose another with the Session filter)';
    const panel = sessionPanel({ session, providers: state.providers, note });
    state.panel = { session, ...panel };
    show(byId('session'), panel.element);
  }
  void refreshSession();
}

async function refreshSession() {
  try {
    await state.panel?.refresh();
  } catch (error) {
    announce(`Could not read the session: ${error.message}`);
  }
}

// --- filters ---

function readFilters() {
  state.filters = {
    session: byId('filter-session').value,
    provider: byId('filter-provider').value,
    status: byId('filter-status').value,
    text: byId('filter-text').value.trim(),
  };
  drawView();
}

/** Adds a session to the Session filter the first time it is seen (the list stays sorted). */
function noteSession(session) {
  if (state.sessions.has(session)) return;
  state.sessions.add(session);
  fillSessions();
}

function fillSessions() {
  const select = byId('filter-session');
  const chosen = select.value;
  show(
    select,
    h('option', { value: '' }, 'all sessions'),
    [...state.sessions].sort().map((session) => h('option', { value: session }, session)),
  );
  select.value = chosen;
}

function fillProviders() {
  show(
    byId('filter-provider'),
    h('option', { value: '' }, 'all providers'),
    state.providers.map((provider) => h('option', { value: provider.name }, provider.title)),
  );
}

// --- live entries ---

function addEntry(entry) {
  if (state.entries.has(entry.id)) return;
  state.entries.set(entry.id, entry);
  if (state.entries.size > MAX_ENTRIES) forgetOldest();
  noteSession(entry.session);
  if (state.view === 'exchanges') {
    // Newest first: a new entry goes on top, without redrawing the rest.
    if (matches(entry, state.filters)) byId('exchange-list').prepend(exchangeRow(entry));
    countShown(byId('exchange-list').childElementCount);
  } else if (state.view === 'flows') later('flows', drawFlows);
  else if (state.view === 'session' && entry.session === currentSession()) later('session', refreshSession);
}

function forgetOldest() {
  const ids = [...state.entries.keys()].sort((a, b) => Number(a) - Number(b));
  for (const id of ids.slice(0, ids.length - MAX_ENTRIES)) {
    state.entries.delete(id);
    state.details.delete(id);
  }
}

const timers = new Map();
/** Runs `task` once after a burst of calls (a flow's exchanges arrive together): one redraw, not ten. */
function later(name, task, ms = 150) {
  window.clearTimeout(timers.get(name));
  timers.set(
    name,
    window.setTimeout(() => {
      timers.delete(name);
      task();
    }, ms),
  );
}

/** The journal so far, merged with what the stream brought; a restarted mock (ids from 1 again) replaces it. */
async function loadJournal() {
  const entries = await call('__mock/journal', { query: { limit: '1000' } });
  const newest = Math.max(0, ...entries.map((entry) => Number(entry.id)));
  const known = Math.max(0, ...[...state.entries.keys()].map(Number));
  if (newest < known) {
    state.entries.clear();
    state.details.clear();
  }
  for (const entry of entries) {
    state.entries.set(entry.id, entry);
    noteSession(entry.session);
  }
  // Only the views drawn from the entries; a detail or the session panel reads the API itself.
  if (state.view === 'exchanges' || state.view === 'flows') drawView();
}

function connect() {
  const live = byId('live');
  const source = new EventSource(apiUrl('__mock/events'));
  source.addEventListener('open', () => {
    live.textContent = 'live';
    live.className = 'live on';
    // Also after a reconnect: what happened while the stream was down is in the journal.
    loadJournal().catch((error) => announce(`Could not read the journal: ${error.message}`));
  });
  source.addEventListener('exchange', (event) => addEntry(JSON.parse(event.data)));
  // EventSource reconnects by itself (the stream asks for 2 s).
  source.addEventListener('error', () => {
    live.textContent = 'reconnecting…';
    live.className = 'live off';
  });
}

async function start() {
  fillSessions();
  byId('filters').addEventListener('input', readFilters);
  byId('filters').addEventListener('submit', (event) => event.preventDefault());
  window.addEventListener('hashchange', () => route());
  window.addEventListener('resize', () => state.view === 'flows' && later('resize', drawFlows, 200));
  for (const heading of document.querySelectorAll('main h2')) heading.tabIndex = -1;
  try {
    state.providers = await call('__mock/providers');
  } catch (error) {
    announce(`Could not read the providers: ${error.message}`);
  }
  fillProviders();
  route({ focus: false });
  connect();
}

void start();
