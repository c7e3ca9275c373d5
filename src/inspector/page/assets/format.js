// Formatting shared by the views: times, statuses, bodies, and why an exchange failed.

/** `2xx` … `5xx`, or `none` for an exchange that got no answer (status 0: a fault rule reset or held it). */
export function statusClass(status) {
  return status >= 200 && status < 600 ? `${Math.floor(status / 100)}xx` : 'none';
}

/** What the exchange was: its operation, page or control switch. */
export function entryName(entry) {
  return entry.operationId ?? entry.page ?? entry.control ?? '';
}

/** `14:03:07` in the reader's time zone, from an ISO time. */
export function clockTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleTimeString([], { hour12: false });
}

/** `1 h 2 min`, `59 s`: a span of seconds, coarse enough to read at a glance. */
export function span(seconds) {
  const total = Math.abs(Math.round(seconds));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const rest = total % 60;
  const parts = [];
  if (days) parts.push(`${days} d`);
  if (hours) parts.push(`${hours} h`);
  if (minutes && !days) parts.push(`${minutes} min`);
  if ((rest || !parts.length) && !days && !hours) parts.push(`${rest} s`);
  return parts.join(' ');
}

/** `expires in 59 min`, `expired 3 min ago`: an expiry against a clock (the session's). */
export function expiry(expiresAt, nowIso) {
  const seconds = (Date.parse(expiresAt) - Date.parse(nowIso)) / 1000;
  if (Number.isNaN(seconds)) return '';
  return seconds > 0 ? `expires in ${span(seconds)}` : `expired ${span(seconds)} ago`;
}

/** A body as text to read: JSON indented, anything else as it came. */
export function pretty(body) {
  if (body === undefined) return '';
  return typeof body === 'string' ? body : JSON.stringify(body, null, 2);
}

/** The redirect an answer carries (its Location header), if any. */
export function locationOf(detail) {
  const status = detail?.response?.status ?? 0;
  return status >= 300 && status < 400 ? detail.response.headers?.location : undefined;
}

/**
 * Why an exchange failed, in the provider's own words, or undefined when it did not. Failing means no
 * answer (status 0), a status of 400 or more, a page that showed the user an alert (a refused sign-in
 * shows the login form again, with 200), or a redirect back that carries an OAuth `error`.
 */
export function failureOf(entry, detail) {
  const fault = entry.fault ? ` (fault rule ${entry.fault})` : '';
  if (entry.status === 0) return `no answer: the connection was reset or held${fault}`;
  const response = detail?.response;
  if (entry.status >= 400) {
    const reason = reasonInBody(response?.body) ?? issuesText(entry.validationErrors);
    return `${entry.status}${reason ? ` ${reason}` : ''}${fault}`;
  }
  if (typeof response?.body === 'string' && /html/.test(response.contentType ?? '')) {
    const alert = pageAlert(response.body);
    if (alert) return alert;
  }
  const location = locationOf(detail);
  if (location) {
    const query = new URL(location, 'http://location.invalid').searchParams;
    const error = query.get('error');
    if (error) return [error, query.get('error_description')].filter(Boolean).join(': ');
  }
  return undefined;
}

function issuesText(issues) {
  return issues?.length ? issues.map((issue) => `${issue.location} ${issue.message}`).join('; ') : undefined;
}

/**
 * The error message and code of an error body, whatever the provider's shape: B2COPY's envelope
 * (`errors[]`), Just2Trade's RFC 6749 (`error`, `error_description`), Keeta's problem+json (`title`,
 * `detail`), the control API's (`error.code`, `error.message`), or an HTML error page.
 */
export function reasonInBody(body) {
  if (typeof body === 'string') return body.trimStart().startsWith('<') ? pageError(body) : body.slice(0, 200);
  if (!body || typeof body !== 'object') return undefined;
  const joined = (...parts) => parts.filter((part) => typeof part === 'string' && part).join(': ') || undefined;
  if (Array.isArray(body.errors) && body.errors.length) {
    return body.errors.map((error) => joined(error?.code, error?.message)).join('; ');
  }
  if (body.error && typeof body.error === 'object') return joined(body.error.code, body.error.message);
  if (typeof body.error === 'string') return joined(body.error, body.error_description);
  if (body.title || body.detail) return joined(body.code, body.title, body.detail);
  return joined(body.code, body.message);
}

// A page's text is read with patterns, not DOMParser: a parsed document's inline <style> is checked
// against this page's CSP, and each refusal is a console error.

/** The text of an alert on a page (`role="alert"`), as a refused form shows it. */
function pageAlert(html) {
  const alert = /<(\w+)[^>]*\brole=["']?alert\b[^>]*>([\s\S]*?)<\/\1>/i.exec(html);
  return alert ? textOf(alert[2]) || undefined : undefined;
}

/** An HTML error page's alert, else its heading and first paragraph. */
function pageError(html) {
  const alert = pageAlert(html);
  if (alert) return alert;
  const heading = /<h1[^>]*>([\s\S]*?)<\/h1>/i.exec(html);
  const rest = heading ? html.slice(heading.index) : html;
  const paragraph = /<p[^>]*>([\s\S]*?)<\/p>/i.exec(rest);
  return [heading && textOf(heading[1]), paragraph && textOf(paragraph[1])].filter(Boolean).join(': ') || undefined;
}

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** Markup to its text: tags dropped, entities decoded, white space collapsed. */
function textOf(markup) {
  return markup
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, name) => {
      if (name[0] !== '#') return ENTITIES[name.toLowerCase()] ?? whole;
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : Number(name.slice(1));
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    })
    .replace(/\s+/g, ' ')
    .trim();
}
