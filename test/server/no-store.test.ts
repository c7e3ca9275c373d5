/**
 * No cache may keep a token, a code, a client secret, a one-time link or a one-time form (RFC 6749
 * §5.1, RFC 9700). The walk below drives every operation and page of the three providers over a real
 * socket, successes and refusals, and records every answer; then:
 *  - every answer of an operation or page the plugin marks `sensitive` says `Cache-Control: no-store`
 *    and `Pragma: no-cache`, errors included;
 *  - no other answer carries any secret the walk has seen (so an unmarked operation that starts to
 *    hand out a token fails here);
 *  - the walk reached every operation and page, so a new one cannot slip past;
 *  - every control API answer is no-store (its listings carry passwords and client secrets).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type RunningMockServer } from '../../src/index.ts';
import { FormBrowser, formsOf, isRedirect } from '../../src/testing/form-browser.ts';
import { AUTH_URL_REQUEST, PATHS, USER, externalClaims, signExternal } from '../b2copy/b2copy-helpers.ts';

interface Recorded {
  url: string;
  status: number;
  headers: Headers;
  text: string;
}

let mock: RunningMockServer;
const recorded: Recorded[] = [];
const secrets = new Set<string>();

/** fetch that keeps every answer (and its text) for the checks below. */
const recordingFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, { ...init, redirect: 'manual' });
  const text = await response.text();
  recorded.push({
    url: String(input instanceof Request ? input.url : input),
    status: response.status,
    headers: response.headers,
    text,
  });
  return new Response(response.status === 204 || response.status === 304 ? null : text, {
    status: response.status,
    headers: response.headers,
  });
};

const json = (path: string, body: unknown) =>
  recordingFetch(`${mock.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

function remember(...values: unknown[]): void {
  for (const value of values) if (typeof value === 'string' && value.length >= 8) secrets.add(value);
}

async function walkB2Copy(): Promise<void> {
  const signedIn = (await (await json(PATHS.signIn, USER)).json()) as any;
  remember(signedIn.accessToken.token, signedIn.refreshToken.token);
  await json(PATHS.signIn, { ...USER, password: 'wrong' });
  const external = (await (
    await json(PATHS.authExternalCrm, { external_token: await signExternal(externalClaims()) })
  ).json()) as any;
  remember(external.accessToken.token, external.refreshToken.token);
  await json(PATHS.authExternalCrm, { external_token: 'a.b.c' });
  const refreshed = (await (
    await json(PATHS.refreshToken, { refresh_token: signedIn.refreshToken.token })
  ).json()) as any;
  remember(refreshed.accessToken.token, refreshed.refreshToken.token);
  await json(PATHS.refreshToken, { refresh_token: signedIn.refreshToken.token });
  const link = (await (await json(PATHS.getAuthUrl, AUTH_URL_REQUEST)).json()) as any;
  const url = JSON.stringify(link).match(/https?:\/\/[^"]+/)![0];
  remember(new URL(url).pathname.split('/').pop());
  await recordingFetch(url);
  await recordingFetch(url);
}

async function walkJust2Trade(): Promise<void> {
  const clients = (await (await recordingFetch(`${mock.url}/__mock/just2trade/clients`)).json()) as {
    clientId: string;
    clientSecret: string;
  }[];
  const client = clients.find((candidate) => candidate.clientId === 'crm-demo')!;
  remember(client.clientSecret);
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: client.clientId,
    client_secret: client.clientSecret,
    redirect_uri: 'http://localhost:3000/callback',
    state: 'xyz',
  });
  const browser = new FormBrowser(recordingFetch, [new URL(mock.url).origin]);
  const page = await browser.open(`${mock.url}/just2trade/auth/connect/authorize?${query}`);
  if (isRedirect(page)) throw new Error('authorize redirected instead of showing the login form');
  const [form] = formsOf(page);
  for (const value of form!.fields.values()) remember(value);
  await recordingFetch(form!.action);
  const back = await browser.submit(form!, { login: 'login', password: 'password' });
  if (!isRedirect(back)) throw new Error(`login did not redirect: ${back.status}`);
  const code = back.redirectedTo.searchParams.get('code')!;
  remember(code);
  const redeem = () =>
    recordingFetch(`${mock.url}/just2trade/auth/connect/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        client_id: client.clientId,
        client_secret: client.clientSecret,
        redirect_uri: 'http://localhost:3000/callback',
      }),
    });
  const token = (await (await redeem()).json()) as { access_token: string };
  remember(token.access_token);
  await redeem();
  await recordingFetch(`${mock.url}/just2trade/api/auth`, {
    headers: { Authorization: `Bearer ${token.access_token}` },
  });
  await recordingFetch(`${mock.url}/just2trade/api/auth`, { headers: { Authorization: 'Bearer wrong' } });
}

async function walkKeeta(): Promise<void> {
  const query = new URLSearchParams({
    clientId: 'keeta-demo',
    redirectUri: 'http://localhost:3000/keeta/callback',
    state: 's1',
  });
  const { merchantAuthorizationUrl: url } = (await (
    await recordingFetch(`${mock.url}/keeta/oauth/authorization/url?${query}`)
  ).json()) as {
    merchantAuthorizationUrl: string;
  };
  const browser = new FormBrowser(recordingFetch, [new URL(mock.url).origin]);
  const page = await browser.open(url.replace(/#.*$/, ''));
  if (isRedirect(page)) throw new Error('the merchant page redirected');
  const [form] = formsOf(page);
  for (const value of form!.fields.values()) remember(value);
  const authorize = form!.buttons.find((button) => /authori[sz]e/i.test(button.label)) ?? form!.buttons[0]!;
  const back = await browser.submit(form!, {}, authorize.name ? `${authorize.name}=${authorize.value}` : undefined);
  if (!isRedirect(back)) throw new Error(`the merchant page did not redirect: ${back.status}`);
  remember(back.redirectedTo.searchParams.get('authId'), back.redirectedTo.searchParams.get('code'));
}

beforeAll(async () => {
  mock = await startMockServer({ port: 0 });
  await walkB2Copy();
  await walkJust2Trade();
  await walkKeeta();
}, 60_000);
afterAll(() => mock.close());

/** The journal says which operation or page answered each provider request; matched up by order. */
async function answersByRoute() {
  const entries = (await mock.mock.journal.recent({ limit: 1000 })).reverse();
  const providerAnswers = recorded.filter((answer) => !new URL(answer.url).pathname.startsWith('/__mock'));
  expect(entries).toHaveLength(providerAnswers.length);
  return providerAnswers.map((answer, index) => ({
    ...answer,
    provider: entries[index]!.provider,
    route: entries[index]!.operationId ?? entries[index]!.page!,
  }));
}

describe('Cache-Control: no-store', () => {
  it('the walk reached every operation and page of every provider', async () => {
    const reached = new Set((await answersByRoute()).map((answer) => `${answer.provider} ${answer.route}`));
    for (const runtime of mock.mock.providers) {
      for (const operationId of runtime.operations.keys())
        expect(reached, `${runtime.name} ${operationId}`).toContain(`${runtime.name} ${operationId}`);
      for (const page of runtime.plugin.pages ?? [])
        expect(reached, `${runtime.name} ${page.name}`).toContain(`${runtime.name} ${page.name}`);
    }
  });

  it('every answer of a sensitive operation or page is no-store, refusals included', async () => {
    const sensitive = (await answersByRoute()).filter((answer) =>
      mock.mock.providers.find((runtime) => runtime.name === answer.provider)!.plugin.sensitive?.includes(answer.route),
    );
    expect(sensitive.some((answer) => answer.status >= 400)).toBe(true);
    for (const answer of sensitive) {
      expect(answer.headers.get('cache-control'), `${answer.route} ${answer.status}`).toBe('no-store');
      expect(answer.headers.get('pragma'), `${answer.route} ${answer.status}`).toBe('no-cache');
    }
  });

  it('no answer that may be cached carries a token, code, secret, link or form value', () => {
    expect(secrets.size).toBeGreaterThan(10);
    for (const answer of recorded) {
      if (answer.headers.get('cache-control') === 'no-store') continue;
      const carried = `${answer.text} ${answer.headers.get('location') ?? ''} ${answer.headers.get('set-cookie') ?? ''}`;
      for (const secret of secrets) expect(carried.includes(secret), `${answer.url} carries ${secret}`).toBe(false);
    }
  });

  it('every control API answer is no-store', async () => {
    const control = recorded.filter((answer) => new URL(answer.url).pathname.startsWith('/__mock'));
    expect(control.length).toBeGreaterThan(0);
    for (const path of ['/__mock/b2copy/users', '/__mock/just2trade/users', '/__mock/keeta/apps', '/__mock/nowhere']) {
      const response = await fetch(`${mock.url}${path}`);
      expect(response.headers.get('cache-control'), path).toBe('no-store');
      expect(response.headers.get('pragma'), path).toBe('no-cache');
    }
  });
});
