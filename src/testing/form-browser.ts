/**
 * Just enough of a browser for a test to walk a provider's pages: GET pages, read their forms (with
 * cheerio, a real HTML parser), submit them with the page's cookies as a browser does, and follow
 * redirects until one leaves the provider (the redirect back to the CRM), which is returned instead of
 * followed. The one implementation of "submit a form" that the test helpers (`partnermock/testing`), the
 * contract suites and the repo's tests share.
 */
import * as cheerio from 'cheerio';
import { withSessionHeader } from '../control/mock-controls.ts';

/** What every browser step takes: the mock session to work in, and the fetch to use. */
export interface BrowserStepOptions {
  /** Sent as `X-Mock-Session` with every request, so the step works in that mock session. */
  session?: string;
  /** Default: the global fetch. Given a session too, the session header is added to what it sends. */
  fetch?: typeof globalThis.fetch;
}

/** A page answered with an error status, or a step that found something other than it expects. */
export class PageError extends Error {
  override readonly name = 'PageError';
  constructor(
    message: string,
    /** The page's status (0 when the step did not get that far). */
    readonly status: number,
    readonly url: URL,
  ) {
    super(message);
  }
}

/** The fetch of a step: `options.fetch` (or the global one), with the session header when a session is named. */
export function stepFetch(options: BrowserStepOptions): typeof globalThis.fetch {
  const base = options.fetch ?? globalThis.fetch;
  return options.session === undefined ? base : withSessionHeader(base, options.session);
}

/**
 * What a page says: the text of its `role="alert"` element (a refusal, a failed sign-in) when it has one,
 * else its heading and paragraphs, whitespace collapsed.
 */
export function pageMessage(page: Page): string {
  const $ = cheerio.load(page.html);
  const alert = $('[role="alert"]').first().text();
  const text =
    alert ||
    $('h1, p, dl')
      .toArray()
      .map((element) => $(element).text())
      .join(' ');
  return text.replace(/\s+/g, ' ').trim();
}

/** The visible text of the page's content (without the shared layout's brand line and footnote), collapsed. */
export function pageText(page: Page): string {
  const $ = cheerio.load(page.html);
  const main = $('main').length ? $('main') : $('body');
  main.find('.brand, .note').remove();
  return main.text().replace(/\s+/g, ' ').trim();
}

export interface HtmlForm {
  action: URL;
  method: string;
  /** Every successful control's name/value except submit buttons: hidden fields, inputs, the first option of each
   * select. */
  fields: URLSearchParams;
  /** The form's submit buttons, as `name=value`, with their visible labels. */
  buttons: { name: string; value: string; label: string }[];
  /** `name` → the values a `<select>` offers. */
  options: Record<string, string[]>;
  /** The names of the controls with a `<label>`. */
  labelled: string[];
}

export interface Page {
  url: URL;
  status: number;
  headers: Headers;
  html: string;
}

export class FormBrowser {
  readonly #cookies = new Map<string, string>();

  constructor(
    private readonly fetch: typeof globalThis.fetch,
    /** Origins whose redirects are followed; a redirect anywhere else is where the flow ends. */
    private readonly providerOrigins: string[],
  ) {}

  /** GETs a page, following the provider's own redirects. */
  async open(url: string | URL): Promise<Page | { redirectedTo: URL }> {
    return this.#follow(new URL(url), { method: 'GET' });
  }

  /** Submits a form with `values` over its fields, pressing `button` (by name=value or label; default the first). */
  async submit(
    form: HtmlForm,
    values: Record<string, string> = {},
    button?: string,
  ): Promise<Page | { redirectedTo: URL }> {
    const body = new URLSearchParams(form.fields);
    for (const [name, value] of Object.entries(values)) body.set(name, value);
    const pressed =
      button === undefined
        ? form.buttons[0]
        : form.buttons.find(
            (candidate) => candidate.label === button || `${candidate.name}=${candidate.value}` === button,
          );
    if (button !== undefined && !pressed) throw new Error(`The form has no button ${button}`);
    if (pressed?.name) body.append(pressed.name, pressed.value);
    const init: RequestInit =
      form.method === 'GET'
        ? { method: 'GET' }
        : { method: 'POST', body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } };
    const target = new URL(form.action);
    if (form.method === 'GET') target.search = body.toString();
    return this.#follow(target, init);
  }

  async #follow(url: URL, init: RequestInit): Promise<Page | { redirectedTo: URL }> {
    let current = url;
    let request = init;
    for (let hop = 0; hop < 10; hop += 1) {
      const response = await this.fetch(current, {
        ...request,
        redirect: 'manual',
        headers: { ...(request.headers as Record<string, string> | undefined), ...this.#cookieHeader(current) },
      });
      this.#remember(current, response.headers);
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        const next = new URL(location, current);
        await response.body?.cancel();
        if (!this.providerOrigins.includes(next.origin)) return { redirectedTo: next };
        current = next;
        request = { method: 'GET' };
        continue;
      }
      return { url: current, status: response.status, headers: response.headers, html: await response.text() };
    }
    throw new Error(`More than 10 redirects from ${url.href}`);
  }

  #cookieHeader(url: URL): Record<string, string> {
    const cookies = [...this.#cookies.entries()]
      .filter(([key]) => key.startsWith(`${url.origin} `))
      .map(([key, value]) => `${key.split(' ')[1]}=${value}`);
    return cookies.length ? { Cookie: cookies.join('; ') } : {};
  }

  #remember(url: URL, headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair] = line.split(';');
      const separator = pair?.indexOf('=') ?? -1;
      if (!pair || separator < 1) continue;
      this.#cookies.set(`${url.origin} ${pair.slice(0, separator).trim()}`, pair.slice(separator + 1).trim());
    }
  }
}

/** The page's forms. */
export function formsOf(page: Page): HtmlForm[] {
  const $ = cheerio.load(page.html);
  return $('form')
    .toArray()
    .map((element) => {
      const form = $(element);
      const fields = new URLSearchParams();
      const buttons: HtmlForm['buttons'] = [];
      const options: HtmlForm['options'] = {};
      form.find('input, button, select, textarea').each((_, control) => {
        const node = $(control);
        const name = node.attr('name');
        const tag = control.tagName.toLowerCase();
        const type = (node.attr('type') ?? (tag === 'button' ? 'submit' : 'text')).toLowerCase();
        if (type === 'submit') {
          buttons.push({
            name: name ?? '',
            value: node.attr('value') ?? '',
            label: (node.text() || node.attr('value') || '').trim(),
          });
          return;
        }
        if (!name || node.is('[disabled]')) return;
        if (tag === 'select') {
          const values = node
            .find('option')
            .toArray()
            .map((option) => $(option).attr('value') ?? $(option).text());
          options[name] = values;
          const chosen = node.find('option[selected]').attr('value') ?? values[0];
          if (chosen !== undefined) fields.append(name, chosen);
        } else if (type === 'radio' || type === 'checkbox') {
          options[name] = [...(options[name] ?? []), node.attr('value') ?? 'on'];
          if (node.is('[checked]')) fields.append(name, node.attr('value') ?? 'on');
        } else {
          fields.append(name, tag === 'textarea' ? node.text() : (node.attr('value') ?? ''));
        }
      });
      const labelled = $('label')
        .toArray()
        .map((label) => $(label).attr('for'))
        .filter((id): id is string => Boolean(id))
        .map((id) => form.find(`#${id}`).attr('name'))
        .filter((name): name is string => Boolean(name));
      return {
        action: new URL(form.attr('action') ?? '', page.url),
        method: (form.attr('method') ?? 'GET').toUpperCase(),
        fields,
        buttons,
        options,
        labelled,
      };
    });
}

export function isRedirect(result: Page | { redirectedTo: URL }): result is { redirectedTo: URL } {
  return 'redirectedTo' in result;
}
