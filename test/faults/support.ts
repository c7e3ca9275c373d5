/**
 * What the fault-rule tests share: listening mocks (each closed by `closeServers` in afterAll), a fresh
 * session per test, the typed clients bound to that session, the providers' flows up to the step a test
 * faults, and bounded timing and waiting.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { expect } from 'vitest';
import {
  createB2CopyClient,
  createJust2TradeClient,
  createKeetaClient,
  type B2CopyClient,
  type B2CopyTokenPair,
  type Just2TradeClient,
} from '../../src/client/index.ts';
import { startMockServer, type RunningMockServer, type StartOptions } from '../../src/index.ts';
import {
  FormBrowser,
  completeJust2TradeLogin,
  formsOf,
  isRedirect,
  type HtmlForm,
  type SessionControls,
} from '../../testing/index.ts';
import type { BuiltinControls } from '../../mocks/index.ts';

export type Session = SessionControls<BuiltinControls>;

export const B2COPY_USER = { email: 'username@example.com', password: 'Secret123' } as const;
export const JUST2TRADE_USER = { login: 'login', password: 'password' } as const;
export const JUST2TRADE_CLIENT_ID = 'crm-demo';
export const JUST2TRADE_REDIRECT_URI = 'http://localhost:3000/callback';
export const KEETA_CLIENT_ID = 'keeta-demo';
export const KEETA_REDIRECT_URI = 'http://localhost:3000/keeta/callback';

/** Operations and pages on the mock, as the tests call them. */
export const PATHS = {
  b2copySignIn: '/b2copy/api/v2/signin',
  b2copyRefresh: '/b2copy/api/admin/auth/v2/admin/adminservice/refreshtoken',
  just2tradeToken: '/just2trade/auth/connect/token',
  just2tradeLogin: '/just2trade/auth/connect/authorize/login',
  keetaUrl: '/keeta/oauth/authorization/url',
  keetaMerchantPage: '/keeta/m/web/openapi/authorize',
} as const;

const started: RunningMockServer[] = [];

/** A quiet mock on a free port, closed by `closeServers`. */
export async function startServer(options: StartOptions = {}): Promise<RunningMockServer> {
  const server = await startMockServer({ port: 0, log: false, ...options });
  started.push(server);
  return server;
}

/** For afterAll: every server this file started (closing one twice is harmless). */
export async function closeServers(): Promise<void> {
  await Promise.all(started.splice(0).map((server) => server.close()));
}

/** A session of its own, isolated from every other test's. */
export function newSession(server: RunningMockServer, id: string = randomUUID()): Session {
  return server.session(id);
}

/** How long `work` took, in milliseconds, with its result. */
export async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await work();
  return { value, ms: performance.now() - start };
}

/** The error `promise` rejects with; fails the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)?.slice(0, 200)}`);
    },
    (error: unknown) => error,
  );
}

/** Polls `check` every 10 ms until it returns a value other than undefined; fails after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs = 2000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`nothing after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The system code under a fetch failure (`ECONNRESET`, `UND_ERR_SOCKET`, ...). */
export function causeCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** How a socket closed under a request surfaces from Node's fetch. */
export const SOCKET_ERRORS = ['ECONNRESET', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'EPIPE'];

// --- raw provider calls, in a session -----------------------------------------------------------------

export function postJson(server: RunningMockServer, session: Session, path: string, body: unknown, init?: RequestInit) {
  return session.fetch(`${server.url}${path}`, {
    ...init,
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(init?.headers as Record<string, string> | undefined) },
    body: JSON.stringify(body),
  });
}

export function b2copySignIn(server: RunningMockServer, session: Session, init?: RequestInit) {
  return postJson(server, session, PATHS.b2copySignIn, B2COPY_USER, init);
}

/** Keeta's one API call, cheap and stateless: what the counting tests fault. */
export function keetaUrl(
  server: RunningMockServer,
  session: Session,
  query: Record<string, string> = {},
  init?: RequestInit,
) {
  const search = new URLSearchParams({ clientId: KEETA_CLIENT_ID, ...query });
  return session.fetch(`${server.url}${PATHS.keetaUrl}?${search}`, init);
}

/** The status of `count` Keeta calls made one after another. */
export async function keetaStatuses(server: RunningMockServer, session: Session, count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let call = 0; call < count; call += 1) {
    const response = await keetaUrl(server, session);
    await response.body?.cancel();
    statuses.push(response.status);
  }
  return statuses;
}

// --- the typed clients and flows, in a session --------------------------------------------------------

export function b2copyClient(
  server: RunningMockServer,
  session: Session,
  fetch: typeof globalThis.fetch = session.fetch,
) {
  return createB2CopyClient({ baseUrl: `${server.url}/b2copy`, fetch });
}

export function keetaClient(
  server: RunningMockServer,
  session: Session,
  fetch: typeof globalThis.fetch = session.fetch,
) {
  return createKeetaClient({ baseUrl: `${server.url}/keeta`, fetch });
}

export async function just2tradeClient(
  server: RunningMockServer,
  session: Session,
  fetch: typeof globalThis.fetch = session.fetch,
): Promise<Just2TradeClient> {
  return createJust2TradeClient({
    authBaseUrl: `${server.url}/just2trade/auth`,
    apiBaseUrl: `${server.url}/just2trade/api`,
    clientId: JUST2TRADE_CLIENT_ID,
    clientSecret: await session.just2trade.clientSecret(JUST2TRADE_CLIENT_ID),
    redirectUri: JUST2TRADE_REDIRECT_URI,
    fetch,
  });
}

/** Back Office sign-in with the fixture user: a token pair. */
export async function signedIn(b2copy: B2CopyClient): Promise<B2CopyTokenPair> {
  const result = await b2copy.signIn(B2COPY_USER);
  if (result['2faRequired']) throw new Error('the fixture user unexpectedly needs 2FA');
  return result;
}

/** The Just2Trade flow up to the callback: an authorization code and its PKCE verifier. */
export async function just2tradeCode(client: Just2TradeClient, session: Session) {
  const state = randomUUID();
  const { url, codeVerifier } = await client.startAuthorization({ state });
  const callback = await completeJust2TradeLogin(url, { ...JUST2TRADE_USER, session: session.sessionId });
  return { code: client.parseCallback(callback, state).code, codeVerifier };
}

/** Keeta's merchant page opened as a browser does: the browser (with its cookie) and the page's form. */
export async function keetaMerchantForm(
  server: RunningMockServer,
  session: Session,
): Promise<{ browser: FormBrowser; form: HtmlForm }> {
  const keeta = keetaClient(server, session);
  const { merchantAuthorizationUrl } = await keeta.getAuthorizationUrl({
    clientId: KEETA_CLIENT_ID,
    redirectUri: KEETA_REDIRECT_URI,
    state: randomUUID(),
  });
  const browser = new FormBrowser(session.fetch, []);
  const page = await browser.open(merchantAuthorizationUrl);
  if (isRedirect(page)) throw new Error(`the merchant page redirected to ${page.redirectedTo.href}`);
  expect(page.status, page.html).toBe(200);
  const form = formsOf(page).find((candidate) => candidate.fields.has('csrfToken'));
  if (!form) throw new Error('the merchant page has no form');
  return { browser, form };
}
