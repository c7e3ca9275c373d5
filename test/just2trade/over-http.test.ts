/**
 * The flow probed from outside the process: a real listening server, real `fetch`, no redirects
 * followed by the client. Includes ten simultaneous redemptions of one code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type RunningMockServer } from '../../src/index.ts';
import { newSession } from '../helpers.ts';

let server: RunningMockServer;
beforeAll(async () => {
  server = await startMockServer({ port: 0, providers: ['just2trade'], log: () => {} });
});
afterAll(() => server.close());

/** Everything a CRM and a browser do until the redirect back: returns the code. */
async function signIn(session: string, state: string): Promise<string> {
  const headers = { 'X-Mock-Session': session };
  const clients = (await (await fetch(`${server.url}/__mock/just2trade/clients`, { headers })).json()) as {
    clientSecret: string;
  }[];
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: 'crm-demo',
    client_secret: clients[0]!.clientSecret,
    redirect_uri: 'http://localhost:3000/callback',
    state,
  });
  const page = await fetch(`${server.url}/just2trade/auth/connect/authorize?${query}`, { headers, redirect: 'manual' });
  expect(page.status).toBe(200);
  const html = await page.text();
  const action = /<form method="post" action="([^"]+)"/.exec(html)![1]!;
  const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)![1]!;
  const cookie = page.headers.getSetCookie()[0]!.split(';')[0]!;
  const login = await fetch(new URL(action, server.url), {
    method: 'POST',
    redirect: 'manual',
    headers: { ...headers, Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      pending: field('pending'),
      csrf_token: field('csrf_token'),
      login: 'login',
      password: 'password',
    }),
  });
  expect(login.status).toBe(302);
  const location = new URL(login.headers.get('location')!);
  expect(`${location.origin}${location.pathname}`).toBe('http://localhost:3000/callback');
  expect(location.searchParams.get('state')).toBe(state);
  return location.searchParams.get('code')!;
}

function redeem(session: string, code: string) {
  return fetch(`${server.url}/just2trade/auth/connect/token`, {
    method: 'POST',
    headers: {
      'X-Mock-Session': session,
      Accept: 'application/json',
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: `grant_type=authorization_code&code=${encodeURIComponent(code)}&client_id=crm-demo`,
  });
}

describe('over HTTP', () => {
  it('the documented flow: login form, 302 with code and state, token, profile', async () => {
    const session = newSession();
    const code = await signIn(session, 'crm-state-1');
    const token = await redeem(session, code);
    expect(token.status).toBe(200);
    expect(token.headers.get('cache-control')).toBe('no-store');
    const body = (await token.json()) as { access_token: string };
    const profile = await fetch(`${server.url}/just2trade/api/auth`, {
      headers: { 'X-Mock-Session': session, Authorization: `Bearer ${body.access_token}` },
    });
    expect(profile.status).toBe(200);
    expect(await profile.json()).toMatchObject({ login: 'login', email: 'login@email.com' });
  });

  it('ten simultaneous redemptions of one code give exactly one token', async () => {
    const session = newSession();
    const code = await signIn(session, 'race');
    const responses = await Promise.all(Array.from({ length: 10 }, () => redeem(session, code)));
    const bodies = (await Promise.all(responses.map((response) => response.json()))) as { error?: string }[];
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 400)).toHaveLength(9);
    expect(bodies.filter((body) => body.error === 'invalid_grant')).toHaveLength(9);
  });

  it('no redirect to an unregistered URI, whatever the request', async () => {
    const response = await fetch(
      `${server.url}/just2trade/auth/connect/authorize?response_type=code&client_id=crm-demo&client_secret=x&redirect_uri=${encodeURIComponent('https://evil.example/')}`,
      { redirect: 'manual' },
    );
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  });
});
