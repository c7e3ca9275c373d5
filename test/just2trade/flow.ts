/**
 * Steps of the Just2Trade flow for the tests in this folder: each step is what a browser or a CRM
 * backend does, nothing reaches into state. The steps are written once (the authorize parameters, what
 * a browser reads off the login page, what it posts) and sent two ways: `Flow` through supertest
 * against an in-process app (field by field, for the tests of the form itself), `ServerFlow` with `fetch`
 * against a listening server (for the tests that need a real socket, or hand the URL to a client library),
 * whose sign-in is partnermock/testing's.
 */
import type { Response } from 'supertest';
import request from 'supertest';
import { expect } from 'vitest';
import { createMockApp, type AnyPlugin } from '../../src/index.ts';
import { completeJust2TradeLogin } from '../../testing/index.ts';
import { newSession } from '../helpers.ts';

export const AUTHORIZE = '/just2trade/auth/connect/authorize';
export const LOGIN = '/just2trade/auth/connect/authorize/login';
export const TOKEN = '/just2trade/auth/connect/token';
export const PROFILE = '/just2trade/api/auth';
export const REDIRECT_URI = 'http://localhost:3000/callback';
export const CLIENT_ID = 'crm-demo';

export type Http = ReturnType<typeof request>;

/** RFC 7636 Appendix B's example: a code verifier and its S256 challenge. */
export const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
export const S256_CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
/** The authorize parameters that bind a code to VERIFIER with S256. */
export const S256_PKCE = { code_challenge: S256_CHALLENGE, code_challenge_method: 'S256' } as const;

/**
 * The mock serving only Just2Trade (or the given configured plugin). One app per test file;
 * `flow()` gives each test its own session, so tests never see each other's codes, tokens or clock.
 */
export async function just2tradeApp(plugin?: AnyPlugin) {
  const mock = await createMockApp(plugin ? { providers: [], plugins: [plugin] } : { providers: ['just2trade'] });
  const http = request(mock.app);
  return { mock, http, flow: () => new Flow(http, newSession()) };
}

export interface LoginForm {
  pending: string;
  csrfToken: string;
  /** `name=value` of the CSRF cookie the page set, for the Cookie header. */
  cookie: string;
  /** Where the form posts, as the page writes it (a path on the mock). */
  action: string;
  page: Response;
}

/** The docs' authorize parameters for the default client, with overrides (undefined removes a parameter). */
export function authorizeParameters(secret: string, overrides: Record<string, string | undefined> = {}) {
  const query: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: CLIENT_ID,
    client_secret: secret,
    redirect_uri: REDIRECT_URI,
    ...overrides,
  };
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params.append(name, value);
  return params;
}

/** What a browser keeps of a login page: the form's hidden fields and action, and the CSRF cookie. */
export function formOnPage(html: string, setCookie: string[]): Omit<LoginForm, 'page'> {
  const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
  return {
    pending: field('pending') ?? '',
    csrfToken: field('csrf_token') ?? '',
    cookie: setCookie[0]?.split(';')[0] ?? '',
    action: /<form method="post" action="([^"]+)"/.exec(html)?.[1] ?? '',
  };
}

/** The fields the user submits on the login form. */
export function loginFields(form: Pick<LoginForm, 'pending' | 'csrfToken'>, login: string, password: string) {
  return { pending: form.pending, csrf_token: form.csrfToken, login, password };
}

/** The default client's secret out of `GET /__mock/just2trade/clients`. */
function defaultClientSecret(clients: unknown): string {
  return (clients as { clientId: string; clientSecret: string }[]).find((client) => client.clientId === CLIENT_ID)!
    .clientSecret;
}

export class Flow {
  #secret?: string;

  constructor(
    readonly http: Http,
    readonly session: string,
  ) {}

  /** The default client's secret, as `GET /__mock/just2trade/clients` shows it. */
  async secret(): Promise<string> {
    if (!this.#secret) {
      const { body } = await this.http
        .get('/__mock/just2trade/clients')
        .set('X-Mock-Session', this.session)
        .expect(200);
      this.#secret = defaultClientSecret(body);
    }
    return this.#secret;
  }

  /** The docs' authorize query for the default client, with overrides (undefined removes a parameter). */
  async authorizeQuery(overrides: Record<string, string | undefined> = {}): Promise<string> {
    return authorizeParameters(await this.secret(), overrides).toString();
  }

  authorize(query: string) {
    return this.http.get(`${AUTHORIZE}?${query}`).set('X-Mock-Session', this.session).redirects(0);
  }

  /** Opens the login form and reads what the browser would keep: the hidden fields and the cookie. */
  async openLogin(overrides: Record<string, string | undefined> = {}): Promise<LoginForm> {
    const page = await this.authorize(await this.authorizeQuery(overrides));
    expect(page.status, page.text).toBe(200);
    return { ...readForm(page), page };
  }

  submitLogin(
    form: Pick<LoginForm, 'pending' | 'csrfToken' | 'cookie'>,
    login = 'login',
    password = 'password',
    cookie = form.cookie,
  ) {
    const post = this.http.post(LOGIN).set('X-Mock-Session', this.session).redirects(0).type('form');
    if (cookie) post.set('Cookie', cookie);
    return post.send(loginFields(form, login, password));
  }

  /** The whole browser part: authorize, sign in as the default user; the code from the redirect. */
  async code(overrides: Record<string, string | undefined> = {}): Promise<string> {
    const response = await this.submitLogin(await this.openLogin(overrides));
    expect(response.status, response.text).toBe(302);
    return new URL(response.headers.location!).searchParams.get('code')!;
  }

  /** A token request as the docs send it (form-encoded), with extra fields. */
  redeem(code: string, extra: Record<string, string> = {}, headers: Record<string, string> = {}) {
    return this.http
      .post(TOKEN)
      .set('X-Mock-Session', this.session)
      .set('Accept', 'application/json')
      .set(headers)
      .type('form')
      .send({ grant_type: 'authorization_code', code, client_id: CLIENT_ID, ...extra });
  }

  async token(): Promise<string> {
    const response = await this.redeem(await this.code());
    expect(response.status, response.text).toBe(200);
    return response.body.access_token as string;
  }

  profile(accessToken: string, scheme = 'Bearer') {
    return this.http.get(PROFILE).set('X-Mock-Session', this.session).set('Authorization', `${scheme} ${accessToken}`);
  }

  async advance(seconds: number): Promise<void> {
    await this.http
      .post('/__mock/clock')
      .set('X-Mock-Session', this.session)
      .send({ advanceSeconds: seconds })
      .expect(200);
  }

  /** Adds a fixture item to this session (control API). */
  async add(collection: 'clients' | 'users', item: Record<string, unknown>): Promise<void> {
    const response = await this.http
      .post(`/__mock/just2trade/${collection}`)
      .set('X-Mock-Session', this.session)
      .send(item);
    expect(response.status, response.text).toBe(201);
  }
}

export function readForm(page: Response): Omit<LoginForm, 'page'> {
  return formOnPage(page.text, ([] as string[]).concat(page.headers['set-cookie'] ?? []));
}

/**
 * The same steps with `fetch` against a listening server (`startMockServer`), on a session of its own
 * or, without one, on the default session (as a client library or a browser that sends no
 * `X-Mock-Session` uses it).
 */
export class ServerFlow {
  #secret?: string;

  constructor(
    readonly baseUrl: string,
    readonly session?: string,
  ) {}

  /** This flow's session header, and the given headers. */
  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.session !== undefined ? { 'X-Mock-Session': this.session } : {}), ...extra };
  }

  /** The default client's secret, as `GET /__mock/just2trade/clients` shows it. */
  async secret(): Promise<string> {
    if (!this.#secret) {
      const response = await fetch(`${this.baseUrl}/__mock/just2trade/clients`, { headers: this.headers() });
      expect(response.status).toBe(200);
      this.#secret = defaultClientSecret(await response.json());
    }
    return this.#secret;
  }

  /** The docs' authorize URL for the default client, with overrides (undefined removes a parameter). */
  async authorizeUrl(overrides: Record<string, string | undefined> = {}): Promise<string> {
    return `${this.baseUrl}${AUTHORIZE}?${authorizeParameters(await this.secret(), overrides)}`;
  }

  /** The browser's part, as partnermock/testing does it: sign in on the login form; the redirect back. */
  signIn(authorizeUrl: string | URL, login = 'login', password = 'password'): Promise<URL> {
    return completeJust2TradeLogin(authorizeUrl, {
      login,
      password,
      ...(this.session !== undefined ? { session: this.session } : {}),
    });
  }

  /** Authorize and sign in as the default user; the code from the redirect. */
  async code(overrides: Record<string, string | undefined> = {}): Promise<string> {
    return (await this.signIn(await this.authorizeUrl(overrides))).searchParams.get('code')!;
  }

  /** A token request with exactly this form (a field with several values is sent once per value). */
  tokenRequest(form: Record<string, string | string[]>, headers: Record<string, string> = {}) {
    return fetch(`${this.baseUrl}${TOKEN}`, {
      method: 'POST',
      headers: this.headers({
        ...headers,
        Accept: 'application/json',
        'Content-Type': 'application/x-www-form-urlencoded',
      }),
      body: new URLSearchParams(
        Object.entries(form).flatMap(([name, values]) => [values].flat().map((value) => [name, value])),
      ),
    });
  }

  /** A token request as the docs send it (form-encoded), with extra fields. */
  redeem(code: string, extra: Record<string, string> = {}) {
    return this.tokenRequest({ grant_type: 'authorization_code', code, client_id: CLIENT_ID, ...extra });
  }

  profile(accessToken: string) {
    return fetch(`${this.baseUrl}${PROFILE}`, { headers: this.headers({ Authorization: `Bearer ${accessToken}` }) });
  }

  async advance(seconds: number): Promise<void> {
    const response = await fetch(`${this.baseUrl}/__mock/clock`, {
      method: 'POST',
      headers: this.headers({ 'Content-Type': 'application/json' }),
      body: JSON.stringify({ advanceSeconds: seconds }),
    });
    expect(response.status).toBe(200);
  }
}

/** An RFC 6749 §5.2 error body with no-store, as every token endpoint error must be. */
export function expectOAuthError(response: Response, status: number, error: string): void {
  expect(response.status, response.text).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect(response.headers['cache-control']).toBe('no-store');
  expect(response.body).toEqual({ error, error_description: expect.any(String) });
}

/** An HTML error page: no redirect, nothing sent to any redirect URI. */
export function expectErrorPage(response: Response, status: number, text: RegExp): void {
  expect(response.status, response.text).toBe(status);
  expect(response.headers.location).toBeUndefined();
  expect(response.headers['content-type']).toMatch(/^text\/html/);
  expect(response.text).toMatch(text);
}
