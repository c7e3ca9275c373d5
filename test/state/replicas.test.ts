/**
 * Two mock processes sharing one real Redis (`--store redis://...`), as two replicas behind a round-robin
 * load balancer: a flow that crosses them works, a one-time thing is one-time across them, state survives
 * restarting both, and a Redis outage is a provider-shaped 503 that ends when Redis is back.
 */
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli, type CliProcess } from '../support/config-files.ts';
import { freePort, startRedis, type TestRedis } from '../support/redis.ts';
import {
  AUTHORIZE,
  CLIENT_ID,
  LOGIN,
  PROFILE,
  REDIRECT_URI,
  TOKEN,
  authorizeParameters,
  formOnPage,
} from '../just2trade/flow.ts';

const B2COPY = {
  signIn: '/b2copy/api/v2/signin',
  refresh: '/b2copy/api/admin/auth/v2/admin/adminservice/refreshtoken',
  jwks: '/__mock/b2copy/jwks.json',
};
const USER = { email: 'username@example.com', password: 'Secret123' };

let redis: TestRedis;
let replicas: { process: CliProcess; url: string }[] = [];
let sessions = 0;

async function startReplica(): Promise<{ process: CliProcess; url: string }> {
  // One public URL for both, as behind a load balancer: the issuer of their tokens is the same.
  const port = await freePort();
  const process = spawnCli([
    '--port',
    String(port),
    '--public-url',
    'http://partnermock.internal',
    '--store',
    redis.url,
    '--store-prefix',
    'replicas-test:',
  ]);
  await process.waitForOutput(/listening on/);
  return { process, url: `http://127.0.0.1:${port}` };
}

async function startBoth(): Promise<void> {
  replicas = await Promise.all([startReplica(), startReplica()]);
}

async function stopBoth(): Promise<void> {
  await Promise.all(replicas.map((replica) => replica.process.stop()));
}

beforeAll(async () => {
  redis = await startRedis();
  await startBoth();
}, 60_000);

afterAll(async () => {
  await stopBoth();
  await redis?.dispose();
});

const [A, B] = [0, 1] as const;
const urlOf = (replica: number) => replicas[replica]!.url;

/** Each test its own session, named the same on both replicas. */
function session(): Record<string, string> {
  return { 'X-Mock-Session': `replicas-${++sessions}-${Date.now()}` };
}

async function json(response: Response): Promise<any> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${response.status} not JSON: ${text.slice(0, 300)}`);
  }
}

/** Just2Trade: authorize on one replica, sign in on the login form on another; the code. */
async function just2tradeCode(headers: Record<string, string>, authorizeOn: number, loginOn: number) {
  const clients = await json(await fetch(`${urlOf(authorizeOn)}/__mock/just2trade/clients`, { headers }));
  const secret = clients.find((client: { clientId: string }) => client.clientId === CLIENT_ID).clientSecret as string;
  const page = await fetch(`${urlOf(authorizeOn)}${AUTHORIZE}?${authorizeParameters(secret)}`, {
    headers,
    redirect: 'manual',
  });
  expect(page.status).toBe(200);
  const form = formOnPage(await page.text(), page.headers.getSetCookie());
  const login = await fetch(`${urlOf(loginOn)}${LOGIN}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { ...headers, Cookie: form.cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      pending: form.pending,
      csrf_token: form.csrfToken,
      login: 'login',
      password: 'password',
    }),
  });
  expect(login.status, await login.clone().text()).toBe(302);
  const location = new URL(login.headers.get('location')!);
  expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
  return location.searchParams.get('code')!;
}

function redeem(replica: number, headers: Record<string, string>, code: string): Promise<Response> {
  return fetch(`${urlOf(replica)}${TOKEN}`, {
    method: 'POST',
    headers: { ...headers, Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, client_id: CLIENT_ID }),
  });
}

function profile(replica: number, headers: Record<string, string>, accessToken: string): Promise<Response> {
  return fetch(`${urlOf(replica)}${PROFILE}`, { headers: { ...headers, Authorization: `Bearer ${accessToken}` } });
}

function b2copy(replica: number, path: string, headers: Record<string, string>, body: unknown): Promise<Response> {
  return fetch(`${urlOf(replica)}${path}`, {
    method: 'POST',
    headers: { ...headers, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('two replicas sharing one Redis', () => {
  it('completes a Just2Trade flow that crosses them: authorize on A, log in on B, redeem on A, profile on B', async () => {
    const headers = session();
    const code = await just2tradeCode(headers, A, B);
    const token = await redeem(A, headers, code);
    expect(token.status).toBe(200);
    const { access_token } = await json(token);
    const me = await profile(B, headers, access_token);
    expect(me.status).toBe(200);
    expect((await json(me)).login ?? (await json(await profile(A, headers, access_token))).login).toBeDefined();
  });

  it('gives exactly one of ten racing redemptions of a code, split across A and B, its token', async () => {
    const headers = session();
    const code = await just2tradeCode(headers, B, A);
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => redeem(i % 2 ? A : B, headers, code)));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 400)).toHaveLength(9);
    // The replays revoked what the code gave (RFC 6749 §4.1.2), on both replicas.
    const { access_token } = await json(answers[statuses.indexOf(200)]!);
    for (const replica of [A, B]) expect((await profile(replica, headers, access_token)).status).toBe(401);
  });

  it('lets one of ten racing refreshes across A and B win, and the reuse revokes the family on both', async () => {
    const headers = session();
    const signedIn = await json(await b2copy(A, B2COPY.signIn, headers, USER));
    const refreshToken = signedIn.refreshToken.token as string;
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        b2copy(i % 2 ? A : B, B2COPY.refresh, headers, { refresh_token: refreshToken }),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    const renewed = await json(answers[statuses.indexOf(200)]!);
    // The new pair belongs to the family the reuse revoked: refused on either replica.
    for (const replica of [A, B]) {
      const again = await b2copy(replica, B2COPY.refresh, headers, { refresh_token: renewed.refreshToken.token });
      expect(again.status).toBe(401);
      expect(JSON.stringify(await json(again))).toMatch(/revoked/);
    }
  });

  it('sees a clock moved on A from B at once', async () => {
    const headers = session();
    const moved = await json(
      await fetch(`${urlOf(A)}/__mock/clock`, {
        method: 'POST',
        headers: { ...headers, 'Content-Type': 'application/json' },
        body: JSON.stringify({ advanceSeconds: 3600 }),
      }),
    );
    const seen = await json(await fetch(`${urlOf(B)}/__mock/clock`, { headers }));
    expect(seen.offsetSeconds).toBe(3600);
    expect(Math.abs(Date.parse(seen.now) - Date.parse(moved.now))).toBeLessThan(5000);
  });

  it('applies a fault rule added on A on B, its times counted across both', async () => {
    const headers = session();
    const added = await fetch(`${urlOf(A)}/__mock/faults`, {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: JSON.stringify({ provider: 'b2copy', operationId: 'signIn', status: 503, times: 3 }),
    });
    expect(added.status).toBe(201);
    const statuses = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => (await b2copy(i % 2 ? A : B, B2COPY.signIn, headers, USER)).status),
    );
    expect(statuses.filter((status) => status === 503)).toHaveLength(3);
    expect(statuses.filter((status) => status === 200)).toHaveLength(5);
    const [rule] = await json(await fetch(`${urlOf(B)}/__mock/faults`, { headers }));
    // Three answered; a request that found the rule used up did not count as seen.
    expect(rule.hits).toBe(3);
    expect(rule.seen).toBeGreaterThanOrEqual(3);
    // Removed on B, gone on A.
    expect((await fetch(`${urlOf(B)}/__mock/faults/${rule.id}`, { method: 'DELETE', headers })).status).toBe(204);
    expect(await json(await fetch(`${urlOf(A)}/__mock/faults`, { headers }))).toEqual([]);
  });

  it('keeps one journal: a request answered by A is listed, shown and streamed by B', async () => {
    const headers = session();
    const events = new AbortController();
    const stream = await fetch(`${urlOf(B)}/__mock/events?session=${headers['X-Mock-Session']}`, {
      signal: events.signal,
    });
    const reader = stream.body!.getReader();
    let seen = '';
    const streamed = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return seen;
        seen += new TextDecoder().decode(value);
        if (seen.includes('event: exchange')) return seen;
      }
    })();
    try {
      // The subscription is made as the stream opens; give it a moment before recording.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await b2copy(A, B2COPY.signIn, headers, USER)).status).toBe(200);
      const text = await Promise.race([
        streamed,
        new Promise<string>((_, reject) => setTimeout(() => reject(new Error(`no event: ${seen}`)), 5000)),
      ]);
      expect(text).toMatch(/"operationId":"signIn"/);
    } finally {
      events.abort();
    }
    await expect.poll(async () => (await json(await fetch(`${urlOf(B)}/__mock/journal`, { headers }))).length).toBe(1);
    const [entry] = await json(await fetch(`${urlOf(B)}/__mock/journal`, { headers }));
    expect(entry).toMatchObject({ provider: 'b2copy', operationId: 'signIn', status: 200 });
    const detail = await json(await fetch(`${urlOf(B)}/__mock/journal/${entry.id}`));
    expect(detail.request.url).toBe(B2COPY.signIn);
    // The password is masked in the shared journal as in the local one.
    expect(JSON.stringify(detail.request)).not.toContain('Secret123');
    expect(detail.tokens.length).toBeGreaterThan(0);
  });

  it('keeps tokens issued before both replicas restarted: they verify, refresh and read the profile', async () => {
    const headers = session();
    const signedIn = await json(await b2copy(A, B2COPY.signIn, headers, USER));
    const code = await just2tradeCode(headers, A, B);
    const { access_token } = await json(await redeem(B, headers, code));

    await stopBoth();
    await startBoth();

    const jwks = createRemoteJWKSet(new URL(`${urlOf(B)}${B2COPY.jwks}`));
    await expect(jwtVerify(signedIn.accessToken.token, jwks)).resolves.toBeDefined();
    const refreshed = await b2copy(B, B2COPY.refresh, headers, { refresh_token: signedIn.refreshToken.token });
    expect(refreshed.status).toBe(200);
    expect((await profile(A, headers, access_token)).status).toBe(200);
  }, 60_000);

  it('answers a provider-shaped 503 while Redis is down, logs it once, and serves again when it is back', async () => {
    const headers = session();
    expect((await b2copy(A, B2COPY.signIn, headers, USER)).status).toBe(200);
    await redis.stop();
    try {
      const refused = await b2copy(A, B2COPY.signIn, headers, USER);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      // B2COPY's own envelope, naming the store.
      const body = await json(refused);
      expect(body).toMatchObject({ status: 503, data: null });
      expect(body.errors[0].message).toMatch(/state store .* is unavailable/);
      const oauth = await redeem(B, headers, 'some-code');
      expect(oauth.status).toBe(503);
      expect(await json(oauth)).toMatchObject({ error: expect.any(String) });
      const health = await fetch(`${urlOf(B)}/__mock/health`);
      expect(health.status).toBe(503);
      expect(await json(health)).toMatchObject({ status: 'unavailable', store: { kind: 'redis', reachable: false } });
      await expect.poll(() => replicas[A]!.process.stdout(), { timeout: 5000 }).toMatch(/state store unreachable/);
    } finally {
      await redis.restart();
    }
    await expect
      .poll(async () => (await b2copy(A, B2COPY.signIn, headers, USER)).status, { timeout: 15_000 })
      .toBe(200);
    expect((await fetch(`${urlOf(B)}/__mock/health`)).status).toBe(200);
    // Neither process died.
    for (const replica of replicas) expect(replica.process.child.exitCode).toBeNull();
  }, 60_000);
});
