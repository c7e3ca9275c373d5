/* global document */
// The control API, as the inspector calls it. URLs are relative to the page, so a mock served behind a
// path prefix (a public URL like https://host/mock) works too. A session is named with the same header
// tests use; without one, the control API means the `default` session.

const SESSION_HEADER = 'X-Mock-Session';

/** A control API refusal, with the message the API gave. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** The absolute URL of a control API path such as `__mock/journal`. */
export function apiUrl(path, query = {}) {
  const url = new URL(path, document.baseURI);
  for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, value);
  return url.href;
}

/** GET (or another method with a JSON body) and the JSON answer; a refusal throws an ApiError. */
export async function call(path, { method = 'GET', session, body, query } = {}) {
  const headers = { Accept: 'application/json' };
  if (session !== undefined) headers[SESSION_HEADER] = session;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(apiUrl(path, query), {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  const parsed = text ? parseJson(text) : undefined;
  if (!response.ok) {
    const message = parsed?.error?.message ?? `${method} ${path} answered ${response.status}`;
    throw new ApiError(response.status, message);
  }
  return parsed;
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
