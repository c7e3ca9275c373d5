/**
 * What the Keeta tests share: reading the merchant page's form as a browser would (action, hidden
 * fields, merchants, buttons, cookie), the apps the tests register, and the spec's own schema of the
 * redirect parameters, so every callback is held to the spec.
 */
import type { Response } from 'supertest';
import type { ValidateFunction } from 'ajv';
import { expect } from 'vitest';
import type { MockApp } from '../../src/index.ts';
import { compile, createSchemaCompilers } from '../../src/validation/ajv.ts';
import type { mockApp } from '../helpers.ts';

export type Http = Awaited<ReturnType<typeof mockApp>>['http'];

export const PAGE_PATH = '/keeta/m/web/openapi/authorize';
export const URL_PATH = '/keeta/oauth/authorization/url';

/** An app in shop-level mode, with no registered redirect URIs. */
export const SHOP_APP = {
  clientId: 'shop-client',
  appId: '5550001',
  mode: 'shop_level_authorization_code',
  region: 'HK',
  cityId: '810000',
  locale: 'zh-HK',
};
/** An app locked to registered redirect URIs. */
export const LOCKED_APP = {
  clientId: 'locked-client',
  appId: '5550002',
  mode: 'client_credentials',
  redirectUris: ['https://crm.example.com/keeta/callback', 'http://127.0.0.1:8080/cb?tenant=a%20b'],
};

export async function addApp(http: Http, session: string, app: Record<string, unknown>): Promise<void> {
  const response = await http.post('/__mock/keeta/apps').set('X-Mock-Session', session).send(app);
  expect(response.status, response.text).toBe(201);
}

/** The merchant authorization URL for `query`, checked to be a 200. */
export async function linkFor(http: Http, session: string, query: Record<string, string>): Promise<string> {
  const response = await http.get(URL_PATH).set('X-Mock-Session', session).query(query);
  expect(response.status, response.text).toBe(200);
  return response.body.merchantAuthorizationUrl as string;
}

/** The path and query a browser requests for a link: everything before the fragment. */
export function requestTarget(link: string): string {
  const url = new URL(link);
  return `${url.pathname}${url.search}`;
}

const decode = (text: string) =>
  text
    .replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

export interface ParsedForm {
  action: string;
  method: string;
  /** Hidden inputs by name. */
  hidden: Record<string, string>;
  merchants: { value: string; label: string; selected: boolean }[];
  /** The submit buttons' `decision` values. */
  decisions: string[];
  /** The `name=value` pair of the page's Set-Cookie, ready for a Cookie header. */
  cookie: string;
}

/** Reads the merchant page's form the way a browser sees it. */
export function parseForm(html: string, setCookie: string[] | string | undefined): ParsedForm {
  const form = /<form\s+method="([^"]*)"\s+action="([^"]*)">([\s\S]*?)<\/form>/.exec(html);
  if (!form) throw new Error(`no form in the page:\n${html}`);
  const inner = form[3]!;
  const hidden = Object.fromEntries(
    [...inner.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((match) => [
      match[1]!,
      decode(match[2]!),
    ]),
  );
  const merchants = [...inner.matchAll(/<option value="([^"]*)"( selected)?>([^<]*)<\/option>/g)].map((match) => ({
    value: decode(match[1]!),
    label: decode(match[3]!),
    selected: match[2] !== undefined,
  }));
  const decisions = [...inner.matchAll(/<button type="submit" name="decision" value="([^"]+)"/g)].map(
    (match) => match[1]!,
  );
  const cookies = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const cookie = cookies[0]?.split(';')[0] ?? '';
  return { action: decode(form[2]!), method: form[1]!, hidden, merchants, decisions, cookie };
}

/** The message of a merchant page error, as text. */
export function errorMessage(html: string): string {
  const match = /<p id="error">([^<]*)<\/p>/.exec(html);
  if (!match) throw new Error(`not an error page:\n${html}`);
  return decode(match[1]!);
}

/** GETs the merchant page for a link (no fragment, as a browser sends it) and reads its form. */
export async function openPage(
  http: Http,
  session: string,
  link: string,
): Promise<{ response: Response; form: ParsedForm }> {
  const response = await http.get(requestTarget(link)).set('X-Mock-Session', session);
  expect(response.status, response.text).toBe(200);
  return { response, form: parseForm(response.text, response.headers['set-cookie']) };
}

/** POSTs the form as a browser would: its hidden fields, the first merchant, the decision, the cookie. */
export function submit(
  http: Http,
  session: string,
  form: ParsedForm,
  fields: Record<string, string | undefined> = {},
  cookie = form.cookie,
) {
  const body = new URLSearchParams();
  const values: Record<string, string | undefined> = {
    ...form.hidden,
    merchantId: form.merchants.find((m) => m.selected)?.value,
    decision: 'authorize',
    ...fields,
  };
  for (const [name, value] of Object.entries(values)) if (value !== undefined) body.append(name, value);
  const request = http.post(new URL(form.action).pathname).set('X-Mock-Session', session).type('form');
  if (cookie) request.set('Cookie', cookie);
  return request.send(body.toString());
}

/** The query of a redirect's Location as an object (every name once). */
export function callbackParameters(location: string): Record<string, string> {
  const params = new URL(location).searchParams;
  const result: Record<string, string> = {};
  for (const name of new Set(params.keys())) {
    expect(params.getAll(name), `${name} appears more than once in ${location}`).toHaveLength(1);
    result[name] = params.get(name)!;
  }
  return result;
}

/** The spec's AuthorizationCallback schema (dereferenced, as the mock loaded it), compiled once. */
let callbackValidator: ValidateFunction | undefined;
export function expectSpecCallback(mock: MockApp, parameters: Record<string, string>): void {
  if (!callbackValidator) {
    const keeta = mock.providers.find((provider) => provider.name === 'keeta')!;
    const schemas = (keeta.spec.document.components as { schemas: Record<string, unknown> }).schemas;
    callbackValidator = compile(createSchemaCompilers().body, schemas.AuthorizationCallback as never);
  }
  expect(callbackValidator(parameters), JSON.stringify(callbackValidator.errors)).toBe(true);
}
