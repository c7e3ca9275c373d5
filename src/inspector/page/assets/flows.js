// The flow view: a session's exchanges grouped into flows, each drawn as a sequence diagram (SVG) with
// the CRM's back end, the user's browser and the provider as lanes, the failing steps in red.
import { h, svg } from './dom.js';
import { clockTime, entryName, failureOf, locationOf } from './format.js';

/**
 * Each provider's flow hints, from `/__mock/providers` (its plugin's `flows`): `starts`, the operations a
 * flow begins with (the journal does not mark flows: an auth flow is what follows one of these in the same
 * session and provider, a refresh belonging to the sign-in before it), and `browser`, the operations the
 * user's browser sends rather than the CRM (an authorize URL the CRM hands it). A provider without hints
 * gets a new flow after a pause of IDLE_GAP_MS; pages are always the browser's, and so is any GET the
 * provider answers with HTML.
 */
const hints = new Map();

/** Takes the providers' hints (call with `/__mock/providers` before grouping). */
export function useFlowHints(providers) {
  hints.clear();
  for (const provider of providers) if (provider.flows) hints.set(provider.name, provider.flows);
}

const IDLE_GAP_MS = 5 * 60_000;

/** Values this long (tokens, codes, ids) tie a request to the exchange that handed them out. */
const MIN_LINK_LENGTH = 16;

/**
 * Flows, newest first, from journal entries (any order); control switches are not steps of a flow.
 * A request that presents a value an earlier exchange handed out (a code from a redirect, a refresh or
 * access token from an answer) joins that exchange's flow: a code redeemed twice belongs to the flow that
 * got it, not to a newer one. Without `details` (or a match), a step joins the newest flow of its
 * session and provider.
 */
export function groupFlows(entries, details = new Map()) {
  const flows = [];
  const bySessionAndProvider = new Map();
  const oldestFirst = [...entries].sort((a, b) => Number(a.id) - Number(b.id));
  for (const entry of oldestFirst) {
    if (!entry.provider || entry.control) continue;
    const key = `${entry.session}\n${entry.provider}`;
    const earlier = bySessionAndProvider.get(key) ?? [];
    const detail = details.get(entry.id);
    let flow;
    if (earlier.length && !startsFlow(entry, earlier.at(-1))) {
      const presented = valuesPresented(detail);
      flow =
        earlier.findLast((candidate) => presented.some((value) => candidate.handedOut.has(value))) ?? earlier.at(-1);
    }
    if (!flow) {
      flow = { id: entry.id, session: entry.session, provider: entry.provider, steps: [], handedOut: new Set() };
      flows.push(flow);
      bySessionAndProvider.set(key, [...earlier, flow]);
    }
    flow.steps.push(entry);
    for (const value of valuesHandedOut(detail)) flow.handedOut.add(value);
  }
  return flows.reverse();
}

function startsFlow(entry, current) {
  const starts = hints.get(entry.provider)?.starts;
  if (starts) return starts.includes(entry.operationId);
  return Date.parse(entry.time) - Date.parse(current.steps.at(-1).time) > IDLE_GAP_MS;
}

/** What an answer handed out: long strings in its JSON body and in its redirect's query. */
function valuesHandedOut(detail) {
  const values = [];
  const body = detail?.response?.body;
  if (body && typeof body === 'object') collectStrings(body, values);
  const location = locationOf(detail);
  if (location) values.push(...new URL(location, 'http://location.invalid').searchParams.values());
  return values.filter(isLinkable);
}

/** What a request presented: long strings in its body and query, and a bearer token. */
function valuesPresented(detail) {
  const request = detail?.request;
  if (!request) return [];
  const values = [];
  if (request.body && typeof request.body === 'object') collectStrings(request.body, values);
  values.push(...new URL(request.url, 'http://request.invalid').searchParams.values());
  const bearer = /^bearer\s+(\S+)/i.exec(request.headers?.authorization ?? '');
  if (bearer) values.push(bearer[1]);
  return values.filter(isLinkable);
}

function collectStrings(value, into, depth = 0) {
  if (depth > 8) return;
  if (typeof value === 'string') into.push(value);
  else if (value && typeof value === 'object')
    for (const item of Object.values(value)) collectStrings(item, into, depth + 1);
}

function isLinkable(value) {
  return value.length >= MIN_LINK_LENGTH && value !== '[masked]';
}

/** Who sent a request: `browser` or `crm`. */
function senderOf(entry, detail) {
  if (entry.page || hints.get(entry.provider)?.browser?.includes(entry.operationId)) return 'browser';
  const html = /html/.test(detail?.response?.contentType ?? '');
  return entry.method === 'GET' && html ? 'browser' : 'crm';
}

/**
 * A flow's steps as the diagram draws them. `context.details` holds the exchanges' details fetched so
 * far (the reasons and redirects are in them); `context.onMock(url)` says whether a redirect stays on
 * the mock (another page) or leaves it, back to the CRM.
 */
export function stepsOf(flow, context) {
  return flow.steps.map((entry, index) => {
    const detail = context.details.get(entry.id);
    const location = locationOf(detail);
    return {
      number: index + 1,
      entry,
      from: senderOf(entry, detail),
      failure: failureOf(entry, detail),
      location,
      backToCrm: location !== undefined && !context.onMock(location),
      path: context.shortPath(entry),
    };
  });
}

/** One flow: a heading, the diagram, and its steps as text (for screen readers and copying). */
export function flowCard(flow, context) {
  const steps = stepsOf(flow, context);
  const failing = steps.filter((step) => step.failure);
  const title = context.providerTitle(flow.provider);
  const verdict = failing.length
    ? `${failing.length} failing step${failing.length > 1 ? 's' : ''}, first at step ${failing[0].number}`
    : `${steps.length} step${steps.length > 1 ? 's' : ''}, none failed`;
  return h(
    'article',
    { class: 'flow', 'data-provider': flow.provider, 'data-session': flow.session, 'data-flow': flow.id },
    h(
      'h3',
      {},
      `${title} `,
      h('span', { class: 'muted' }, `session ${flow.session} · ${clockTime(flow.steps[0].time)}`),
      ' ',
      h('span', { class: `badge ${failing.length ? 'bad' : 'good'}` }, verdict),
    ),
    h('div', { class: 'diagram' }, diagram(flow, steps, title, context.width)),
    h(
      'details',
      {},
      h('summary', {}, 'Steps as text'),
      h(
        'ol',
        { class: 'flow-steps' },
        steps.map((step) =>
          h(
            'li',
            { class: step.failure ? 'failing' : undefined },
            h('a', { href: `#exchange/${step.entry.id}` }, requestLabel(step)),
            ` → ${responseLabel(step)}`,
            step.failure && h('span', { class: 'failure-text' }, ` ✗ ${step.failure}`),
          ),
        ),
      ),
    ),
  );
}

function requestLabel(step) {
  const name = entryName(step.entry);
  return `${step.number}. ${name ? `${name} · ` : ''}${step.entry.method} ${step.path}`;
}

function responseLabel(step) {
  if (step.entry.status === 0) return 'no answer';
  // A redirect back to the CRM gets its own arrow, which shows the URL.
  if (step.backToCrm) return `${step.entry.status} redirect to the CRM`;
  const target = step.location ? ` → ${shortUrl(step.location)}` : '';
  return `${step.entry.status}${target}`;
}

/** A redirect target without its origin, as the diagram has room for. */
function shortUrl(url) {
  const parsed = new URL(url, 'http://location.invalid');
  return `${parsed.pathname}${parsed.search}`;
}

// The diagram's geometry, in px. Labels are monospace, so their width is known without measuring.
const CHAR_WIDTH = 7.2;
/** Wider than this, lanes only drift apart and labels get far from their arrows. */
const MAX_WIDTH = 960;
const MARGIN = 44;
const HEADER = 30;

/** The SVG: three lanes with lifelines, and for each step a request arrow and a dashed answer arrow. */
function diagram(flow, steps, providerTitle, availableWidth) {
  const width = Math.max(300, Math.min(MAX_WIDTH, Math.floor(availableWidth)));
  const lanes = { crm: MARGIN, browser: width / 2, provider: width - MARGIN };
  const rows = [];
  let y = HEADER + 16;
  for (const step of steps) {
    const drawn = stepGroup(step, lanes, width, y);
    rows.push(drawn.group);
    y = drawn.bottom + 10;
  }
  const height = y + 4;
  const titleId = `flow-title-${flow.id}`;
  return svg(
    'svg',
    {
      class: 'sequence',
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      role: 'group',
      'aria-labelledby': titleId,
    },
    svg('title', { id: titleId }, `${providerTitle} flow in session ${flow.session}: ${steps.length} steps`),
    Object.entries({ crm: 'CRM', browser: 'Browser', provider: providerTitle }).map(([lane, name]) =>
      laneHead(lanes[lane], name, height, lane),
    ),
    rows,
  );
}

function laneHead(x, name, height, lane) {
  return svg(
    'g',
    { class: `lane lane-${lane}` },
    svg('line', { x1: x, y1: HEADER, x2: x, y2: height, class: 'lifeline' }),
    svg('rect', { x: x - 40, y: 2, width: 80, height: HEADER - 6, rx: 6, class: 'lane-box' }),
    svg('text', { x, y: HEADER / 2 + 3, 'text-anchor': 'middle', class: 'lane-name' }, fit(name, 80)),
  );
}

/** One step, a link to its exchange: the request, the answer, a redirect back to the CRM, the failure. */
function stepGroup(step, lanes, width, top) {
  const from = lanes[step.from];
  const to = lanes.provider;
  const failing = Boolean(step.failure);
  const parts = [
    label(requestLabel(step), from, to, top + 10, width),
    arrow(from, to, top + 16, false),
    label(responseLabel(step), from, to, top + 34, width),
    arrow(to, from, top + 40, true),
  ];
  let bottom = top + 40;
  if (step.backToCrm) {
    // The provider sent the browser back to the CRM's redirect URI: the CRM gets the code (or error) there.
    parts.push(
      label(`redirect back to the CRM: ${shortUrl(step.location)}`, lanes.crm, lanes.browser, bottom + 20, width),
    );
    parts.push(arrow(lanes.browser, lanes.crm, bottom + 26, false));
    bottom += 26;
  }
  if (failing) {
    for (const line of wrap(`✗ ${step.failure}`, Math.floor((width - 16) / CHAR_WIDTH), 3)) {
      bottom += 17;
      parts.push(svg('text', { x: 8, y: bottom, class: 'reason' }, line));
    }
  }
  const name = entryName(step.entry) || step.entry.path;
  return {
    bottom,
    group: svg(
      'a',
      {
        href: `#exchange/${step.entry.id}`,
        class: 'step-link',
        'aria-label': `Step ${step.number}: ${requestLabel(step)}, ${responseLabel(step)}${failing ? `, failed: ${step.failure}` : ''}`,
      },
      svg(
        'g',
        {
          class: `step from-${step.from}${failing ? ' failing' : ''}`,
          'data-step': name,
          'data-id': step.entry.id,
          'data-status': step.entry.status,
        },
        // An invisible band, so the whole row is what the pointer and the focus ring cover.
        svg('rect', { x: 0, y: top - 4, width, height: bottom - top + 10, class: 'hit' }),
        parts,
      ),
    ),
  };
}

/** A label just above an arrow between x1 and x2: where it starts, moved left if it would run off. */
function label(text, x1, x2, y, width) {
  const shown = fit(text, width - 8);
  const length = shown.length * CHAR_WIDTH;
  const start = Math.max(4, Math.min(Math.min(x1, x2) + 6, width - 4 - length));
  return svg('text', { x: start, y, class: 'label' }, shown, shown !== text && svg('title', {}, text));
}

/** A horizontal arrow from x1 to x2 with its head at x2; dashed for an answer. */
function arrow(x1, x2, y, dashed) {
  const direction = Math.sign(x2 - x1) || 1;
  const head = `${x2},${y} ${x2 - direction * 8},${y - 4} ${x2 - direction * 8},${y + 4}`;
  return svg(
    'g',
    { class: dashed ? 'arrow answer' : 'arrow' },
    svg('line', { x1, y1: y, x2: x2 - direction * 7, y2: y }),
    svg('polygon', { points: head }),
  );
}

/** Text cut to what `pixels` hold, with an ellipsis. */
function fit(text, pixels) {
  const chars = Math.max(4, Math.floor(pixels / CHAR_WIDTH));
  return text.length > chars ? `${text.slice(0, chars - 1)}…` : text;
}

/** Text in lines of at most `chars`, broken at spaces where it can be; past `lines` lines, an ellipsis. */
function wrap(text, chars, lines) {
  const result = [];
  let rest = text;
  while (rest && result.length < lines) {
    const space = rest.lastIndexOf(' ', chars);
    const cut = rest.length <= chars ? rest.length : space > chars / 2 ? space : chars;
    result.push(rest.slice(0, cut));
    rest = rest.slice(cut).trimStart();
  }
  if (rest) result[result.length - 1] = `${result.at(-1).slice(0, chars - 1)}…`;
  return result;
}
