/**
 * The flow probed from outside the process: a real listening server, real `fetch`, no redirects
 * followed by the client. Includes ten simultaneous redemptions of one code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type RunningMockServer } from '../../src/index.ts';
import { newSession } from '../helpers.ts';
import { ServerFlow } from './flow.ts';

let server: RunningMockServer;
beforeAll(async () => {
  server = await startMockServer({ port: 0, providers: ['just2trade'], log: () => {} });
});
afterAll(() => server.close());

/** Everything a CRM and a browser do until the redirect back: returns the code. */
async function signIn(flow: ServerFlow, state: string): Promise<string> {
  const location = await flow.signIn(await flow.authorizeUrl({ state }));
  expect(`${location.origin}${location.pathname}`).toBe('http://localhost:3000/callback');
  expect(location.searchParams.get('state')).toBe(state);
  return location.searchParams.get('code')!;
}

describe('over HTTP', () => {
  it('the documented flow: login form, 302 with code and state, token, profile', async () => {
    const flow = new ServerFlow(server.url, newSession());
    const code = await signIn(flow, 'crm-state-1');
    const token = await flow.redeem(code);
    expect(token.status).toBe(200);
    expect(token.headers.get('cache-control')).toBe('no-store');
    const body = (await token.json()) as { access_token: string };
    const profile = await flow.profile(body.access_token);
    expect(profile.status).toBe(200);
    expect(await profile.json()).toMatchObject({ login: 'login', email: 'login@email.com' });
  });

  it('ten simultaneous redemptions of one code give exactly one token', async () => {
    const flow = new ServerFlow(server.url, newSession());
    const code = await signIn(flow, 'race');
    const responses = await Promise.all(Array.from({ length: 10 }, () => flow.redeem(code)));
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
